// Limits that keep one client from starving the others: WorkerLimits (log byte token bucket,
// open log streams, Connect attempts per minute) on a manual clock; RefusalLog (metrics by
// reason, log lines rate-limited per peer host and reason, the authentication throttle); and the
// Executor's fairness (per-key queues taken in turn, a cap on one key's running tasks, refusals
// when a key's queue or all queues are full).
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <spdlog/sinks/ostream_sink.h>
#include <spdlog/spdlog.h>

#include <atomic>
#include <memory>
#include <sstream>
#include <string>
#include <vector>

#include "absl/synchronization/mutex.h"
#include "absl/synchronization/notification.h"
#include "absl/time/clock.h"
#include "controlplane/executor.h"
#include "controlplane/metrics.h"
#include "controlplane/refusal_log.h"
#include "controlplane/worker_limits.h"
#include "tests/fakes/manual_clock.h"

namespace edgectl::controlplane {
namespace {

using ::testing::HasSubstr;
using ::testing::Optional;
using edgectl::testing::ManualClock;

// ---------------------------------------------------------------------------------------------
// WorkerLimits

TEST(WorkerLimits, LogBytesAreATokenBucketWithOneSecondOfBurst) {
  ManualClock clock;
  WorkerLimits limits({.log_bytes_per_second = 1000}, clock);
  EXPECT_EQ(limits.LogDelay("w"), std::nullopt);
  limits.ChargeLogBytes("w", 3000);  // the chunk was stored before it was charged
  EXPECT_THAT(limits.LogDelay("w"), Optional(absl::Seconds(2)));
  clock.Advance(absl::Milliseconds(1500));
  EXPECT_THAT(limits.LogDelay("w"), Optional(absl::Milliseconds(500)));
  clock.Advance(absl::Milliseconds(500));
  EXPECT_EQ(limits.LogDelay("w"), std::nullopt);  // balance back at zero: one more chunk

  // Idle time refills at most one second's worth.
  clock.Advance(absl::Hours(1));
  limits.ChargeLogBytes("w", 1000);
  EXPECT_EQ(limits.LogDelay("w"), std::nullopt);
  limits.ChargeLogBytes("w", 1);
  EXPECT_THAT(limits.LogDelay("w"), Optional(absl::Milliseconds(10)));  // the floor
}

TEST(WorkerLimits, ResentChunksCostNothingAndWorkersAreSeparate) {
  ManualClock clock;
  WorkerLimits limits({.log_bytes_per_second = 100}, clock);
  for (int i = 0; i < 1000; ++i) limits.ChargeLogBytes("w", 0);
  EXPECT_EQ(limits.LogDelay("w"), std::nullopt);
  limits.ChargeLogBytes("flooder", 1 << 20);
  EXPECT_TRUE(limits.LogDelay("flooder").has_value());
  EXPECT_EQ(limits.LogDelay("w"), std::nullopt);
}

TEST(WorkerLimits, LogStreamsAreCountedPerWorker) {
  ManualClock clock;
  WorkerLimits limits({.log_streams = 2}, clock);
  EXPECT_TRUE(limits.OpenLogStream("w"));
  EXPECT_TRUE(limits.OpenLogStream("w"));
  EXPECT_FALSE(limits.OpenLogStream("w"));
  EXPECT_TRUE(limits.OpenLogStream("other"));
  limits.CloseLogStream("w");
  EXPECT_TRUE(limits.OpenLogStream("w"));
  EXPECT_FALSE(limits.OpenLogStream("w"));

  // Closing more than was opened does not raise the limit.
  for (int i = 0; i < 5; ++i) limits.CloseLogStream("w");
  limits.CloseLogStream("never-opened");
  EXPECT_TRUE(limits.OpenLogStream("w"));
  EXPECT_TRUE(limits.OpenLogStream("w"));
  EXPECT_FALSE(limits.OpenLogStream("w"));
}

TEST(WorkerLimits, ConnectsPerMinuteSlideWithTheClock) {
  ManualClock clock;
  WorkerLimits limits({.connects_per_minute = 3}, clock);
  EXPECT_EQ(limits.AdmitConnect("w"), std::nullopt);
  clock.Advance(absl::Seconds(10));
  EXPECT_EQ(limits.AdmitConnect("w"), std::nullopt);
  EXPECT_EQ(limits.AdmitConnect("w"), std::nullopt);
  EXPECT_THAT(limits.AdmitConnect("w"), Optional(absl::Seconds(50)));
  EXPECT_EQ(limits.AdmitConnect("other"), std::nullopt);
  clock.Advance(absl::Seconds(49));
  EXPECT_THAT(limits.AdmitConnect("w"), Optional(absl::Seconds(1)));  // refusals are not counted
  clock.Advance(absl::Seconds(1));
  EXPECT_EQ(limits.AdmitConnect("w"), std::nullopt);  // the first attempt left the window
  EXPECT_THAT(limits.AdmitConnect("w"), Optional(absl::Seconds(10)));
}

// ---------------------------------------------------------------------------------------------
// RefusalLog

// Captures spdlog's default logger for one test.
class CapturedLog {
 public:
  CapturedLog() : previous_(spdlog::default_logger()) {
    auto sink = std::make_shared<spdlog::sinks::ostream_sink_mt>(text_);
    spdlog::set_default_logger(std::make_shared<spdlog::logger>("captured", sink));
  }
  ~CapturedLog() { spdlog::set_default_logger(previous_); }
  std::vector<std::string> Lines() {
    std::vector<std::string> lines;
    std::istringstream in(text_.str());
    for (std::string line; std::getline(in, line);) lines.push_back(line);
    return lines;
  }

