// LogAckWindow: a PushLogs stream's chunks are stored concurrently and finish in any order; only
// a job's contiguous settled prefix may be acknowledged, and in_flight() counts the window.
#include "controlplane/log_ack_window.h"

#include <gtest/gtest.h>

namespace edgectl::controlplane {
namespace {

TEST(LogAckWindowTest, AcknowledgesOnlyTheContiguousStoredPrefix) {
  LogAckWindow w;
  const uint64_t a = w.Add("job", 100);
  const uint64_t b = w.Add("job", 200);
  const uint64_t c = w.Add("job", 300);
  EXPECT_EQ(w.in_flight(), 3u);
  EXPECT_EQ(w.StoredUntil("job"), std::nullopt);
  // The later chunks finish first: nothing is acknowledged while the first is still storing.
  w.Stored(c);
  w.Stored(b);
  EXPECT_EQ(w.StoredUntil("job"), std::nullopt);
  EXPECT_EQ(w.in_flight(), 1u);
  w.Stored(a);
  EXPECT_EQ(w.StoredUntil("job"), 300u);
  EXPECT_EQ(w.in_flight(), 0u);
}

TEST(LogAckWindowTest, StopsAtAChunkStillInFlight) {
  LogAckWindow w;
  const uint64_t a = w.Add("job", 100);
  const uint64_t b = w.Add("job", 200);
  const uint64_t c = w.Add("job", 300);
  w.Stored(a);
  w.Stored(c);
  EXPECT_EQ(w.StoredUntil("job"), 100u);  // b is not stored yet: 200..300 is not covered either
  w.Stored(b);
  EXPECT_EQ(w.StoredUntil("job"), 300u);
}

TEST(LogAckWindowTest, ARefusedChunkSettlesWithoutBeingAcknowledged) {
  LogAckWindow w;
  const uint64_t a = w.Add("job", 100);
  const uint64_t b = w.Add("job", 200);
  const uint64_t c = w.Add("job", 300);
  w.Refused(c);  // e.g. never submitted (executor full): the worker sends it again
  w.Stored(a);
  w.Stored(b);
  EXPECT_EQ(w.StoredUntil("job"), 200u);
  EXPECT_EQ(w.in_flight(), 0u);
  LogAckWindow only_refused;
  only_refused.Refused(only_refused.Add("job", 50));
  EXPECT_EQ(only_refused.StoredUntil("job"), std::nullopt);
}

TEST(LogAckWindowTest, JobsAreIndependent) {
  LogAckWindow w;
  const uint64_t a1 = w.Add("a", 10);
  const uint64_t b1 = w.Add("b", 500);
  const uint64_t a2 = w.Add("a", 20);
  w.Stored(b1);
  w.Stored(a2);
  EXPECT_EQ(w.StoredUntil("b"), 500u);
  EXPECT_EQ(w.StoredUntil("a"), std::nullopt);  // a's first chunk is still in flight
  w.Stored(a1);
  EXPECT_EQ(w.StoredUntil("a"), 20u);
  EXPECT_EQ(w.StoredUntil("unknown"), std::nullopt);
}

TEST(LogAckWindowTest, SettlingTwiceCountsOnce) {
  LogAckWindow w;
  const uint64_t a = w.Add("job", 10);
  w.Add("job", 20);
  w.Stored(a);
  w.Stored(a);
  EXPECT_EQ(w.in_flight(), 1u);
}

}  // namespace
}  // namespace edgectl::controlplane
