// [edge] extended_system_info_function through PythonSysinfoHelper with a real python3 and a
// module the test writes: one interpreter serves many calls, coroutine functions are awaited,
// values keep their types, failures are reported without losing the helper, a hanging function
// is killed after its timeout and its helper restarted after the backoff. Plus edge3's automatic
// maintenance rules.
#include <fstream>
#include <sstream>
#include <string>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "worker/sysinfo_extension/automatic_maintenance.h"
#include "worker/sysinfo_extension/python_sysinfo_helper.h"
#include "worker/sysinfo_extension/sysinfo_extension_runner.h"

namespace edgectl::worker {
namespace {

using ::testing::HasSubstr;

constexpr char kModule[] = R"PY(
import asyncio, datetime, os, time
with open(os.environ["SYSINFO_STARTS"], "a") as f:
    f.write("start\n")
calls = 0
async def extended():
    global calls
    calls += 1
    await asyncio.sleep(0)
    print("noise on stdout must not break the protocol")
    return {"status": 30, "calls": calls, "disk_free_gb": 12.5, "platform": "test",
            "checked_at": datetime.datetime(2026, 1, 2, 3, 4, 5), "healthy": True}
def failing():
    raise RuntimeError("disk probe broke")
def not_a_dict():
    return [1, 2]
def hanging():
    if os.path.exists(os.environ["SYSINFO_HANG"]):
        time.sleep(60)
    return {"status": 20}
)PY";

class SysinfoHelperTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char templ[] = "/tmp/edgectl-sysinfo-XXXXXX";
    ASSERT_NE(mkdtemp(templ), nullptr);
    dir_ = templ;
    std::ofstream(dir_ + "/edgectl_sysinfo_mod.py") << kModule;
  }
  void TearDown() override { std::system(("rm -rf " + dir_).c_str()); }

  PythonSysinfoHelperOptions Options(const std::string& function) const {
    PythonSysinfoHelperOptions o;
    o.interpreter = "python3";
    o.function_path = "edgectl_sysinfo_mod." + function;
    o.env = {"PYTHONPATH=" + dir_, "SYSINFO_STARTS=" + dir_ + "/starts",
             "SYSINFO_HANG=" + dir_ + "/hang", absl::StrCat("PATH=", getenv("PATH"))};
    o.restart_min = absl::Milliseconds(200);
    o.restart_max = absl::Milliseconds(400);
    return o;
  }
  int InterpreterStarts() const {
    std::ifstream in(dir_ + "/starts");
    int lines = 0;
    for (std::string line; std::getline(in, line);) ++lines;
    return lines;
  }

  std::string dir_;
};

TEST_F(SysinfoHelperTest, OneInterpreterAnswersManyCallsWithTypedValues) {
  PythonSysinfoHelper helper(Options("extended"));
  absl::StatusOr<SysinfoValues> values;
  for (int i = 0; i < 25; ++i) {
    values = helper.Call(absl::Seconds(30));
    ASSERT_TRUE(values.ok()) << values.status();
  }
  EXPECT_EQ((*values)["calls"].int_value(), 25);  // the same module instance every time
  EXPECT_EQ((*values)["status"].int_value(), 30);
  EXPECT_DOUBLE_EQ((*values)["disk_free_gb"].double_value(), 12.5);
  EXPECT_EQ((*values)["platform"].string_value(), "test");
  EXPECT_EQ((*values)["checked_at"].string_value(), "2026-01-02T03:04:05");
  EXPECT_EQ((*values)["healthy"].int_value(), 1);
  EXPECT_EQ(helper.starts(), 1);
  EXPECT_EQ(InterpreterStarts(), 1);
}

TEST_F(SysinfoHelperTest, AFailingFunctionIsReportedAndTheHelperStays) {
  PythonSysinfoHelper helper(Options("failing"));
  for (int i = 0; i < 3; ++i) {
    absl::StatusOr<SysinfoValues> values = helper.Call(absl::Seconds(30));
    ASSERT_FALSE(values.ok());
    EXPECT_EQ(values.status().code(), absl::StatusCode::kInvalidArgument);
    EXPECT_THAT(std::string(values.status().message()), HasSubstr("RuntimeError: disk probe broke"));
  }
  EXPECT_EQ(helper.starts(), 1);
  PythonSysinfoHelper wrong(Options("not_a_dict"));
  EXPECT_THAT(std::string(wrong.Call(absl::Seconds(30)).status().message()),
              HasSubstr("returned list, not a dict"));
  PythonSysinfoHelper missing(Options("no_such_function"));
  EXPECT_THAT(std::string(missing.Call(absl::Seconds(30)).status().message()),
              HasSubstr("cannot import edgectl_sysinfo_mod.no_such_function"));
}

