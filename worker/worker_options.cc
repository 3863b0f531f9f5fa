#include "worker/worker_options.h"

#include <netdb.h>
#include <unistd.h>

#include <algorithm>
#include <cstring>

#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_replace.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "common/edge_states.h"
#include "common/execution_api_url.h"

namespace edgectl::worker {
namespace {

constexpr char kDefaultControlplaneAddress[] = "127.0.0.1:50051";

absl::StatusOr<std::vector<std::string>> ParseQueues(const std::string& text) {
  std::vector<std::string> queues;
  for (absl::string_view part : absl::StrSplit(text, ',')) {
    std::string queue(absl::StripAsciiWhitespace(part));
    if (queue.empty()) {
      return absl::InvalidArgumentError(absl::StrCat(
          "-q/--queues '", text, "' contains an empty queue name; give a comma list like a,b"));
    }
    if (queue.size() > states::kMaxQueueNameLength) {
      return absl::InvalidArgumentError(absl::StrCat(
          "queue name '", queue.substr(0, 40), "...' is ", queue.size(),
          " characters long; edge3 allows at most ", states::kMaxQueueNameLength));
    }
    queues.push_back(queue);
  }
  return queues;
}

absl::StatusOr<int> ParseUmask(const std::string& text) {
  absl::string_view digits = text;
  absl::ConsumePrefix(&digits, "0o");
  int value = 0;
  if (digits.empty() || !absl::numbers_internal::safe_strtoi_base(digits, &value, 8) ||
      value < 0 || value > 0777) {
    return absl::InvalidArgumentError(absl::StrCat(
        "umask '", text, "' is not an octal permission mask like 077 or 0o077 (-u/--umask, [edge] "
        "worker_umask, [core] daemon_umask)"));
  }
  return value;
}

absl::Status CheckPositive(int value, const std::string& what) {
  if (value > 0) return absl::OkStatus();
  return absl::InvalidArgumentError(absl::StrCat(what, " must be a positive integer, got ", value));
}

absl::Status ApplyEdgeSettings(const AirflowConfig& config, WorkerOptions& options) {
  absl::StatusOr<bool> push_logs = config.GetBool("edge", "push_logs", true);
  if (!push_logs.ok()) return push_logs.status();
  options.push_logs = *push_logs;
  struct IntOption {
    const char* key;
    int fallback;
    int* target;
    int minimum;
  };
  int log_push_ms = 150;
  int sysinfo_timeout_sec = 10;
  const IntOption ints[] = {
      {"job_poll_interval", 5, &options.job_poll_interval_sec, 1},
      {"extended_system_info_timeout_sec", 10, &sysinfo_timeout_sec, 1},
      {"push_log_chunk_size", 524288, &options.push_log_chunk_size, 1},
      {"heartbeat_interval", 30, &options.heartbeat_interval_sec, 1},
      {"drain_timeout_sec", 0, &options.drain_timeout_sec, 0},
      {"drain_kill_grace_sec", 30, &options.drain_kill_grace_sec, 0},
      {"log_push_interval_ms", 150, &log_push_ms, 10},
      {"max_undelivered_jobs", 100, &options.max_undelivered_jobs, 1},
  };
  for (const IntOption& option : ints) {
    absl::StatusOr<int> value = config.GetInt("edge", option.key, option.fallback);
    if (!value.ok()) return value.status();
    if (*value < option.minimum) {
      return absl::InvalidArgumentError(absl::StrCat("[edge] ", option.key, " must be >= ",
                                                     option.minimum, ", got ", *value));
    }
    *option.target = *value;
  }
  // edge3 pushes a running job's new log lines every job_poll_interval; edgectl ships them
  // sooner (log_push_interval_ms) but never later than that.
  options.log_push_interval =
      std::min(absl::Milliseconds(log_push_ms), absl::Seconds(options.job_poll_interval_sec));
  options.extended_system_info_function =
      std::string(absl::StripAsciiWhitespace(config.GetOr("edge", "extended_system_info_function", "")));
  if (!options.extended_system_info_function.empty() &&
      options.extended_system_info_function.find('.') == std::string::npos) {
    return absl::InvalidArgumentError(absl::StrCat(
        "[edge] extended_system_info_function must be a dotted path 'module.function', got '",
        options.extended_system_info_function, "'"));
  }
  options.extended_system_info_timeout = absl::Seconds(sysinfo_timeout_sec);
  options.automatic_maintenance.on =
      absl::AsciiStrToLower(config.GetOr("edge", "automatic_maintenance_on", "Off"));
  options.automatic_maintenance.exit =
      absl::AsciiStrToLower(config.GetOr("edge", "automatic_maintenance_exit", "Off"));
  if (options.automatic_maintenance.on.empty()) options.automatic_maintenance.on = "off";
  if (options.automatic_maintenance.exit.empty()) options.automatic_maintenance.exit = "off";
  return options.automatic_maintenance.Validate();
}

}  // namespace

std::string FullyQualifiedHostname() {
  char host[256] = {};
  if (gethostname(host, sizeof(host) - 1) != 0) return "localhost";
  addrinfo hints{};
  hints.ai_flags = AI_CANONNAME;
  addrinfo* info = nullptr;
  std::string fqdn = host;
  if (getaddrinfo(host, nullptr, &hints, &info) == 0 && info != nullptr) {
    if (info->ai_canonname != nullptr && std::strchr(info->ai_canonname, '.') != nullptr) {
      fqdn = info->ai_canonname;
    }
    freeaddrinfo(info);
  }
  return fqdn;
}

absl::StatusOr<WorkerOptions> BuildWorkerOptions(const AirflowConfig& config,
                                                 const WorkerFlags& flags) {
  WorkerOptions options;
  options.worker_name = flags.edge_hostname.value_or(FullyQualifiedHostname());
  if (options.worker_name.empty()) {
    return absl::InvalidArgumentError("-H/--edge-hostname must not be empty");
  }
  if (options.worker_name.size() > states::kMaxWorkerNameLength) {
    return absl::InvalidArgumentError(absl::StrCat(
        "worker name '", options.worker_name, "' is ", options.worker_name.size(),
        " characters long; edge3 allows at most ", states::kMaxWorkerNameLength,
        ". Give a shorter one with -H/--edge-hostname"));
  }
  if (flags.concurrency.has_value()) {
    options.concurrency = *flags.concurrency;
  } else {
    absl::StatusOr<int> concurrency = config.GetInt("edge", "worker_concurrency", 8);
    if (!concurrency.ok()) return concurrency.status();
    options.concurrency = *concurrency;
  }
  if (absl::Status s = CheckPositive(options.concurrency, "-c/--concurrency"); !s.ok()) return s;
  if (flags.queues.has_value() && !flags.queues->empty()) {
    absl::StatusOr<std::vector<std::string>> queues = ParseQueues(*flags.queues);
    if (!queues.ok()) return queues.status();
    options.queues = *queues;
  }
  options.team_name = flags.team_name;
  options.airflow_home = AirflowConfig::AirflowHome();
  options.paths = ResolveLocalPaths(flags.pid, options.airflow_home);
  options.verbose = flags.verbose;
  absl::StatusOr<LogOptions> log =
      LogOptionsFromConfig(config, flags.log_level, flags.log_json, flags.verbose);
  if (!log.ok()) return log.status();
  options.log = *log;
  options.daemon = flags.daemon;
  const std::string base = options.airflow_home + "/airflow-edge-worker";
  options.stdout_path = flags.stdout_path.value_or(base + ".out");
  options.stderr_path = flags.stderr_path.value_or(base + ".err");
  options.log_file = flags.log_file.value_or(base + ".log");
  absl::StatusOr<int> umask = ParseUmask(flags.umask.value_or(config.GetOr(
      "edge", "worker_umask", config.GetOr("core", "daemon_umask", "0o077"))));
  if (!umask.ok()) return umask.status();
  options.umask = *umask;
  options.controlplane_address = flags.controlplane_address.value_or(
      config.GetOr("edge", "controlplane_address", kDefaultControlplaneAddress));
  if (options.controlplane_address.empty()) {
    return absl::InvalidArgumentError(
        "--controlplane-address / [edge] controlplane_address must be host:port of the sidecar");
  }
  options.controlplane_tls_ca =
      flags.controlplane_tls_ca.value_or(config.GetOr("edge", "controlplane_tls_ca", ""));
  options.controlplane_tls_cert =
      flags.controlplane_tls_cert.value_or(config.GetOr("edge", "controlplane_tls_cert", ""));
  options.controlplane_tls_key =
      flags.controlplane_tls_key.value_or(config.GetOr("edge", "controlplane_tls_key", ""));
  options.controlplane_token_file = flags.controlplane_token_file.value_or(
      config.GetOr("edge", "controlplane_token_file", ""));
  options.python_interpreter =
      flags.python.value_or(config.GetOr("edge", "python_interpreter", "python3"));
  options.execution_api_server_url = ExecutionApiServerUrl(config);
  options.health_check_addr = flags.health_check_addr.value_or(
      config.GetOr("edge", "worker_health_check_addr", ""));
  absl::StatusOr<bool> relay = config.GetBool("edge", "execution_api_relay", false);
  if (!relay.ok()) return relay.status();
  options.execution_api_relay = *relay;
  absl::StatusOr<int> relay_port = config.GetInt("edge", "execution_api_relay_port", 0);
  if (!relay_port.ok()) return relay_port.status();
  if (*relay_port < 0 || *relay_port > 65535) {
    return absl::InvalidArgumentError("[edge] execution_api_relay_port must be 0..65535");
  }
  options.execution_api_relay_port = *relay_port;
  // With the relay, tasks get the worker's own endpoint: the API server's URL is the sidecar's.
  if (options.execution_api_server_url.empty() && !options.execution_api_relay) {
    return absl::InvalidArgumentError(
        "Error: API URL is not configured, please correct configuration. Set [edge] api_url "
        "(or [core] execution_api_server_url): task processes need Airflow's Execution API URL, "
        "or set [edge] execution_api_relay = True to reach it through the sidecar");
  }
  options.base_log_folder =
      config.GetOr("logging", "base_log_folder", options.airflow_home + "/logs");
  if (absl::Status s = ApplyEdgeSettings(config, options); !s.ok()) return s;
  return options;
}

}  // namespace edgectl::worker
