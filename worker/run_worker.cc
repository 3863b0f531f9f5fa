#include "worker/run_worker.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdio>

#include "absl/random/random.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "common/airflow_config.h"
#include "common/build_info.h"
#include "common/logging.h"
#include "common/malloc_tuning.h"
#include "spdlog/sinks/basic_file_sink.h"
#include "spdlog/spdlog.h"
#include "worker/clock.h"
#include "worker/edge_worker.h"
#include "worker/execution_relay/execution_api_relay.h"
#include "worker/health/health_endpoint.h"
#include "worker/health/worker_status_board.h"
#include "worker/grpc_sidecar_client.h"
#include "worker/interpreter_versions.h"
#include "worker/local_files.h"
#include "worker/process_launcher.h"
#include "worker/task_launch.h"
#include "worker/worker_journal.h"

namespace edgectl::worker {
namespace {

bool RedirectTo(const std::string& path, int fd) {
  const int file = open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_APPEND, 0600);
  if (file < 0) return false;
  dup2(file, fd);
  close(file);
  return true;
}

// Classic double fork: the command returns at once, the worker keeps running without a
// controlling terminal. Returns false in the original process (which should exit 0).
bool Daemonize(const WorkerOptions& options) {
  std::fflush(nullptr);
  if (fork() != 0) return false;
  setsid();
  if (fork() != 0) _exit(0);
  umask(static_cast<mode_t>(options.umask));
  const int null_fd = open("/dev/null", O_RDONLY);
  if (null_fd >= 0) {
    dup2(null_fd, STDIN_FILENO);
    close(null_fd);
  }
  RedirectTo(options.stdout_path, STDOUT_FILENO);
  RedirectTo(options.stderr_path, STDERR_FILENO);
  return true;
}

void SetUpLogging(const WorkerOptions& options) {
  std::vector<spdlog::sink_ptr> sinks;
  if (options.daemon) {
    sinks.push_back(std::make_shared<spdlog::sinks::basic_file_sink_mt>(options.log_file));
    spdlog::flush_every(std::chrono::seconds(1));
  }
  InstallLogging(options.log, "edge-worker", std::move(sinks));
  spdlog::flush_on(spdlog::level::info);
}

std::string DirectoryOf(const std::string& path) {
  const size_t slash = path.rfind('/');
  if (slash == std::string::npos) return ".";
  return slash == 0 ? "/" : path.substr(0, slash);
}

// This process takes over the journal: refused while the process that last owned it still runs
// (a second worker of this name from the same $AIRFLOW_HOME); otherwise that process is known to
// be gone, and its instance id lets the sidecar release its registration at once.
absl::StatusOr<WorkerInstance> ClaimJournal(WorkerJournal& journal,
                                            const std::string& worker_name) {
  WorkerInstance instance;
  instance.id = absl::StrFormat("%016x", absl::Uniform<uint64_t>(absl::BitGen()));
  if (const std::optional<InstanceRecord>& previous = journal.previous_instance()) {
    if (previous->pid != getpid() && previous->start_ticks != 0 &&
        ProcessStartTicks(previous->pid) == previous->start_ticks) {
      return absl::AlreadyExistsError(absl::StrCat(
          "Edge worker ", worker_name, " is already running from this AIRFLOW_HOME (pid ",
          previous->pid, "); stop it first (edgectl stop)"));
    }
    instance.previous_id = previous->id;
  }
  const pid_t pid = getpid();
  if (absl::Status s = journal.RecordInstance({instance.id, pid, ProcessStartTicks(pid)});
      !s.ok()) {
    return s;
  }
  return instance;
}

// The binary that runs task keepers: this one.
std::string SelfBinary() {
  char path[4096];
  const ssize_t n = readlink("/proc/self/exe", path, sizeof(path) - 1);
  return n > 0 ? std::string(path, static_cast<size_t>(n)) : "edgectl";
}

}  // namespace

