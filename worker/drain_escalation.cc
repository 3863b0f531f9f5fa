#include "worker/drain_escalation.h"

#include "absl/strings/str_cat.h"

namespace edgectl::worker {

DrainEscalation::Step DrainEscalation::Check(absl::Time drain_started, absl::Time now) {
  Step step;
  if (timeout_sec_ <= 0 || killed_ || now - drain_started < absl::Seconds(timeout_sec_)) {
    return step;
  }
  if (!terminated_at_.has_value()) {
    terminated_at_ = now;
    step.action = Action::kTerminate;
    step.notice = absl::StrCat("Edge worker drain timeout of ", timeout_sec_,
                               "s expired; sending SIGTERM to task supervisor. Will escalate to "
                               "SIGKILL after ",
                               kill_grace_sec_, "s grace.");
    return step;
  }
  if (now - *terminated_at_ >= absl::Seconds(kill_grace_sec_)) {
    killed_ = true;
    step.action = Action::kKill;
    step.notice = absl::StrCat("Edge worker drain kill-grace of ", kill_grace_sec_,
                               "s expired; sending SIGKILL and exiting worker.");
  }
  return step;
}

std::string DrainEscalation::PolicyDescription() const {
  if (timeout_sec_ <= 0) return "Drain timeout disabled; will wait indefinitely.";
  return absl::StrCat("Drain timeout: ", timeout_sec_, "s (then SIGTERM), kill grace: ",
                      kill_grace_sec_, "s (then SIGKILL).");
}

}  // namespace edgectl::worker
