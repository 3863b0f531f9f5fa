// A CallLane backing off after an outage may call at once when the sidecar is reachable again
// (its stream came back), so a final report does not wait out the 30 s backoff cap; a
// retry-after the sidecar itself asked for is still honoured.
#include "worker/call_lane.h"

#include "gtest/gtest.h"
#include "tests/worker/manual_time.h"
#include "worker/retry_after.h"

namespace edgectl::worker {
namespace {

TEST(CallLaneTest, TheSidecarBackEndsTheOutagesBackoff) {
  FakeClock clock;
  HalfRandom random;
  WakePipe wake;
  CallLane lane("reports", &clock, &random, &wake);
  absl::Duration delay;
  for (int i = 0; i < 8; ++i) delay = lane.Failed(absl::UnavailableError("connection refused"));
  EXPECT_GE(delay, absl::Seconds(10));
  EXPECT_FALSE(lane.Ready());
  lane.SidecarReachable();
  EXPECT_TRUE(lane.Ready());
  // The backoff starts over too: the next failure waits the first step again.
  EXPECT_LT(lane.Failed(absl::UnavailableError("refused")), absl::Seconds(1));
}

TEST(CallLaneTest, ARetryAfterTheSidecarAskedForStands) {
  FakeClock clock;
  HalfRandom random;
  WakePipe wake;
  CallLane lane("reports", &clock, &random, &wake);
  lane.Failed(WithRetryAfter(absl::ResourceExhaustedError("busy"), absl::Seconds(5)));
  lane.SidecarReachable();
  EXPECT_FALSE(lane.Ready());
  clock.now += absl::Seconds(5);
  EXPECT_TRUE(lane.Ready());
}

}  // namespace
}  // namespace edgectl::worker
