#include "controlplane/call_gate.h"

#include <spdlog/spdlog.h>

#include <random>

#include "absl/strings/str_cat.h"
#include "controlplane/auth/peer_credentials.h"
#include "controlplane/proto_convert.h"

namespace edgectl::controlplane {
namespace {

// Up to +50 % so callers told the same delay spread out.
absl::Duration Jittered(absl::Duration delay) {
  thread_local std::mt19937_64 rng{std::random_device{}()};
  std::uniform_real_distribution<double> spread(1.0, 1.5);
  return delay * spread(rng);
}

bool Retryable(const absl::Status& status) {
  return status.code() == absl::StatusCode::kUnavailable ||
         status.code() == absl::StatusCode::kResourceExhausted;
}

}  // namespace

absl::Duration CallGate::RetryDelayFor(const absl::Status& status) {
  if (status.code() == absl::StatusCode::kResourceExhausted) return absl::Seconds(1);
  return absl::Milliseconds(500);
}

void CallGate::AddRetryAfter(grpc::ServerContextBase* context, absl::Duration delay) {
  context->AddTrailingMetadata(v1::kRetryAfterMetadata,
                               std::to_string(absl::ToInt64Milliseconds(Jittered(delay))));
}

void CallGate::Refuse(const std::string& peer, const char* rpc, const std::string& claimed_name,
                      const std::string& authenticated, const absl::Status& status) {
  refusals_.Record({rpc, peer, auth::QuotePrefix(claimed_name), authenticated, status});
}

std::optional<absl::Duration> CallGate::Admit() {
  const int64_t second = absl::ToUnixSeconds(clock_.Now());
  absl::MutexLock lock(&mu_);
  if (second != admission_second_) {
    admission_second_ = second;
    admitted_this_second_ = 0;
    refused_this_second_ = 0;
  }
  if (admitted_this_second_ < admissions_per_second_) {
    ++admitted_this_second_;
    return std::nullopt;
  }
  // Spread the excess over the following seconds in proportion to how many are waiting.
  ++refused_this_second_;
  return absl::Seconds(1 + refused_this_second_ / std::max(admissions_per_second_, 1));
}

absl::Status CallGate::Precheck(const std::string& peer, const char* rpc,
                                const std::string& claimed_name, const absl::Status& valid,
                                bool admission_limited,
                                std::optional<absl::Duration>* retry_after) {
  if (!valid.ok()) {
    Refuse(peer, rpc, claimed_name, "", valid);
    return valid;
  }
  if (refusals_.AuthThrottled(peer)) {
    absl::Status s = absl::UnauthenticatedError(
        "too many failed authentication attempts from this host in the last second; fix the "
        "worker's credentials");
    *retry_after = absl::Seconds(1);
    Refuse(peer, rpc, claimed_name, "", s);
    return s;
  }
  if (admission_limited && fd_budget_ != nullptr && !fd_budget_->Admit()) {
    *retry_after = fd_budget_->RetryDelay();
    const std::string budget = fd_budget_->Describe();
    {
      absl::MutexLock lock(&mu_);
      if (clock_.Now() - fd_warned_at_ >= absl::Minutes(1)) {
        fd_warned_at_ = clock_.Now();
        spdlog::warn("controlplane: refusing new worker streams: {}; raise the sidecar's open "
                     "file limit (ulimit -n, systemd LimitNOFILE=) or add a sidecar",
                     budget);
      }
    }
    return absl::UnavailableError(absl::StrCat(
        "the sidecar is near its open-file limit (", budget,
        "); retry after the delay it sent, or connect to another sidecar"));
  }
  if (admission_limited) {
    if (std::optional<absl::Duration> delay = Admit()) {
      *retry_after = *delay;
      return absl::UnavailableError(
          "the sidecar is admitting many workers at once; retry after the delay it sent");
    }
  }
  return absl::OkStatus();
}

absl::StatusOr<auth::Identity> CallGate::Identify(const auth::PeerCredentials& peer,
                                                  const char* rpc,
                                                  const std::string& claimed_name) {
  absl::StatusOr<auth::Identity> identity =
      authenticator_.Authenticate(peer, claimed_name, clock_.Now());
  absl::Status status = identity.status();
  // A request without a worker name (GetLogfilePath) is bound by its RPC instead.
  if (status.ok() && !claimed_name.empty()) status = auth::AuthorizeWorker(*identity, claimed_name);
  if (status.ok()) return identity;
  Refuse(peer.peer, rpc, claimed_name, identity.ok() ? identity->worker_name : "", status);
  return status;
}

grpc::ServerUnaryReactor* CallGate::Unary(grpc::CallbackServerContext* context, const char* rpc,
                                          const std::string& claimed_name, absl::Status valid,
                                          Work work, bool admission_limited) {
  grpc::ServerUnaryReactor* reactor = context->DefaultReactor();
  const auth::PeerCredentials peer = auth::CredentialsOf(*context);
  std::optional<absl::Duration> retry_after;
  if (absl::Status s =
          Precheck(peer.peer, rpc, claimed_name, valid, admission_limited, &retry_after);
      !s.ok()) {
    if (retry_after) AddRetryAfter(context, *retry_after);
    reactor->Finish(ToGrpcStatus(s));
    return reactor;
  }
  const std::string key = authenticator_.FairShareKey(peer, claimed_name);
  // A unary call's context lives until Finish, so the task may use it.
  absl::Status submitted = executor_.Submit(
      key, [this, context, reactor, rpc, claimed_name, peer, work = std::move(work)] {
        absl::StatusOr<auth::Identity> identity = Identify(peer, rpc, claimed_name);
        const absl::Status status = identity.ok() ? work(*identity) : identity.status();
        if (Retryable(status)) AddRetryAfter(context, RetryDelayFor(status));
        reactor->Finish(ToGrpcStatus(status));
      });
  if (!submitted.ok()) {
    AddRetryAfter(context, RetryDelayFor(submitted));
    Refuse(peer.peer, rpc, claimed_name, "", submitted);
    reactor->Finish(ToGrpcStatus(submitted));
  }
  return reactor;
}

void CallGate::AdmitStream(grpc::CallbackServerContext* context, const char* rpc,
                           const std::string& claimed_name, absl::Status valid, Admitted then,
                           bool admission_limited) {
  const auth::PeerCredentials peer = auth::CredentialsOf(*context);
  std::optional<absl::Duration> retry_after;
  if (absl::Status s =
          Precheck(peer.peer, rpc, claimed_name, valid, admission_limited, &retry_after);
      !s.ok()) {
    then(Admission{s, retry_after});
    return;
  }
  const std::string key = authenticator_.FairShareKey(peer, claimed_name);
  // `then` is shared: if Submit refuses, the task (and its copy) is gone and we call it here.
  auto shared_then = std::make_shared<Admitted>(std::move(then));
  absl::Status submitted = executor_.Submit(key, [this, rpc, claimed_name, peer, shared_then] {
    absl::StatusOr<auth::Identity> identity = Identify(peer, rpc, claimed_name);
    std::optional<absl::Duration> delay;
    if (!identity.ok() && Retryable(identity.status())) delay = RetryDelayFor(identity.status());
    (*shared_then)(Admission{std::move(identity), delay});
  });
  if (!submitted.ok()) {
    Refuse(peer.peer, rpc, claimed_name, "", submitted);
    (*shared_then)(Admission{submitted, RetryDelayFor(submitted)});
  }
}

}  // namespace edgectl::controlplane
