// File: controlplane/push_logs_reactor.h
//
// PushLogs: the first chunk admits the stream through the CallGate (authentication, binding),
// then a per-worker limit on open log streams applies. Chunks are stored one at a time on the
// executor under the worker's fair-share key, so a fast worker cannot queue unbounded work, and
// each job is checked once per stream to be the worker's own (edge_job.edge_worker), so it holds
// across sidecars. A chunk of another worker's job, of a job no longer in edge_job, or one that
// conflicts with stored text is listed in the reply's `refused` and the stream goes on with the
// other jobs. Above the worker's log byte rate the stream ends with RESOURCE_EXHAUSTED and a
// retry delay; unacknowledged chunks are re-sent and recognised. The reply carries, per job, the
// file offset up to which its log is stored.
#ifndef EDGECTL_CONTROLPLANE_PUSH_LOGS_REACTOR_H_
#define EDGECTL_CONTROLPLANE_PUSH_LOGS_REACTOR_H_

#include <grpcpp/grpcpp.h>

#include <map>
#include <optional>
#include <set>
#include <string>
#include <tuple>
#include <utility>

#include "controlplane/auth/authenticator.h"
#include "controlplane/service_collaborators.h"
#include "proto/edge_worker.pb.h"

namespace edgectl::controlplane {

class PushLogsReactor final : public grpc::ServerReadReactor<v1::LogChunk> {
 public:
  PushLogsReactor(grpc::CallbackServerContext* context, ServiceCollaborators c,
                  v1::PushLogsReply* reply);

  void OnReadDone(bool ok) override;
  void OnDone() override;

 private:
  using Id = std::tuple<std::string, std::string, std::string, int, int, std::string>;
  static Id IdOf(const v1::JobKey& k);

  void OnAdmitted(CallGate::Admission admission);
  void StoreCurrent();
  // OK when the job is this worker's; the refusal otherwise (cached per stream).
  absl::Status CheckOwner(const v1::JobKey& key);
  void Refuse(const v1::JobKey& key, uint64_t offset, const absl::Status& why);
  void Record(const v1::JobKey& k, uint64_t offset);
  void FinishWith(const grpc::Status& status, std::optional<absl::Duration> retry_after = {});

  grpc::CallbackServerContext* context_;
  ServiceCollaborators c_;
  v1::PushLogsReply* reply_;
  v1::LogChunk chunk_;
  std::optional<auth::Identity> identity_;
  bool stream_counted_ = false;
  std::string fair_key_;
  std::map<Id, std::pair<v1::JobKey, uint64_t>> stored_;
  std::map<Id, absl::Status> owner_checked_;  // OK = the worker's own job
  std::set<Id> refused_jobs_;
};

}  // namespace edgectl::controlplane

#endif  // EDGECTL_CONTROLPLANE_PUSH_LOGS_REACTOR_H_
