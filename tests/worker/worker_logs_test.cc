// Log shipping of the real worker: near-live, byte for byte (multi-byte UTF-8, invalid bytes,
// NUL), across lost replies and a sidecar restart (nothing lost, nothing doubled), and
// [edge] push_logs = False.
#include <signal.h>

#include "absl/strings/match.h"
#include "absl/strings/str_format.h"
#include "gtest/gtest.h"
#include "tests/worker/worker_harness.h"

namespace edgectl::testing {
namespace {

constexpr absl::Duration kTimeout = absl::Seconds(30);

TEST(WorkerLogsTest, StreamsWhileRunningAndEndsByteForByte) {
  WorkerHarness h;
  auto worker = h.StartWorker();
  ASSERT_TRUE(h.WaitUntilConnected()) << worker->Stderr();
  const v1::JobKey key = WorkerHarness::Key("t\xC3\xA2sk_\xE2\x82\xAC_\xF0\x9F\x98\x80");
  ASSERT_TRUE(h.sidecar().PushJob(
      key, WorkerHarness::TaskWorkload(key, {{"lines", 40}, {"line_interval", 0.05}}), 1));
  // Near-live: bytes arrive while the task still runs.
  ASSERT_TRUE(FakeSidecar::WaitFor([&] { return !h.sidecar().StoredLog(key).empty(); }, kTimeout));
  EXPECT_TRUE(h.JobStates(key) == std::vector<std::string>{"running"})
      << "the job ended before its first log bytes arrived";
  ASSERT_TRUE(h.WaitForJobState(key, "success", kTimeout)) << worker->Stderr();
  const std::string file = WorkerHarness::ReadFile(h.LogFile(key));
  ASSERT_TRUE(absl::StrContains(file, "line 39 of demo_dag.t\xC3\xA2sk_"));
  ASSERT_TRUE(FakeSidecar::WaitFor([&] { return h.sidecar().StoredLog(key) == file; }, kTimeout));
  // Batched, not one call per line, and chunk times strictly increasing.
  const std::vector<int64_t> times = h.sidecar().StoredChunkTimes(key);
  EXPECT_LT(times.size(), 40u);
  for (size_t i = 1; i < times.size(); ++i) EXPECT_GT(times[i], times[i - 1]);
}

TEST(WorkerLogsTest, RawBytesPassUnchanged) {
  WorkerHarness h;
  auto worker = h.StartWorker();
  ASSERT_TRUE(h.WaitUntilConnected()) << worker->Stderr();
  const v1::JobKey key = WorkerHarness::Key("raw");
  const std::string bytes("nul:\0 bad:\xFF euro:\xE2\x82\xAC end\n", 24);
  std::string hex;
  for (unsigned char c : bytes) hex += absl::StrFormat("%02x", c);
  ASSERT_TRUE(h.sidecar().PushJob(
      key, WorkerHarness::TaskWorkload(key, {{"raw_log_hex", hex}}), 1));
  ASSERT_TRUE(h.WaitForJobState(key, "success", kTimeout)) << worker->Stderr();
  const std::string file = WorkerHarness::ReadFile(h.LogFile(key));
  ASSERT_EQ(file, bytes);
  ASSERT_TRUE(FakeSidecar::WaitFor([&] { return h.sidecar().StoredLog(key) == file; }, kTimeout));
}

TEST(WorkerLogsTest, NothingLostOrDoubledAcrossLostRepliesAndSidecarRestart) {
  WorkerHarness h;
  auto worker = h.StartWorker();
  ASSERT_TRUE(h.WaitUntilConnected()) << worker->Stderr();
  const v1::JobKey key = WorkerHarness::Key("resilient");
  ASSERT_TRUE(h.sidecar().PushJob(
      key, WorkerHarness::TaskWorkload(key, {{"lines", 60}, {"line_interval", 0.05}}), 1));
  ASSERT_TRUE(FakeSidecar::WaitFor([&] { return !h.sidecar().StoredLog(key).empty(); }, kTimeout));
  // Replies lost after the chunks were stored: the worker re-sends them with the same times.
  h.sidecar().FailPushLogsAfterStore(2);
  absl::SleepFor(absl::Milliseconds(600));  // let the task write on while replies are lost
  // The sidecar dies for longer than the job still runs; the end of the job happens meanwhile.
  h.sidecar().Stop();
  ASSERT_TRUE(FakeSidecar::WaitFor(
      [&] { return absl::StrContains(WorkerHarness::ReadFile(h.LogFile(key)), "line 59 "); },
      kTimeout));
  absl::SleepFor(absl::Milliseconds(500));  // the worker notices the exit while disconnected
  h.sidecar().Start();
  ASSERT_TRUE(h.WaitForJobState(key, "success", kTimeout)) << worker->Stderr();
  const std::string file = WorkerHarness::ReadFile(h.LogFile(key));
  ASSERT_TRUE(FakeSidecar::WaitFor([&] { return h.sidecar().StoredLog(key) == file; }, kTimeout))
      << "stored " << h.sidecar().StoredLog(key).size() << " bytes, file " << file.size();
  EXPECT_EQ(h.JobStates(key), (std::vector<std::string>{"running", "success"}));
  EXPECT_GT(h.sidecar().duplicate_log_chunks(), 0) << "the lost replies caused no re-send";
  // The stream comes back (on its own backoff, independent of the calls that already went
  // through), and a reconnect is not a new registration.
  EXPECT_TRUE(FakeSidecar::WaitFor([&] { return h.sidecar().connects().size() >= 2; }, kTimeout));
  EXPECT_EQ(h.sidecar().registers().size(), 1u);
  worker->Signal(SIGINT);
  EXPECT_EQ(worker->Wait(kTimeout), std::optional<int>(0));
}

TEST(WorkerLogsTest, StreamDropMidJobReconnectsAndKeepsReports) {
  WorkerHarness h;
  auto worker = h.StartWorker();
  ASSERT_TRUE(h.WaitUntilConnected()) << worker->Stderr();
  const v1::JobKey key = WorkerHarness::Key("dropped");
  ASSERT_TRUE(h.sidecar().PushJob(
      key, WorkerHarness::TaskWorkload(key, {{"lines", 20}, {"line_interval", 0.05}}), 1));
  ASSERT_TRUE(h.WaitForJobState(key, "running", kTimeout));
  h.sidecar().DropStream();
  ASSERT_TRUE(h.WaitForJobState(key, "success", kTimeout)) << worker->Stderr();
  ASSERT_TRUE(FakeSidecar::WaitFor([&] { return h.sidecar().connects().size() >= 2; }, kTimeout));
  // The reconnect tells the sidecar what still runs (or nothing, if the job already ended).
  const std::string file = WorkerHarness::ReadFile(h.LogFile(key));
  ASSERT_TRUE(FakeSidecar::WaitFor([&] { return h.sidecar().StoredLog(key) == file; }, kTimeout));
}

TEST(WorkerLogsTest, PushLogsFalseSendsOnlyTheFailureText) {
  WorkerHarness h;
  auto worker = h.StartWorker({}, {{"AIRFLOW__EDGE__PUSH_LOGS", "False"}});
  ASSERT_TRUE(h.WaitUntilConnected()) << worker->Stderr();
  const v1::JobKey ok = WorkerHarness::Key("quiet_ok"), bad = WorkerHarness::Key("quiet_bad");
  ASSERT_TRUE(h.sidecar().PushJob(ok, WorkerHarness::TaskWorkload(ok, {{"lines", 3}}), 1));
  ASSERT_TRUE(h.sidecar().PushJob(
      bad, WorkerHarness::TaskWorkload(bad, {{"lines", 3}, {"exit_code", 1}, {"stderr", "x"}}), 1));
  ASSERT_TRUE(h.WaitForJobState(ok, "success", kTimeout)) << worker->Stderr();
  ASSERT_TRUE(h.WaitForJobState(bad, "failed", kTimeout));
  EXPECT_FALSE(WorkerHarness::ReadFile(h.LogFile(ok)).empty());  // kept locally
  EXPECT_EQ(h.sidecar().StoredLog(ok), "");
  EXPECT_EQ(h.sidecar().StoredLog(bad), "Error executing job:\nx");
}

TEST(WorkerLogsTest, TaskThatWritesNothingStillCompletes) {
  WorkerHarness h;
  auto worker = h.StartWorker();
  ASSERT_TRUE(h.WaitUntilConnected()) << worker->Stderr();
  const v1::JobKey key = WorkerHarness::Key("silent");
  ASSERT_TRUE(h.sidecar().PushJob(key, WorkerHarness::TaskWorkload(key, {{"write_log", false}}), 1));
  ASSERT_TRUE(h.WaitForJobState(key, "success", kTimeout)) << worker->Stderr();
  EXPECT_EQ(h.sidecar().StoredLog(key), "");
}

}  // namespace
}  // namespace edgectl::testing