 private:
  std::ostringstream text_;
  std::shared_ptr<spdlog::logger> previous_;
};

Refusal Unauthenticated(const std::string& peer) {
  return {"Heartbeat", peer, "\"w\"", "", absl::UnauthenticatedError("no token")};
}

TEST(RefusalReason, IsTheLowerCaseCodeName) {
  EXPECT_EQ(RefusalReason(absl::UnauthenticatedError("")), "unauthenticated");
  EXPECT_EQ(RefusalReason(absl::PermissionDeniedError("")), "permission_denied");
  EXPECT_EQ(RefusalReason(absl::InvalidArgumentError("")), "invalid_argument");
  EXPECT_EQ(RefusalReason(absl::ResourceExhaustedError("")), "resource_exhausted");
}

TEST(RefusalLog, CountsEveryRefusalButLogsOncePerHostReasonAndMinute) {
  CapturedLog log;
  ManualClock clock;
  Metrics metrics;
  RefusalLog refusals(clock, metrics);
  for (int port = 1; port <= 5; ++port) {
    refusals.Record(Unauthenticated("ipv4:10.0.0.7:" + std::to_string(port)));
  }
  refusals.Record({"Register", "ipv4:10.0.0.7:9", "\"x\"", "w",
                   absl::PermissionDeniedError("another worker")});
  refusals.Record(Unauthenticated("ipv4:10.0.0.8:1"));
  EXPECT_EQ(metrics.calls_refused("unauthenticated"), 6u);
  EXPECT_EQ(metrics.calls_refused("permission_denied"), 1u);
  EXPECT_THAT(metrics.RenderPrometheusText(),
              HasSubstr("edgectl_controlplane_calls_refused_total{reason=\"unauthenticated\"} 6"));
  std::vector<std::string> lines = log.Lines();
  ASSERT_EQ(lines.size(), 3u);  // 10.0.0.7 twice (two reasons), 10.0.0.8 once
  EXPECT_THAT(lines[0], HasSubstr("refused Heartbeat from ipv4:10.0.0.7:1"));
  EXPECT_THAT(lines[0], HasSubstr("authenticated as nobody"));
  EXPECT_THAT(lines[1], HasSubstr("authenticated as w"));
  EXPECT_THAT(lines[2], HasSubstr("10.0.0.8"));

  clock.Advance(absl::Seconds(59));
  refusals.Record(Unauthenticated("ipv4:10.0.0.7:6"));
  EXPECT_EQ(log.Lines().size(), 3u);
  clock.Advance(absl::Seconds(1));
  refusals.Record(Unauthenticated("ipv4:10.0.0.7:7"));
  lines = log.Lines();
  ASSERT_EQ(lines.size(), 4u);
  EXPECT_THAT(lines[3], HasSubstr("(+5 similar refusals from this host in the last minute)"));
  EXPECT_EQ(metrics.calls_refused("unauthenticated"), 8u);
}

TEST(RefusalLog, ThrottlesAuthenticationPerHostWithinOneSecond) {
  ManualClock clock;
  Metrics metrics;
  RefusalLog refusals(clock, metrics, /*max_auth_failures_per_second=*/3);
  for (int i = 0; i < 3; ++i) refusals.Record(Unauthenticated("ipv6:[::1]:" + std::to_string(i)));
  EXPECT_FALSE(refusals.AuthThrottled("ipv6:[::1]:100"));
  refusals.Record(Unauthenticated("ipv6:[::1]:4"));
  EXPECT_TRUE(refusals.AuthThrottled("ipv6:[::1]:100"));  // any port of the host
  EXPECT_FALSE(refusals.AuthThrottled("ipv4:10.0.0.7:1"));
  clock.Advance(absl::Seconds(1));
  EXPECT_FALSE(refusals.AuthThrottled("ipv6:[::1]:100"));  // a new second

  // Refusals of authenticated callers are not authentication failures.
  for (int i = 0; i < 10; ++i) {
    refusals.Record({"Heartbeat", "ipv4:10.0.0.9:1", "\"x\"", "w",
                     absl::PermissionDeniedError("another worker")});
  }
  EXPECT_FALSE(refusals.AuthThrottled("ipv4:10.0.0.9:1"));
}

// ---------------------------------------------------------------------------------------------
// Executor

// Polls `condition` for at most 10 s (a bound, not a delay the test relies on).
bool WaitUntil(const std::function<bool()>& condition) {
  const absl::Time deadline = absl::Now() + absl::Seconds(10);
  while (!condition()) {
    if (absl::Now() > deadline) return false;
    absl::SleepFor(absl::Milliseconds(1));
  }
  return true;
}

// Releases blocked tasks when it goes out of scope, so a failed assertion cannot leave the
// executor's Shutdown() waiting forever. Declare it after the Executor.
class Gate {
 public:
  ~Gate() { Open(); }
  void Open() {
    if (!open_.HasBeenNotified()) open_.Notify();
  }
  void Wait() { open_.WaitForNotification(); }

