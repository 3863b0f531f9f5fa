// File: worker/drain_escalation.h
//
// edge3's bounded drain ([edge] drain_timeout_sec / drain_kill_grace_sec, spec §3.6): once a
// drain has waited drain_timeout_sec for running jobs, SIGTERM them (with a notice in each job's
// log); drain_kill_grace_sec later, SIGKILL them. 0 = wait forever. Pure: the caller supplies the
// times and performs the action.
#ifndef EDGECTL_WORKER_DRAIN_ESCALATION_H_
#define EDGECTL_WORKER_DRAIN_ESCALATION_H_

#include <optional>
#include <string>

#include "absl/time/time.h"

namespace edgectl::worker {

class DrainEscalation {
 public:
  enum class Action { kNone, kTerminate, kKill };
  struct Step {
    Action action = Action::kNone;
    std::string notice;  // edge3's text for every job's log
  };

  DrainEscalation(int timeout_sec, int kill_grace_sec)
      : timeout_sec_(timeout_sec), kill_grace_sec_(kill_grace_sec) {}

  // Each action is returned once, in order.
  Step Check(absl::Time drain_started, absl::Time now);
  // edge3's one-line description, logged when the drain starts.
  std::string PolicyDescription() const;

 private:
  int timeout_sec_;
  int kill_grace_sec_;
  std::optional<absl::Time> terminated_at_;
  bool killed_ = false;
};

}  // namespace edgectl::worker

#endif  // EDGECTL_WORKER_DRAIN_ESCALATION_H_
