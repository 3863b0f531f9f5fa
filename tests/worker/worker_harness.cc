#include "tests/worker/worker_harness.h"

#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <fstream>
#include <sstream>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"

extern char** environ;

namespace edgectl::testing {
namespace {

std::string RunfilesDir() {
  char cwd[4096];
  return getcwd(cwd, sizeof(cwd)) != nullptr ? cwd : ".";
}

}  // namespace

ChildProcess::ChildProcess(const std::vector<std::string>& argv,
                           const std::map<std::string, std::string>& env,
                           const std::string& output_prefix)
    : stdout_path_(output_prefix + ".stdout"), stderr_path_(output_prefix + ".stderr") {
  std::map<std::string, std::string> merged;
  for (char** e = environ; *e != nullptr; ++e) {
    std::string entry = *e;
    const size_t eq = entry.find('=');
    if (eq != std::string::npos) merged[entry.substr(0, eq)] = entry.substr(eq + 1);
  }
  for (const auto& [k, v] : env) merged[k] = v;
  std::vector<std::string> env_strings;
  for (const auto& [k, v] : merged) env_strings.push_back(k + "=" + v);
  std::vector<char*> envp;
  for (auto& s : env_strings) envp.push_back(s.data());
  envp.push_back(nullptr);
  std::vector<std::string> args = argv;
  std::vector<char*> argvp;
  for (auto& s : args) argvp.push_back(s.data());
  argvp.push_back(nullptr);
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, STDOUT_FILENO, stdout_path_.c_str(),
                                   O_WRONLY | O_CREAT | O_TRUNC, 0644);
  posix_spawn_file_actions_addopen(&actions, STDERR_FILENO, stderr_path_.c_str(),
                                   O_WRONLY | O_CREAT | O_TRUNC, 0644);
  posix_spawn_file_actions_addopen(&actions, STDIN_FILENO, "/dev/null", O_RDONLY, 0);
  if (posix_spawn(&pid_, args[0].c_str(), &actions, nullptr, argvp.data(), envp.data()) != 0) {
    pid_ = -1;
  }
  posix_spawn_file_actions_destroy(&actions);
}

ChildProcess::~ChildProcess() {
  if (pid_ > 0 && !exit_code_.has_value()) {
    kill(pid_, SIGKILL);
    Wait(absl::Seconds(10));
  }
}

void ChildProcess::Signal(int signal) {
  if (pid_ > 0 && !exit_code_.has_value()) kill(pid_, signal);
}

std::optional<int> ChildProcess::Wait(absl::Duration timeout) {
  if (exit_code_.has_value() || pid_ <= 0) return exit_code_;
  const absl::Time deadline = absl::Now() + timeout;
  while (true) {
    int status = 0;
    const pid_t r = waitpid(pid_, &status, WNOHANG);
    if (r == pid_) {
      exit_code_ = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
      return exit_code_;
    }
    if (absl::Now() >= deadline) return std::nullopt;
    absl::SleepFor(absl::Milliseconds(20));
  }
}

std::string ChildProcess::Stdout() const { return WorkerHarness::ReadFile(stdout_path_); }
std::string ChildProcess::Stderr() const { return WorkerHarness::ReadFile(stderr_path_); }

WorkerHarness::WorkerHarness() {
  const char* tmp = getenv("TEST_TMPDIR");
  std::string pattern = absl::StrCat(tmp != nullptr ? tmp : "/tmp", "/worker-XXXXXX");
  root_ = mkdtemp(pattern.data());
  home_ = root_ + "/airflow_home";
  log_folder_ = root_ + "/logs";
  mkdir(home_.c_str(), 0755);
  mkdir(log_folder_.c_str(), 0755);
  sidecar_.Start();
}

WorkerHarness::~WorkerHarness() { sidecar_.Stop(); }

std::string WorkerHarness::WorkerBinary() { return RunfilesDir() + "/worker/edgectl_worker"; }

std::map<std::string, std::string> WorkerHarness::Env() const {
  return {
      {"AIRFLOW_HOME", home_},
      {"AIRFLOW_CONFIG", home_ + "/airflow.cfg"},
      {"PYTHONPATH", RunfilesDir() + "/tests/task_sdk_standin"},
      {"AIRFLOW__EDGE__API_URL", "http://127.0.0.1:1/edge_worker/v1/rpcapi"},
      {"AIRFLOW__LOGGING__BASE_LOG_FOLDER", log_folder_},
      {"AIRFLOW__EDGE__CONTROLPLANE_ADDRESS", sidecar_.address()},
      {"TMPDIR", root_},
  };
}