 private:
  absl::Notification open_;
};

TEST(Executor, TakesKeysInTurnsWhileOneKeyIsFlooded) {
  Executor executor(ExecutorOptions{.threads = 1, .max_queued_per_key = 500});
  Gate gate;
  ASSERT_TRUE(executor.Submit("gate", [&] { gate.Wait(); }).ok());
  absl::Mutex mu;
  std::string order;
  const auto record = [&](char c) {
    absl::MutexLock lock(&mu);
    order += c;
  };
  for (int i = 0; i < 300; ++i) ASSERT_TRUE(executor.Submit("flood", [&] { record('F'); }).ok());
  ASSERT_TRUE(executor.Submit("other", [&] { record('O'); }).ok());
  ASSERT_TRUE(executor.Submit("third", [&] { record('T'); }).ok());
  ASSERT_TRUE(executor.Submit("other", [&] { record('O'); }).ok());
  gate.Open();
  executor.Shutdown();  // runs everything queued
  ASSERT_EQ(order.size(), 303u);
  // Round robin: the late keys ran within the first turns, not after the flood's 300.
  EXPECT_EQ(order.substr(0, 5), "FOTFO");
  EXPECT_EQ(order.substr(5), std::string(298, 'F'));
}

TEST(Executor, BlockedFloodCannotStarveAnotherKey) {
  Executor executor(ExecutorOptions{.threads = 4, .max_queued_per_key = 500,
                                    .max_running_per_key = 2});
  Gate gate;
  std::atomic<int> flood_running{0};
  std::atomic<int> flood_max{0};
  for (int i = 0; i < 300; ++i) {
    ASSERT_TRUE(executor.Submit("flood", [&] {
      const int now = ++flood_running;
      int seen = flood_max.load();
      while (now > seen && !flood_max.compare_exchange_weak(seen, now)) {
      }
      gate.Wait();
      --flood_running;
    }).ok());
  }
  ASSERT_TRUE(WaitUntil([&] { return flood_running.load() == 2; }));
  absl::Notification other_ran;
  ASSERT_TRUE(executor.Submit("other", [&] { other_ran.Notify(); }).ok());
  EXPECT_TRUE(other_ran.WaitForNotificationWithTimeout(absl::Seconds(10)));
  EXPECT_EQ(flood_running.load(), 2);  // the flood never took the other threads
  EXPECT_EQ(executor.queued(), 298u);

  // The sidecar's own work ("") is not capped per key.
  std::atomic<int> own_running{0};
  Gate own_gate;
  for (int i = 0; i < 2; ++i) {
    ASSERT_TRUE(executor.Submit([&] {
      ++own_running;
      own_gate.Wait();
    }).ok());
  }
  EXPECT_TRUE(WaitUntil([&] { return own_running.load() == 2; }));
  own_gate.Open();
  gate.Open();
  executor.Shutdown();
  EXPECT_EQ(flood_max.load(), 2);
}

TEST(Executor, RefusesAFullKeyWithResourceExhaustedAndAFullPoolWithUnavailable) {
  Executor executor(ExecutorOptions{.threads = 1, .max_queued = 5, .max_queued_per_key = 3});
  Gate gate;
  ASSERT_TRUE(executor.Submit("gate", [&] { gate.Wait(); }).ok());
  ASSERT_TRUE(WaitUntil([&] { return executor.queued() == 0; }));  // the gate is running
  std::atomic<int> ran{0};
  const auto task = [&] { ++ran; };
  for (int i = 0; i < 3; ++i) ASSERT_TRUE(executor.Submit("a", task).ok());
  absl::Status full_key = executor.Submit("a", task);
  EXPECT_EQ(full_key.code(), absl::StatusCode::kResourceExhausted);
  EXPECT_THAT(full_key.message(), HasSubstr("slow down"));
  ASSERT_TRUE(executor.Submit("b", task).ok());  // another caller is not affected
  ASSERT_TRUE(executor.Submit("", task).ok());   // nor the sidecar's own work
  EXPECT_EQ(executor.queued(), 5u);
  absl::Status full_pool = executor.Submit("c", task);
  EXPECT_EQ(full_pool.code(), absl::StatusCode::kUnavailable);
  EXPECT_EQ(executor.Submit("", task).code(), absl::StatusCode::kUnavailable);

  gate.Open();
  executor.Shutdown();
  EXPECT_EQ(ran.load(), 5);
  EXPECT_EQ(executor.Submit("a", task).code(), absl::StatusCode::kUnavailable);
}

TEST(Executor, OwnWorkHasNoPerKeyQueueLimit) {
  Executor executor(ExecutorOptions{.threads = 1, .max_queued = 100, .max_queued_per_key = 2});
  Gate gate;
  ASSERT_TRUE(executor.Submit([&] { gate.Wait(); }).ok());
  std::atomic<int> ran{0};
  for (int i = 0; i < 50; ++i) ASSERT_TRUE(executor.Submit([&] { ++ran; }).ok());
  gate.Open();
  executor.Shutdown();
  EXPECT_EQ(ran.load(), 50);
}

}  // namespace
}  // namespace edgectl::controlplane
