// End to end, real processes: a worker configured with [edge] extended_system_info_function
// evaluates it in one long-lived Python helper; its values reach edge_worker.sysinfo through the
// sidecar and the Airflow double; with automatic_maintenance_on = Warning and _exit = Info, a
// WARNING status puts the worker into maintenance with edge3's comment and a healthy one takes it
// out again; a failing function is reported in sysinfo while heartbeats go on.
#include <sys/stat.h>

#include <cstdio>
#include <fstream>
#include <string>

#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/e2e/e2e_fixture.h"

namespace edgectl::e2e {
namespace {

using ::testing::HasSubstr;

constexpr char kModule[] = R"PY(
import json, os
with open(os.environ["EDGECTL_E2E_SYSINFO_STARTS"], "a") as f:
    f.write("start\n")
async def sysinfo():
    with open(os.environ["EDGECTL_E2E_SYSINFO_STATE"]) as f:
        return json.load(f)
)PY";

class SysinfoExtensionEndToEndTest : public EndToEndTest {
 protected:
  int HeartbeatIntervalSec() const override { return 1; }

  void SetUp() override {
    EndToEndTest::SetUp();
    if (HasFatalFailure()) return;
    module_dir_ = work_dir_ + "/pymods";
    ASSERT_EQ(mkdir(module_dir_.c_str(), 0700), 0);
    std::ofstream(module_dir_ + "/edgectl_e2e_sysinfo.py") << kModule;
    SetReport(R"({"status": 20, "disk_free_gb": 42.5, "platform": "e2e-site"})");
  }

  // Replaced atomically, so the function never reads half a file.
  void SetReport(const std::string& json) {
    const std::string tmp = work_dir_ + "/sysinfo-state.tmp";
    std::ofstream(tmp) << json;
    ASSERT_EQ(std::rename(tmp.c_str(), StateFile().c_str()), 0);
  }
  std::string StateFile() const { return work_dir_ + "/sysinfo-state.json"; }
  std::string StartsFile() const { return work_dir_ + "/sysinfo-starts"; }
  int InterpreterStarts() const {
    std::ifstream in(StartsFile());
    int lines = 0;
    for (std::string line; std::getline(in, line);) ++lines;
    return lines;
  }
  std::string Sysinfo(const std::string& worker, const std::string& key) const {
    return Query("SELECT sysinfo::json->>'" + key + "' FROM edge_worker WHERE worker_name = '" +
                 worker + "'");
  }
  std::map<std::string, std::string> Env() const {
    return {{"PYTHONPATH", stack_->options().standin_dir + ":" + module_dir_},
            {"AIRFLOW__EDGE__EXTENDED_SYSTEM_INFO_FUNCTION", "edgectl_e2e_sysinfo.sysinfo"},
            {"AIRFLOW__EDGE__AUTOMATIC_MAINTENANCE_ON", "Warning"},
            {"AIRFLOW__EDGE__AUTOMATIC_MAINTENANCE_EXIT", "Info"},
            {"EDGECTL_E2E_SYSINFO_STATE", StateFile()},
            {"EDGECTL_E2E_SYSINFO_STARTS", StartsFile()}};
  }

  std::string module_dir_;
};

TEST_F(SysinfoExtensionEndToEndTest, ValuesReachTheDatabaseAndAWarningMeansMaintenanceAndBack) {
  const std::string name = "edge-sysinfo-1";
  auto worker = stack_->StartWorker(name, {}, Env());
  ASSERT_TRUE(worker.ok()) << worker.status();

  ASSERT_TRUE(AwaitQuery("SELECT sysinfo::json->>'platform' FROM edge_worker WHERE worker_name = '" +
                             name + "'",
                         "e2e-site"))
      << (*worker)->Stdout() << (*worker)->Stderr();
  EXPECT_EQ(Sysinfo(name, "disk_free_gb"), "42.5");
  EXPECT_EQ(Sysinfo(name, "status"), "20");
  EXPECT_EQ(WorkerState(name), "idle");

  SetReport(R"({"status": 30, "status_text": "disk filling up", "disk_free_gb": 3.5})");
  ASSERT_TRUE(AwaitWorkerState(name, "maintenance mode")) << (*worker)->Stdout();
  EXPECT_THAT(Query("SELECT maintenance_comment FROM edge_worker WHERE worker_name = '" + name + "'"),
              HasSubstr("] - Automatic maintenance mode entered due to status WARNING in sysinfo."));
  EXPECT_TRUE(AwaitQuery("SELECT sysinfo::json->>'status_text' FROM edge_worker WHERE "
                         "worker_name = '" + name + "'",
                         "disk filling up"));
  // No job is handed to a worker in maintenance.
  TaskSpec held;
  held.task_id = "held";
  Enqueue(held);

  SetReport(R"({"status": 20, "disk_free_gb": 40.0})");
  ASSERT_TRUE(AwaitWorkerState(name, "idle")) << (*worker)->Stdout();
  ASSERT_TRUE(AwaitJobState("held", "success"));
  EXPECT_EQ(Query("SELECT edge_worker FROM edge_job WHERE task_id = 'held'"), name);

  // A function that fails is reported in sysinfo; the worker keeps heartbeating.
  SetReport("not json");
  ASSERT_TRUE(AwaitQuery("SELECT sysinfo::json->>'edgectl_sysinfo_extension_error' LIKE "
                         "'JSONDecodeError%' FROM edge_worker WHERE worker_name = '" + name + "'",
                         "t"));
  const std::string before =
      Query("SELECT last_update FROM edge_worker WHERE worker_name = '" + name + "'");
  EXPECT_TRUE(AwaitQuery("SELECT last_update > '" + before +
                             "' FROM edge_worker WHERE worker_name = '" + name + "'",
                         "t"));
  EXPECT_EQ(WorkerState(name), "idle");

  // Many heartbeats, one interpreter.
  EXPECT_EQ(InterpreterStarts(), 1);
}

}  // namespace
}  // namespace edgectl::e2e