std::unique_ptr<ChildProcess> WorkerHarness::StartWorker(
    const std::vector<std::string>& extra_args, const std::map<std::string, std::string>& env) {
  std::vector<std::string> argv = {WorkerBinary(), "worker"};
  if (std::find(extra_args.begin(), extra_args.end(), "-H") == extra_args.end()) {
    argv.insert(argv.end(), {"-H", "edge-test-worker"});
  }
  argv.insert(argv.end(), extra_args.begin(), extra_args.end());
  std::map<std::string, std::string> merged = Env();
  for (const auto& [k, v] : env) merged[k] = v;
  return std::make_unique<ChildProcess>(argv, merged,
                                        absl::StrCat(root_, "/worker", ++command_count_));
}

WorkerHarness::CommandResult WorkerHarness::RunCommand(const std::vector<std::string>& args,
                                                       absl::Duration timeout) {
  std::vector<std::string> argv = {WorkerBinary()};
  argv.insert(argv.end(), args.begin(), args.end());
  ChildProcess child(argv, Env(), absl::StrCat(root_, "/command", ++command_count_));
  CommandResult result;
  std::optional<int> code = child.Wait(timeout);
  result.exit_code = code.value_or(-1);
  result.out = child.Stdout();
  result.err = child.Stderr();
  return result;
}

bool WorkerHarness::WaitUntilConnected(absl::Duration timeout) {
  return FakeSidecar::WaitFor([&] { return sidecar_.stream_open(); }, timeout);
}

v1::JobKey WorkerHarness::Key(const std::string& task_id, const std::string& run_id) {
  v1::JobKey key;
  key.set_dag_id("demo_dag");
  key.set_task_id(task_id);
  key.set_run_id(run_id);
  key.set_try_number(1);
  key.set_map_index(-1);
  return key;
}

std::string WorkerHarness::LogPath(const v1::JobKey& key) {
  return absl::StrCat("dag_id=", key.dag_id(), "/run_id=", key.run_id(), "/task_id=", key.task_id(),
                      "/attempt=", key.try_number(), ".log");
}

std::string WorkerHarness::TaskWorkload(const v1::JobKey& key, const nlohmann::json& knobs) {
  nlohmann::json workload = {
      {"token", "test-token"},
      {"dag_rel_path", "demo_dag.py"},
      {"bundle_info", {{"name", "dags-folder"}, {"version", nullptr}}},
      {"log_path", LogPath(key)},
      {"ti",
       {{"id", "0199c2a0-0000-7000-8000-000000000001"},
        {"dag_version_id", "0199c2a0-0000-7000-8000-000000000002"},
        {"task_id", key.task_id()},
        {"dag_id", key.dag_id()},
        {"run_id", key.run_id()},
        {"try_number", key.try_number()},
        {"map_index", key.map_index()},
        {"pool_slots", 1},
        {"queue", "default"},
        {"priority_weight", 1}}},
      {"sentry_integration", ""},
      {"type", "ExecuteTask"},
      {"standin", knobs},
  };
  return workload.dump();
}

std::string WorkerHarness::CallbackWorkload(const std::string& id, const nlohmann::json& knobs) {
  nlohmann::json workload = {
      {"token", "test-token"},
      {"dag_rel_path", "demo_dag.py"},
      {"bundle_info", {{"name", "dags-folder"}, {"version", nullptr}}},
      {"log_path", "executor_callbacks/" + id},
      {"callback", {{"id", id}, {"fetch_type", "dag_run"}, {"data", nlohmann::json::object()}}},
      {"type", "ExecuteCallback"},
      {"standin", knobs},
  };
  return workload.dump();
}

std::string WorkerHarness::LogFile(const v1::JobKey& key) const {
  return log_folder_ + "/" + LogPath(key);
}

std::vector<std::string> WorkerHarness::JobStates(const v1::JobKey& key) {
  std::vector<std::string> out;
  for (const v1::JobStateReport& r : sidecar_.transitions()) {
    if (JobId(r.key()) == JobId(key)) out.push_back(r.state());
  }
  return out;
}

bool WorkerHarness::WaitForJobState(const v1::JobKey& key, const std::string& state,
                                    absl::Duration timeout) {
  return FakeSidecar::WaitFor(
      [&] {
        for (const std::string& s : JobStates(key)) {
          if (s == state) return true;
        }
        return false;
      },
      timeout);
}

std::string WorkerHarness::ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream buffer;
  buffer << in.rdbuf();
  return buffer.str();
}

bool WorkerHarness::ProcessAlive(pid_t pid) {
  if (kill(pid, 0) != 0) return false;
  // A zombie still answers kill(0); it is not running.
  std::string stat = ReadFile(absl::StrCat("/proc/", pid, "/stat"));
  const size_t close_paren = stat.rfind(')');
  return close_paren == std::string::npos || close_paren + 2 >= stat.size() ||
         stat[close_paren + 2] != 'Z';
}

}  // namespace edgectl::testing
