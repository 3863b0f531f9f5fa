// edge3's bounded drain: SIGTERM after drain_timeout_sec, SIGKILL a grace later, each once,
// with edge3's notices; 0 disables it.
#include "worker/drain_escalation.h"

#include "gtest/gtest.h"

namespace edgectl::worker {
namespace {

using Action = DrainEscalation::Action;

TEST(DrainEscalationTest, TerminatesThenKillsOnce) {
  DrainEscalation escalation(10, 5);
  const absl::Time start = absl::FromUnixSeconds(1000);
  EXPECT_EQ(escalation.Check(start, start + absl::Seconds(9)).action, Action::kNone);
  DrainEscalation::Step term = escalation.Check(start, start + absl::Seconds(10));
  EXPECT_EQ(term.action, Action::kTerminate);
  EXPECT_EQ(term.notice,
            "Edge worker drain timeout of 10s expired; sending SIGTERM to task supervisor. Will "
            "escalate to SIGKILL after 5s grace.");
  EXPECT_EQ(escalation.Check(start, start + absl::Seconds(14)).action, Action::kNone);
  DrainEscalation::Step kill = escalation.Check(start, start + absl::Seconds(15));
  EXPECT_EQ(kill.action, Action::kKill);
  EXPECT_EQ(kill.notice,
            "Edge worker drain kill-grace of 5s expired; sending SIGKILL and exiting worker.");
  EXPECT_EQ(escalation.Check(start, start + absl::Seconds(100)).action, Action::kNone);
}

TEST(DrainEscalationTest, ZeroTimeoutWaitsForever) {
  DrainEscalation escalation(0, 5);
  const absl::Time start = absl::FromUnixSeconds(1000);
  EXPECT_EQ(escalation.Check(start, start + absl::Hours(100)).action, Action::kNone);
  EXPECT_EQ(escalation.PolicyDescription(), "Drain timeout disabled; will wait indefinitely.");
  EXPECT_EQ(DrainEscalation(30, 10).PolicyDescription(),
            "Drain timeout: 30s (then SIGTERM), kill grace: 10s (then SIGKILL).");
}

}  // namespace
}  // namespace edgectl::worker
