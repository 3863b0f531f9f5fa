// Jittered exponential backoff with injected randomness.
#include "worker/backoff.h"

#include "gtest/gtest.h"

namespace edgectl::worker {
namespace {

class FixedRandom : public RandomSource {
 public:
  explicit FixedRandom(double value) : value_(value) {}
  double Uniform01() override { return value_; }

 private:
  double value_;
};

TEST(BackoffTest, GrowsExponentiallyUpToTheMaximum) {
  FixedRandom high(0.999999);
  Backoff backoff(absl::Milliseconds(100), absl::Seconds(1), &high);
  EXPECT_NEAR(absl::ToDoubleMilliseconds(backoff.NextDelay()), 100, 1);
  EXPECT_NEAR(absl::ToDoubleMilliseconds(backoff.NextDelay()), 200, 1);
  EXPECT_NEAR(absl::ToDoubleMilliseconds(backoff.NextDelay()), 400, 1);
  EXPECT_NEAR(absl::ToDoubleMilliseconds(backoff.NextDelay()), 800, 1);
  EXPECT_NEAR(absl::ToDoubleMilliseconds(backoff.NextDelay()), 1000, 1);
  EXPECT_NEAR(absl::ToDoubleMilliseconds(backoff.NextDelay()), 1000, 1);
}

TEST(BackoffTest, JitterSpreadsBetweenHalfTheInitialDelayAndTheCeiling) {
  FixedRandom low(0.0);
  Backoff backoff(absl::Milliseconds(100), absl::Seconds(1), &low);
  for (int i = 0; i < 8; ++i) EXPECT_EQ(backoff.NextDelay(), absl::Milliseconds(50));
}

TEST(BackoffTest, ResetStartsOver) {
  FixedRandom high(0.999999);
  Backoff backoff(absl::Milliseconds(100), absl::Seconds(10), &high);
  backoff.NextDelay();
  backoff.NextDelay();
  backoff.Reset();
  EXPECT_NEAR(absl::ToDoubleMilliseconds(backoff.NextDelay()), 100, 1);
}

}  // namespace
}  // namespace edgectl::worker
