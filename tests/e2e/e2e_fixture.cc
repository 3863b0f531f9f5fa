#include "tests/e2e/e2e_fixture.h"

#include <signal.h>
#include <stdlib.h>

#include <fstream>
#include <iostream>
#include <sstream>

#include "absl/strings/str_cat.h"
#include "tests/fixtures/postgres_server.h"

namespace edgectl::e2e {

namespace {
std::string Quote(const std::string& s) {
  std::string out = "'";
  for (char c : s) out += (c == '\'') ? std::string("''") : std::string(1, c);
  return out + "'";
}
}  // namespace

bool ProcessGone(int pid) {
  std::ifstream stat("/proc/" + std::to_string(pid) + "/stat");
  if (!stat) return true;
  std::string content((std::istreambuf_iterator<char>(stat)), std::istreambuf_iterator<char>());
  size_t close = content.rfind(')');
  return close != std::string::npos && close + 2 < content.size() && content[close + 2] == 'Z';
}

void EndToEndTest::SetUp() {
  dsn_ = testing::CreateEdgeDatabase("e2e", DatabaseOptions());
  ASSERT_FALSE(dsn_.empty());
  char templ[] = "/tmp/edgectl-e2e-XXXXXX";
  ASSERT_NE(mkdtemp(templ), nullptr);
  work_dir_ = templ;
  EdgeStackOptions options;
  options.dsn = dsn_;
  options.work_dir = work_dir_;
  options.heartbeat_interval_sec = HeartbeatIntervalSec();
  options.worker_auth = Auth();
  options.controlplane_env = ControlPlaneEnv();
  options.double_args = DoubleArgs();
  AdjustStack(options);
  auto stack = EdgeStack::Start(options);
  ASSERT_TRUE(stack.ok()) << stack.status();
  stack_ = std::move(*stack);
}

void EndToEndTest::TearDown() {
  if (HasFailure() && stack_ != nullptr) {
    std::cerr << "---- sidecar output ----\n"
              << (stack_->controlplane() ? stack_->controlplane()->Stdout() +
                                               stack_->controlplane()->Stderr()
                                         : "(not running)")
              << "\n---- work dir: " << work_dir_ << "\n";
  }
  stack_.reset();
  if (!HasFailure()) std::system(("rm -rf " + work_dir_).c_str());
}

CommandResult EndToEndTest::Edgectl(const std::vector<std::string>& args,
                                    const std::string& worker) {
  std::vector<std::string> argv = {stack_->options().edgectl_binary};
  argv.insert(argv.end(), args.begin(), args.end());
  std::map<std::string, std::string> env =
      stack_->WorkerEnv(worker.empty() ? "admin" : worker);
  env["AIRFLOW__DATABASE__SQL_ALCHEMY_CONN"] = dsn_;
  absl::StatusOr<CommandResult> result =
      ChildProcess::RunToCompletion(argv, env, work_dir_, absl::Seconds(90));
  if (!result.ok()) return CommandResult{-1, "", result.status().ToString()};
  return *result;
}

std::string EndToEndTest::WorkerState(const std::string& worker) const {
  return Query("SELECT state FROM edge_worker WHERE worker_name = " + Quote(worker));
}

std::string EndToEndTest::JobState(const std::string& task_id) const {
  return Query("SELECT state FROM edge_job WHERE task_id = " + Quote(task_id));
}

bool EndToEndTest::AwaitQuery(const std::string& sql, const std::string& expected,
                              int seconds) const {
  return Eventually([&] { return Query(sql) == expected; }, absl::Seconds(seconds));
}

bool EndToEndTest::AwaitWorkerState(const std::string& worker, const std::string& state,
                                    int seconds) const {
  return AwaitQuery("SELECT state FROM edge_worker WHERE worker_name = " + Quote(worker), state,
                    seconds);
}

bool EndToEndTest::AwaitJobState(const std::string& task_id, const std::string& state,
                                 int seconds) const {
  return AwaitQuery("SELECT state FROM edge_job WHERE task_id = " + Quote(task_id), state,
                    seconds);
}

QueuedJob EndToEndTest::Enqueue(TaskSpec spec) {
  if (spec.dag_id == "example_dag") spec.dag_id = "e2e_dag";
  auto job = EnqueueTask(dsn_, spec);
  EXPECT_TRUE(job.ok()) << job.status();
  return job.ok() ? *job : QueuedJob{};
}

std::string EndToEndTest::LogFile(const QueuedJob& job) const {
  std::ifstream in(stack_->base_log_folder() + "/" + job.log_path, std::ios::binary);
  std::stringstream buffer;
  buffer << in.rdbuf();
  return buffer.str();
}

std::string EndToEndTest::StoredLog(const std::string& task_id) const {
  return Query(
      "SELECT string_agg(log_chunk_data, '' ORDER BY log_chunk_time) FROM edge_logs "
      "WHERE task_id = " + Quote(task_id));
}

}  // namespace edgectl::e2e
