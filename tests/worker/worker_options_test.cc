// WorkerOptions from configuration and flags, the launch command line and environment, and the
// local files' formats.
#include "worker/worker_options.h"

#include <unistd.h>

#include <algorithm>

#include "gtest/gtest.h"
#include "worker/local_files.h"
#include "worker/task_launch.h"

namespace edgectl::worker {
namespace {

AirflowConfig Config(const std::string& ini) {
  absl::StatusOr<AirflowConfig> config = AirflowConfig::FromText(ini, {});
  EXPECT_TRUE(config.ok()) << config.status();
  return *config;
}

const char kBase[] = "[edge]\napi_url = https://host/sub/edge_worker/v1/rpcapi\n";

TEST(WorkerOptionsTest, DefaultsComeFromConfiguration) {
  WorkerFlags flags;
  flags.edge_hostname = "w1";
  absl::StatusOr<WorkerOptions> options = BuildWorkerOptions(
      Config(std::string(kBase) + "worker_concurrency = 5\npush_logs = False\n"), flags);
  ASSERT_TRUE(options.ok()) << options.status();
  EXPECT_EQ(options->concurrency, 5);
  EXPECT_FALSE(options->queues.has_value());
  EXPECT_FALSE(options->push_logs);
  EXPECT_EQ(options->push_log_chunk_size, 524288);
  EXPECT_EQ(options->execution_api_server_url, "https://host/sub/execution");
  EXPECT_EQ(options->controlplane_address, "127.0.0.1:50051");
  EXPECT_EQ(options->python_interpreter, "python3");
  EXPECT_EQ(options->umask, 077);
}

TEST(WorkerOptionsTest, FlagsWinOverConfiguration) {
  WorkerFlags flags;
  flags.edge_hostname = "w1";
  flags.concurrency = 2;
  flags.queues = "a, b";
  flags.controlplane_address = "sidecar:1234";
  flags.python = "/opt/py/bin/python";
  flags.umask = "0o022";
  absl::StatusOr<WorkerOptions> options = BuildWorkerOptions(
      Config(std::string(kBase) + "worker_concurrency = 5\ncontrolplane_address = x:1\n"
                                  "[core]\nexecution_api_server_url = http://exec/\n"),
      flags);
  ASSERT_TRUE(options.ok()) << options.status();
  EXPECT_EQ(options->concurrency, 2);
  EXPECT_EQ(options->queues, (std::vector<std::string>{"a", "b"}));
  EXPECT_EQ(options->controlplane_address, "sidecar:1234");
  EXPECT_EQ(options->python_interpreter, "/opt/py/bin/python");
  EXPECT_EQ(options->execution_api_server_url, "http://exec/");
  EXPECT_EQ(options->umask, 022);
}

TEST(WorkerOptionsTest, RefusesBadValuesWithClearMessages) {
  struct Case {
    WorkerFlags flags;
    std::string ini;
    std::string message;
  };
  WorkerFlags long_name;
  long_name.edge_hostname = std::string(65, 'n');
  WorkerFlags long_queue;
  long_queue.edge_hostname = "w";
  long_queue.queues = std::string(257, 'q');
  WorkerFlags zero;
  zero.edge_hostname = "w";
  zero.concurrency = 0;
  WorkerFlags ok;
  ok.edge_hostname = "w";
  const Case cases[] = {
      {long_name, kBase, "at most 64"},
      {long_queue, kBase, "at most 256"},
      {zero, kBase, "positive"},
      {ok, "", "API URL is not configured"},
      {ok, std::string(kBase) + "push_log_chunk_size = 0\n", "push_log_chunk_size"},
      {ok, std::string(kBase) + "heartbeat_interval = soon\n", "heartbeat_interval"},
      {ok, std::string(kBase) + "automatic_maintenance_on = Sometimes\n",
       "[edge] automatic_maintenance_on must be Off, Warning or Error"},
      {ok, std::string(kBase) + "automatic_maintenance_exit = Error\n",
       "automatic_maintenance_exit"},
      {ok, std::string(kBase) + "extended_system_info_function = sysinfo\n",
       "'module.function'"},
      {ok, std::string(kBase) + "job_poll_interval = 0\n", "job_poll_interval"},
  };
  for (const Case& c : cases) {
    absl::StatusOr<WorkerOptions> options = BuildWorkerOptions(Config(c.ini), c.flags);
    ASSERT_FALSE(options.ok()) << c.message;
    EXPECT_EQ(options.status().code(), absl::StatusCode::kInvalidArgument) << c.message;
    EXPECT_NE(options.status().message().find(c.message), std::string::npos)
        << options.status().message();
  }
  WorkerFlags exactly;
  exactly.edge_hostname = std::string(64, 'n');
  exactly.queues = std::string(256, 'q');
  EXPECT_TRUE(BuildWorkerOptions(Config(kBase), exactly).ok());
}

TEST(WorkerOptionsTest, SysinfoExtensionAndJobPollInterval) {
  WorkerFlags flags;
  flags.edge_hostname = "w";
  absl::StatusOr<WorkerOptions> options = BuildWorkerOptions(
      Config(std::string(kBase) +
             "extended_system_info_function = site_health.collect\n"
             "automatic_maintenance_on = Warning\nautomatic_maintenance_exit = Info\n"
             "job_poll_interval = 1\nlog_push_interval_ms = 5000\n"),
      flags);
  ASSERT_TRUE(options.ok()) << options.status();
  EXPECT_EQ(options->extended_system_info_function, "site_health.collect");
  EXPECT_EQ(options->automatic_maintenance.on, "warning");
  EXPECT_EQ(options->automatic_maintenance.exit, "info");
  EXPECT_EQ(options->extended_system_info_timeout, absl::Seconds(10));
  // edge3 pushes logs every job_poll_interval; edgectl never waits longer than that.
  EXPECT_EQ(options->log_push_interval, absl::Seconds(1));
  options = BuildWorkerOptions(Config(kBase), flags);
  ASSERT_TRUE(options.ok());
  EXPECT_EQ(options->automatic_maintenance.on, "off");
  EXPECT_EQ(options->log_push_interval, absl::Milliseconds(150));
}

TEST(WorkerOptionsTest, LocalPathsMatchEdge3) {
  LocalPaths paths = ResolveLocalPaths(std::nullopt, "/home/af");
  EXPECT_EQ(paths.pid_file, "/home/af/airflow-edge-worker.pid");
  EXPECT_EQ(paths.status_file, "/home/af/airflow-edge-worker.out");
  EXPECT_EQ(paths.marker_file, "/home/af/airflow-edge-worker.in");
  LocalPaths custom = ResolveLocalPaths(std::string("/run/w.pid"), "/home/af");
  EXPECT_EQ(custom.pid_file, "/run/w.pid");
  EXPECT_EQ(custom.status_file, "/home/af/airflow-edge-worker.out");  // independent of --pid
  char cwd[4096];
  ASSERT_NE(getcwd(cwd, sizeof(cwd)), nullptr);
  EXPECT_EQ(ResolveLocalPaths(std::string("rel.pid"), "/h").pid_file, std::string(cwd) + "/rel.pid");
}

TEST(WorkerOptionsTest, StatusAndMarkerJsonRoundTrip) {
  WorkerStatusFile status;
  status.job_count = 1;
  status.jobs.emplace_back("d", "t", "r", 2, -1);
  status.state = "maintenance pending";
  status.maintenance = true;
  status.maintenance_comments = "c";
  EXPECT_EQ(StatusToJson(status),
            R"({"job_count":1,"jobs":[["d","t","r",2,-1]],"state":"maintenance pending",)"
            R"("maintenance":true,"maintenance_comments":"c","drain":false})");
  absl::StatusOr<WorkerStatusFile> parsed = StatusFromJson(StatusToJson(status));
  ASSERT_TRUE(parsed.ok());
  EXPECT_EQ(parsed->jobs, status.jobs);
  EXPECT_FALSE(StatusFromJson("{\"jobs\": 3}").ok());
  EXPECT_FALSE(StatusFromJson("not json").ok());

  EXPECT_EQ(MarkerToJson({true, "why"}), R"({"maintenance":"on","comments":"why"})");
  EXPECT_EQ(MarkerToJson({false, std::nullopt}), R"({"maintenance":"off","comments":null})");
  absl::StatusOr<MaintenanceMarker> marker =
      MarkerFromJson(R"({"maintenance": "on", "comments": null})");
  ASSERT_TRUE(marker.ok());
  EXPECT_TRUE(marker->on);
  EXPECT_FALSE(marker->comments.has_value());
  EXPECT_FALSE(MarkerFromJson("{}").ok());
}

TEST(TaskLaunchTest, BuildsTheCommandLineAndEdge3Environment) {
  TaskEnvironment env{"python3.11", "https://h/execution", "edge-1",
                      {"PATH=/bin", "HOSTNAME=old", "KEEP=1"}};
  LaunchSpec spec = BuildTaskLaunchSpec(
      env, {"/usr/bin/edgectl", "/home/jobs/7.json", "/home/jobs/7.exit", "/tmp/err.log"});
  // Under the task keeper; the workload as a file (never on the command line: it holds the
  // task's token).
  EXPECT_EQ(spec.argv, (std::vector<std::string>{
                           "/usr/bin/edgectl", "worker-task-keeper", "--exit-file",
                           "/home/jobs/7.exit", "--", "python3.11", "-m",
                           "airflow.sdk.execution_time.execute_workload", "--json-path",
                           "/home/jobs/7.json"}));
  auto has = [&](const std::string& entry) {
    return std::find(spec.env.begin(), spec.env.end(), entry) != spec.env.end();
  };
  EXPECT_TRUE(has("AIRFLOW__CORE__EXECUTION_API_SERVER_URL=https://h/execution"));
  EXPECT_TRUE(has("HOSTNAME=edge-1"));
  EXPECT_FALSE(has("HOSTNAME=old"));
  EXPECT_TRUE(has("AIRFLOW__CORE__HOSTNAME_CALLABLE=airflow.providers.edge3.cli.worker._edge_hostname"));
  EXPECT_TRUE(has("KEEP=1"));
  EXPECT_EQ(spec.stderr_path, "/tmp/err.log");
}

TEST(TaskLaunchTest, ParsesBothWorkloadTypes) {
  absl::StatusOr<WorkloadInfo> task =
      ParseWorkload(R"({"type":"ExecuteTask","log_path":"d/r/t/1.log","ti":{}})");
  ASSERT_TRUE(task.ok());
  EXPECT_EQ(task->log_path, "d/r/t/1.log");
  absl::StatusOr<WorkloadInfo> callback =
      ParseWorkload(R"({"type":"ExecuteCallback","log_path":null,"callback":{}})");
  ASSERT_TRUE(callback.ok());
  EXPECT_FALSE(callback->log_path.has_value());
  EXPECT_FALSE(ParseWorkload(R"(["airflow","tasks","run"])").ok());
  EXPECT_FALSE(ParseWorkload(R"({"type":"RunTrigger"})").ok());
}

}  // namespace
}  // namespace edgectl::worker
