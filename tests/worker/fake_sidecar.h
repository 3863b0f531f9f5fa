// File: tests/worker/fake_sidecar.h
//
// A fake control-plane sidecar for the worker's tests: a real gRPC server (127.0.0.1, port 0)
// implementing edgectl.v1.EdgeWorkerService that records every call and lets the test push jobs
// and state_change events down the worker's stream, fail calls, drop the stream, and stop and
// restart the whole server on the same port (a sidecar restart). It keeps edge_logs-like storage
// with the real sidecar's idempotence rule (a chunk whose chunk_time is already stored for the job
// is skipped) and applies the server-side state rules the worker depends on (edge3 §7.1:
// maintenance request / exit and shutdown request are sticky until acknowledged).
#ifndef EDGECTL_TESTS_WORKER_FAKE_SIDECAR_H_
#define EDGECTL_TESTS_WORKER_FAKE_SIDECAR_H_

#include <grpcpp/grpcpp.h>

#include <condition_variable>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "absl/time/time.h"
#include "proto/edge_worker.grpc.pb.h"

namespace edgectl::testing {

class FakeSidecar {
 public:
  FakeSidecar();
  ~FakeSidecar();

  // Starts listening; the first start picks a free port, later starts reuse it.
  void Start();
  // Shuts the server down (open streams end, calls fail UNAVAILABLE) until Start() again.
  void Stop();
  std::string address() const { return "127.0.0.1:" + std::to_string(port_); }

  // --- knobs ---
  void SetRegisterError(grpc::Status status);
  void SetHeartbeatError(std::optional<grpc::Status> status);
  void SetHeartbeatInterval(int seconds);
  // The server-side state (edge_worker.state) as an admin would set it.
  void SetServerState(const std::string& state);
  void SetCentralConcurrency(std::optional<int> concurrency);
  // The next n PushLogs calls store their chunks but answer UNAVAILABLE (a lost reply).
  void FailPushLogsAfterStore(int n);
  // ClaimJob answers "not granted" (the centre took the job back) while set.
  void RefuseClaims(bool refuse);

  // --- actions on the worker's stream; false when no stream is open ---
  bool PushJob(const v1::JobKey& key, const std::string& command, int slots);
  bool PushStateChange(const v1::HeartbeatResponse& change);
  // Ends the open stream with UNAVAILABLE (the worker must reconnect).
  void DropStream();

  // --- observations ---
  std::vector<v1::RegisterRequest> registers();
  std::vector<v1::HeartbeatRequest> heartbeats();
  std::vector<std::string> heartbeat_states();
  // Reports as applied (repeats by sequence are not included).
  std::vector<v1::JobStateReport> applied_reports();
  // Every ClaimJob call, granted or not.
  std::vector<v1::JobClaim> claims();
  // Job state transitions in the order they happened: a granted claim is the job's "running"
  // (free_concurrency -1: a claim does not carry it), then the applied reports.
  std::vector<v1::JobStateReport> transitions();
  int duplicate_reports();
  // Log chunks that arrived again with a chunk_time already stored (re-sends the worker made).
  int duplicate_log_chunks();
  std::vector<v1::ConnectRequest> connects();
  bool stream_open();
  // The job's stored log: stored chunks' bytes in chunk_time order.
  std::string StoredLog(const v1::JobKey& key);
  // chunk_times of the job's stored chunks, in order.
  std::vector<int64_t> StoredChunkTimes(const v1::JobKey& key);
  std::string server_state();

  // Polls `condition` every 20 ms until it holds or `timeout` passes.
  static bool WaitFor(const std::function<bool()>& condition, absl::Duration timeout);

 private:
  class Service;
  struct StoredChunk {
    uint64_t offset;
    std::string data;
  };
  struct Stream {
    std::deque<v1::ServerEvent> events;
    bool dropped = false;
  };

  v1::HeartbeatResponse ViewFor(const std::string& reported, const v1::WorkerStateBody& body);

  std::unique_ptr<Service> service_;
  std::unique_ptr<grpc::Server> server_;
  int port_ = 0;

  std::mutex mutex_;
  std::condition_variable changed_;
  grpc::Status register_error_ = grpc::Status::OK;
  std::optional<grpc::Status> heartbeat_error_;
  int heartbeat_interval_ = 2;
  std::string server_state_;
  std::optional<int> central_concurrency_;
  int fail_push_logs_after_store_ = 0;
  uint64_t next_dispatch_id_ = 1;
  std::shared_ptr<Stream> stream_;
  bool stopping_ = false;

  std::vector<v1::RegisterRequest> registers_;
  std::vector<v1::HeartbeatRequest> heartbeats_;
  std::vector<v1::JobStateReport> applied_reports_;
  std::vector<v1::JobClaim> claims_;
  std::vector<v1::JobStateReport> transitions_;
  std::map<std::string, bool> claimed_;
  bool refuse_claims_ = false;
  std::map<std::string, uint64_t> last_sequence_;
  int duplicate_reports_ = 0;
  int duplicate_log_chunks_ = 0;
  std::vector<v1::ConnectRequest> connects_;
  // job id -> chunk_time (us) -> chunk
  std::map<std::string, std::map<int64_t, StoredChunk>> logs_;

  friend class Service;
};

std::string JobId(const v1::JobKey& key);

}  // namespace edgectl::testing

#endif  // EDGECTL_TESTS_WORKER_FAKE_SIDECAR_H_