TEST_F(SysinfoHelperTest, AHangingFunctionIsKilledAndItsHelperRestartedAfterTheBackoff) {
  PythonSysinfoHelper helper(Options("hanging"));
  ASSERT_TRUE(helper.Call(absl::Seconds(30)).ok());
  std::ofstream(dir_ + "/hang") << "x";
  absl::StatusOr<SysinfoValues> hung = helper.Call(absl::Milliseconds(300));
  ASSERT_EQ(hung.status().code(), absl::StatusCode::kDeadlineExceeded) << hung.status();
  EXPECT_THAT(std::string(hung.status().message()), HasSubstr("edgectl_sysinfo_mod.hanging"));
  std::remove((dir_ + "/hang").c_str());
  // Right after the kill the helper waits out its backoff instead of starting at once.
  absl::StatusOr<SysinfoValues> waiting = helper.Call(absl::Seconds(30));
  EXPECT_EQ(waiting.status().code(), absl::StatusCode::kUnavailable);
  EXPECT_THAT(std::string(waiting.status().message()), HasSubstr("restarting it in"));
  absl::StatusOr<SysinfoValues> again;
  const absl::Time give_up = absl::Now() + absl::Seconds(30);
  do {
    absl::SleepFor(absl::Milliseconds(50));
    again = helper.Call(absl::Seconds(30));
  } while (!again.ok() && absl::Now() < give_up);
  ASSERT_TRUE(again.ok()) << again.status();
  EXPECT_EQ(helper.starts(), 2);
  EXPECT_EQ(InterpreterStarts(), 2);
}

TEST_F(SysinfoHelperTest, TheRunnerEvaluatesOffTheCallersThread) {
  SysinfoExtensionRunner runner(std::make_unique<PythonSysinfoHelper>(Options("extended")),
                                absl::Seconds(30));
  EXPECT_FALSE(runner.TakeResult().has_value());
  runner.Request();
  std::optional<SysinfoExtensionResult> result;
  const absl::Time give_up = absl::Now() + absl::Seconds(30);
  while (!(result = runner.TakeResult()).has_value() && absl::Now() < give_up) {
    absl::SleepFor(absl::Milliseconds(20));
  }
  ASSERT_TRUE(result.has_value());
  EXPECT_TRUE(result->error.ok()) << result->error;
  EXPECT_EQ(result->values["status"].int_value(), 30);
  EXPECT_FALSE(runner.TakeResult().has_value());  // handed over once
}

// ---------------------------------------------------------------------------------------------

const absl::Time kNoon = absl::FromCivil(absl::CivilMinute(2026, 12, 4, 12, 7), absl::UTCTimeZone());

TEST(AutomaticMaintenanceTest, EntersAtTheConfiguredLevelWithEdge3sComment) {
  AutomaticMaintenanceOptions warning{"warning", "info"};
  AutomaticMaintenanceChange c =
      DecideAutomaticMaintenance(warning, false, std::nullopt, 30, kNoon, absl::UTCTimeZone());
  EXPECT_TRUE(c.enter);
  EXPECT_EQ(c.comment,
            "[2026-12-04 12:07] - Automatic maintenance mode entered due to status WARNING in "
            "sysinfo.");
  EXPECT_FALSE(DecideAutomaticMaintenance(warning, false, std::nullopt, 20, kNoon,
                                          absl::UTCTimeZone()).enter);
  AutomaticMaintenanceOptions error{"error", "warning"};
  EXPECT_FALSE(DecideAutomaticMaintenance(error, false, std::nullopt, 30, kNoon,
                                          absl::UTCTimeZone()).enter);
  EXPECT_THAT(DecideAutomaticMaintenance(error, false, std::nullopt, 50, kNoon,
                                         absl::UTCTimeZone()).comment,
              HasSubstr("due to status CRITICAL in sysinfo."));
  AutomaticMaintenanceOptions off;
  EXPECT_FALSE(DecideAutomaticMaintenance(off, false, std::nullopt, 50, kNoon,
                                          absl::UTCTimeZone()).enter);
}

TEST(AutomaticMaintenanceTest, ExitsOnlyMaintenanceItEnteredItself) {
  AutomaticMaintenanceOptions o{"warning", "info"};
  const std::string automatic =
      "[2026-12-04 12:07] - Automatic maintenance mode entered due to status WARNING in sysinfo.";
  EXPECT_TRUE(DecideAutomaticMaintenance(o, true, automatic, 20, kNoon, absl::UTCTimeZone()).exit);
  EXPECT_FALSE(DecideAutomaticMaintenance(o, true, automatic, 30, kNoon, absl::UTCTimeZone()).exit);
  EXPECT_FALSE(DecideAutomaticMaintenance(o, true, std::string("disk swap by ops"), 20, kNoon,
                                          absl::UTCTimeZone()).exit);
  EXPECT_FALSE(DecideAutomaticMaintenance(o, true, std::nullopt, 20, kNoon,
                                          absl::UTCTimeZone()).exit);
  AutomaticMaintenanceOptions warning_exit{"error", "warning"};
  EXPECT_TRUE(DecideAutomaticMaintenance(warning_exit, true, automatic, 30, kNoon,
                                         absl::UTCTimeZone()).exit);
  AutomaticMaintenanceOptions no_exit{"warning", "off"};
  EXPECT_FALSE(DecideAutomaticMaintenance(no_exit, true, automatic, 0, kNoon,
                                          absl::UTCTimeZone()).exit);
}

TEST(AutomaticMaintenanceTest, UnknownLevelsAreRefusedByName) {
  AutomaticMaintenanceOptions o{"sometimes", "off"};
  EXPECT_THAT(std::string(o.Validate().message()), HasSubstr("[edge] automatic_maintenance_on"));
  o = {"off", "error"};
  EXPECT_THAT(std::string(o.Validate().message()), HasSubstr("automatic_maintenance_exit"));
  EXPECT_EQ(LogLevelName(35), "Level 35");
}

}  // namespace
}  // namespace edgectl::worker