int RunWorkerCommand(const WorkerFlags& flags) {
  absl::StatusOr<AirflowConfig> config = AirflowConfig::Load();
  if (!config.ok()) {
    spdlog::error("Cannot read the Airflow configuration: {}", std::string(config.status().message()));
    return 1;
  }
  absl::StatusOr<WorkerOptions> options = BuildWorkerOptions(*config, flags);
  if (!options.ok()) {
    spdlog::error("{}", std::string(options.status().message()));
    return 2;
  }
  InstallLogging(options->log, "edge-worker");
  KeepFreedMemoryForReuse();  // log chunks' buffers are reused, not faulted in again
  options->keeper_binary = SelfBinary();
  TaskEnvironment task_env{options->python_interpreter, options->execution_api_server_url,
                           options->worker_name, CurrentEnvironment()};
  absl::StatusOr<InterpreterVersions> versions =
      DetectInterpreterVersions(options->python_interpreter, TaskProcessEnv(task_env));
  if (!versions.ok()) {
    spdlog::error("{}", std::string(versions.status().message()));
    return 1;
  }
  // A stale one (its process gone) is cleaned up when the PID file is written (WritePidFile).
  if (std::optional<pid_t> pid = ReadPidFile(options->paths.pid_file);
      pid.has_value() && *pid != getpid() && ProcessExists(*pid)) {
    spdlog::error(
        "The PID file {} contains the PID of another running process. Configuration issue: edge "
        "worker instance must use different PID file paths!",
        options->paths.pid_file);
    return 1;
  }
  if (options->daemon && !Daemonize(*options)) return 0;
  SetUpLogging(*options);
  spdlog::info("{} starting as worker {}", VersionLine(), options->worker_name);
  spdlog::info("Airflow {} / edge3 {} via {}", versions->airflow_version,
               versions->edge_provider_version, options->python_interpreter);
  const SidecarCredentialOptions credentials{
      options->controlplane_tls_ca, options->controlplane_tls_cert, options->controlplane_tls_key,
      options->controlplane_token_file};
  if (absl::Status s = CheckCredentialFiles(credentials, absl::Now()); !s.ok()) {
    spdlog::error("{}", std::string(s.message()));
    return 1;
  }
  if (credentials.tls_ca.empty()) {
    spdlog::warn("The link to the sidecar at {} is plaintext ([edge] controlplane_tls_ca is not "
                 "set); the sidecar accepts that only with --insecure-allow-unauthenticated",
                 options->controlplane_address);
  }
  absl::StatusOr<std::unique_ptr<GrpcSidecarClient>> client = GrpcSidecarClient::Create(
      options->controlplane_address, credentials, options->call_timeout);
  if (!client.ok()) {
    spdlog::error("{}", std::string(client.status().message()));
    return 1;
  }
  absl::StatusOr<std::unique_ptr<WorkerJournal>> journal =
      WorkerJournal::Open(JournalDirFor(options->airflow_home, options->worker_name));
  if (!journal.ok()) {
    spdlog::error("Cannot open the worker journal: {}", std::string(journal.status().message()));
    return 1;
  }
  // A worker or task keeper killed while writing a file leaves its temp file behind.
  for (const std::string& dir :
       {DirectoryOf(options->paths.status_file), DirectoryOf(options->paths.pid_file),
        JournalDirFor(options->airflow_home, options->worker_name),
        DirectoryOf((*journal)->WorkloadPath(0))}) {
    if (int removed = RemoveStaleTempFiles(dir); removed > 0) {
      spdlog::info("Removed {} temporary file(s) left by killed processes in {}", removed, dir);
    }
  }
  absl::StatusOr<WorkerInstance> instance = ClaimJournal(**journal, options->worker_name);
  if (!instance.ok()) {
    spdlog::error("{}", std::string(instance.status().message()));
    return 1;
  }
  // After Daemonize: its threads would not survive the fork.
  std::unique_ptr<ExecutionApiRelay> relay;
  if (options->execution_api_relay) {
    ExecutionApiRelayOptions relay_options;
    relay_options.client.worker_name = options->worker_name;
    relay_options.port = options->execution_api_relay_port;
    relay_options.port_file =
        JournalDirFor(options->airflow_home, options->worker_name) + "/execution_api_relay_port";
    relay = std::make_unique<ExecutionApiRelay>(**client, relay_options);
    absl::StatusOr<std::string> url = relay->Start();
    if (!url.ok()) {
      spdlog::error("{}", std::string(url.status().message()));
      return 1;
    }
    task_env.execution_api_server_url = *url;
    spdlog::info("Tasks reach the Execution API through this worker's relay at {} over the link "
                 "to the sidecar at {}",
                 *url, options->controlplane_address);
  } else {
    spdlog::info("Using execution api server url: {}", options->execution_api_server_url);
  }
  WorkerStatusBoard status_board;
  std::unique_ptr<HealthEndpoint> health;
  if (!options->health_check_addr.empty()) {
    health = std::make_unique<HealthEndpoint>(status_board);
    absl::StatusOr<int> port = health->Start(options->health_check_addr);
    if (!port.ok()) {
      spdlog::error("{}", std::string(port.status().message()));
      return 1;
    }
    spdlog::info("Health endpoint: /status, /metrics and /healthz on {} (port {})",
                 options->health_check_addr, *port);
  }
  // After Daemonize, like the relay: a thread and a child process of its own.
  std::unique_ptr<SysinfoExtensionRunner> sysinfo_extension;
  if (!options->extended_system_info_function.empty()) {
    PythonSysinfoHelperOptions helper;
    helper.interpreter = options->python_interpreter;
    helper.function_path = options->extended_system_info_function;
    helper.env = TaskProcessEnv(task_env);
    sysinfo_extension = std::make_unique<SysinfoExtensionRunner>(
        std::make_unique<PythonSysinfoHelper>(std::move(helper)),
        options->extended_system_info_timeout);
    spdlog::info("Using extended sysinfo function: {}", options->extended_system_info_function);
  }
  PosixProcessLauncher launcher;
  SystemClock clock;
  SystemRandom random;
  EdgeWorker worker(*options, *versions, task_env, *instance,
                    {client->get(), &launcher, &clock, &random, journal->get(),
                     health ? &status_board : nullptr, sysinfo_extension.get()});
  return worker.Run();
}

}  // namespace edgectl::worker
