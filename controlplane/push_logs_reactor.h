// File: controlplane/push_logs_reactor.h
//
// PushLogs: the first chunk admits the stream through the CallGate (authentication, binding),
// then a per-worker limit on open log streams applies. The stream is pipelined: up to
// kWindowChunks chunks are read ahead and stored concurrently on the executor under the worker's
// fair-share key (which caps how many of one worker's stores run at once, across its streams);
// when the window is full the reactor stops reading, so gRPC's flow control holds the worker
// back and a stream never holds more than the window (kWindowChunks x max chunk size). Each job
// is checked once per stream to be the worker's own (edge_job.edge_worker), so it holds across
// sidecars. A chunk of another worker's job, of a job no longer in edge_job, or one that
// conflicts with stored text is listed in the reply's `refused` and the stream goes on with the
// other jobs. Above the worker's log byte rate, or when a store fails (Airflow unavailable), the
// stream stops reading, lets the stores in flight finish and ends with the error (and a retry
// delay); unacknowledged chunks are re-sent and recognised. The reply carries, per job, the file
// offset up to which its log is stored: the contiguous stored prefix (LogAckWindow).
#ifndef EDGECTL_CONTROLPLANE_PUSH_LOGS_REACTOR_H_
#define EDGECTL_CONTROLPLANE_PUSH_LOGS_REACTOR_H_

#include <grpcpp/grpcpp.h>

#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <utility>

#include "absl/synchronization/mutex.h"
#include "controlplane/auth/authenticator.h"
#include "controlplane/log_ack_window.h"
#include "controlplane/service_collaborators.h"
#include "proto/edge_worker.pb.h"

namespace edgectl::controlplane {

class PushLogsReactor final : public grpc::ServerReadReactor<v1::LogChunk> {
 public:
  // Chunks read ahead and being stored per stream. Eight 512 KiB chunks (edge3's default
  // push_log_chunk_size) keep the worker's fair share of executor threads (4) busy while the
  // next chunks arrive, for at most 4 MiB of log bytes held per stream.
  static constexpr size_t kWindowChunks = 8;

  PushLogsReactor(grpc::CallbackServerContext* context, ServiceCollaborators c,
                  v1::PushLogsReply* reply);

  void OnReadDone(bool ok) override;
  void OnDone() override;

 private:
  struct Failure {
    grpc::Status status;
    std::optional<absl::Duration> retry_after;
  };
  struct Action {
    enum { kNothing, kRead, kFinish } next = kNothing;
    grpc::Status status;
    std::optional<absl::Duration> retry_after;
  };
  static std::string JobId(const v1::JobKey& k);

  // True when the stream may go on (admitted and counted); else it is ending.
  bool Admitted(CallGate::Admission admission);
  // Takes the chunk just read into the window and starts storing it.
  void Accept(std::unique_ptr<v1::LogChunk> chunk);
  void Store(v1::LogChunk& chunk, uint64_t ticket);
  // OK when the job is this worker's; the refusal otherwise (cached per stream).
  absl::Status CheckOwner(const v1::JobKey& key);
  void Refuse(const v1::JobKey& key, uint64_t offset, const absl::Status& why)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  // The chunk just read is dealt with (or the client half-closed, or the stream must end with
  // `failure`; the first failure wins): then the next read, or the end of the call, is due.
  void EndRead(std::optional<Failure> failure, bool client_done = false);
  // A chunk's store finished (stored or not), possibly with the failure that ends the stream.
  void Settle(uint64_t ticket, bool stored, std::optional<Failure> failure);
  // Under mu_, in the same critical section as the change that made it due: the next read or
  // the end of the call (one thread decides each; after Finish nothing touches `this`).
  Action NextActionLocked() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  void Do(Action action);

  grpc::CallbackServerContext* context_;
  ServiceCollaborators c_;
  std::unique_ptr<v1::LogChunk> reading_;  // the buffer of the outstanding read

  absl::Mutex mu_;
  v1::PushLogsReply* reply_ ABSL_GUARDED_BY(mu_);
  std::optional<auth::Identity> identity_;  // set once, before any store starts
  bool stream_counted_ = false;
  std::string fair_key_;
  bool read_pending_ ABSL_GUARDED_BY(mu_) = true;
  bool reads_done_ ABSL_GUARDED_BY(mu_) = false;
  bool finished_ ABSL_GUARDED_BY(mu_) = false;
  std::optional<Failure> failure_ ABSL_GUARDED_BY(mu_);
  LogAckWindow window_ ABSL_GUARDED_BY(mu_);
  std::map<std::string, v1::JobKey> keys_ ABSL_GUARDED_BY(mu_);
  std::map<std::string, absl::Status> owner_checked_ ABSL_GUARDED_BY(mu_);  // OK = own job
  std::set<std::string> refused_jobs_ ABSL_GUARDED_BY(mu_);
};

}  // namespace edgectl::controlplane

#endif  // EDGECTL_CONTROLPLANE_PUSH_LOGS_REACTOR_H_
