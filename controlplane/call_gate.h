// File: controlplane/call_gate.h
//
// The door every worker call passes before any work (docs/ARCHITECTURE.md, "Security"):
//   1. the request's fields are validated (request_validation.h), cheaply, on the gRPC thread;
//   2. the caller gets its own queue on the Executor (auth::Authenticator::FairShareKey), so a
//      flood from one client waits behind itself;
//   3. on the executor, the caller is authenticated (a token costs one primary-key lookup) and
//      the name the request claims is bound to the authenticated one;
//   4. only then the RPC's work runs, with the Identity.
// Every refusal goes to the RefusalLog (rate-limited log line, /metrics). Refusals that the
// caller should retry later (UNAVAILABLE, RESOURCE_EXHAUSTED) carry the trailing metadata
// `edgectl-retry-after-ms`, jittered so many workers do not come back in the same instant.
// Register and Connect additionally pass an admission limit per second for the whole sidecar.
#ifndef EDGECTL_CONTROLPLANE_CALL_GATE_H_
#define EDGECTL_CONTROLPLANE_CALL_GATE_H_

#include <grpcpp/grpcpp.h>

#include <atomic>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>

#include "absl/base/thread_annotations.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "controlplane/auth/authenticator.h"
#include "controlplane/clock.h"
#include "controlplane/executor.h"
#include "controlplane/fd_budget.h"
#include "controlplane/refusal_log.h"
#include "proto/call_metadata.h"

namespace edgectl::controlplane {

class CallGate {
 public:
  CallGate(auth::Authenticator& authenticator, Executor& executor, RefusalLog& refusals,
           const Clock& clock, int admissions_per_second)
      : authenticator_(authenticator), executor_(executor), refusals_(refusals), clock_(clock),
        admissions_per_second_(admissions_per_second) {}

  using Work = std::function<absl::Status(const auth::Identity&)>;
  // A unary call: runs `work` once admitted and finishes the call with its status.
  grpc::ServerUnaryReactor* Unary(grpc::CallbackServerContext* context, const char* rpc,
                                  const std::string& claimed_name, absl::Status valid, Work work,
                                  bool admission_limited = false);

  struct Admission {
    absl::StatusOr<auth::Identity> identity;
    std::optional<absl::Duration> retry_after;  // for the stream's trailing metadata
  };
  using Admitted = std::function<void(Admission)>;
  // A stream: calls `then` (on the executor, or at once when refused early) with the identity
  // or the refusal (already logged). `then` must not use `context` unless the stream is known to
  // be alive: a stream may be cancelled and done before the executor runs.
  void AdmitStream(grpc::CallbackServerContext* context, const char* rpc,
                   const std::string& claimed_name, absl::Status valid, Admitted then,
                   bool admission_limited = false);

  // Adds jittered retry-after metadata for `delay` (at least).
  static void AddRetryAfter(grpc::ServerContextBase* context, absl::Duration delay);
  static absl::Duration RetryDelayFor(const absl::Status& status);
  // Logs and counts a refusal the RPC itself decided (e.g. another worker's job).
  void Refuse(const std::string& peer, const char* rpc, const std::string& claimed_name,
              const std::string& authenticated, const absl::Status& status);

  const auth::Authenticator& authenticator() const { return authenticator_; }
  // Admission-limited calls (Register, Connect) are also refused, UNAVAILABLE with
  // budget->RetryDelay(), while the open-file budget is spent (fd_budget.h). Must outlive this.
  void SetFdBudget(FdBudget* budget) { fd_budget_ = budget; }

 private:
  // Authenticates the caller and binds the claimed worker name to it (on the executor: a token
  // costs a lookup); a refusal is logged and counted before it is returned.
  absl::StatusOr<auth::Identity> Identify(const auth::PeerCredentials& peer, const char* rpc,
                                          const std::string& claimed_name);
  // nullopt: admitted; else the delay to retry after (sidecar-wide Register/Connect limit).
  std::optional<absl::Duration> Admit();
  // OK, or the refusal and (for retryable ones) the delay to send.
  absl::Status Precheck(const std::string& peer, const char* rpc,
                        const std::string& claimed_name, const absl::Status& valid,
                        bool admission_limited, std::optional<absl::Duration>* retry_after);

  auth::Authenticator& authenticator_;
  Executor& executor_;
  RefusalLog& refusals_;
  const Clock& clock_;
  const int admissions_per_second_;
  FdBudget* fd_budget_ = nullptr;
  absl::Mutex mu_;
  absl::Time fd_warned_at_ ABSL_GUARDED_BY(mu_) = absl::InfinitePast();
  int64_t admission_second_ ABSL_GUARDED_BY(mu_) = 0;
  int admitted_this_second_ ABSL_GUARDED_BY(mu_) = 0;
  int refused_this_second_ ABSL_GUARDED_BY(mu_) = 0;
};

}  // namespace edgectl::controlplane

#endif  // EDGECTL_CONTROLPLANE_CALL_GATE_H_
