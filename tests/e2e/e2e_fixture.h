// File: tests/e2e/e2e_fixture.h
//
// GoogleTest fixture for end-to-end tests: a fresh edge3 database, a work directory and a running
// EdgeStack (Airflow API double + sidecar) per test, plus helpers to run `edgectl` commands, read
// rows and compare a task's log file with what reached edge_logs.
#ifndef EDGECTL_TESTS_E2E_E2E_FIXTURE_H_
#define EDGECTL_TESTS_E2E_E2E_FIXTURE_H_

#include <map>
#include <memory>
#include <string>
#include <vector>

#include "gtest/gtest.h"
#include "tests/e2e/edge_stack.h"
#include "tests/e2e/job_enqueuer.h"
#include "tests/fixtures/edge_database.h"

namespace edgectl::e2e {

using CommandResult = CommandOutput;

class EndToEndTest : public ::testing::Test {
 protected:
  void SetUp() override;
  void TearDown() override;

  // Heartbeat interval the sidecar hands out; short so state changes show up quickly.
  virtual int HeartbeatIntervalSec() const { return 2; }
  // How the workers authenticate to the sidecar.
  virtual WorkerAuth Auth() const { return WorkerAuth::kCertificate; }
  // Extra environment of the sidecar (shorter timeouts for failure tests).
  virtual std::map<std::string, std::string> ControlPlaneEnv() const { return {}; }
  // The edge3 schema revision of the test's database (default: the head, with priority_weight).
  virtual testing::EdgeDatabaseOptions DatabaseOptions() const { return {}; }
  // Last changes to the stack's options (the Airflow double's edge3 version, say).
  virtual void AdjustStack(EdgeStackOptions& options) const {}
  // Extra flags of the Airflow API double.
  virtual std::vector<std::string> DoubleArgs() const { return {}; }

  // Runs `edgectl <args>` as `worker`'s local user (its AIRFLOW_HOME) and with the database
  // configured, and waits for it to exit.
  CommandResult Edgectl(const std::vector<std::string>& args, const std::string& worker = "");

  std::string Query(const std::string& sql) const { return QueryValue(dsn_, sql); }
  std::string WorkerState(const std::string& worker) const;
  std::string JobState(const std::string& task_id) const;
  // Awaits a condition on the database for up to `seconds`.
  bool AwaitQuery(const std::string& sql, const std::string& expected, int seconds = 30) const;
  bool AwaitWorkerState(const std::string& worker, const std::string& state, int seconds = 30) const;
  bool AwaitJobState(const std::string& task_id, const std::string& state, int seconds = 30) const;

  QueuedJob Enqueue(TaskSpec spec);
  // The log file the task wrote and the concatenation of its edge_logs rows in time order.
  std::string LogFile(const QueuedJob& job) const;
  std::string StoredLog(const std::string& task_id) const;

  std::string dsn_;
  std::string work_dir_;
  std::unique_ptr<EdgeStack> stack_;
};

// True when no process with this pid exists any more (zombies count as gone).
bool ProcessGone(int pid);

}  // namespace edgectl::e2e

#endif  // EDGECTL_TESTS_E2E_E2E_FIXTURE_H_
