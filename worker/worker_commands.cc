#include "worker/worker_commands.h"

#include <memory>

#include "common/airflow_config.h"
#include "common/logging.h"
#include "spdlog/sinks/stdout_color_sinks.h"
#include "spdlog/spdlog.h"
#include "worker/local_commands.h"
#include "worker/run_worker.h"
#include "worker/worker_options.h"

namespace edgectl::worker {
namespace {

// Logs go to stderr, as Python's logging does for `airflow edge ...`; stdout carries only the
// commands' output (the status JSON).
void LogToStderr(bool verbose) {
  LogOptions options;
  options.level = verbose ? spdlog::level::debug : spdlog::level::info;
  InstallLogging(options, "edgectl");
}

// CLI11 keeps pointers to these; they live as long as the app (the process).
struct WorkerCliValues {
  WorkerFlags flags;
  int concurrency = 0;
};

void AddWorker(CLI::App& app, cli::CliContext& context) {
  auto values = std::make_shared<WorkerCliValues>();
  CLI::App* cmd = app.add_subcommand("worker", "Start Airflow Edge Worker.");
  WorkerFlags& f = values->flags;
  CLI::Option* concurrency = cmd->add_option(
      "-c,--concurrency", values->concurrency,
      "The number of worker processes (default [edge] worker_concurrency, 8)");
  cmd->add_option("-q,--queues", f.queues, "Comma delimited list of queues to serve (default: all)");
  cmd->add_option("-t,--team-name", f.team_name, "Team name for multi-team setups");
  cmd->add_option("-H,--edge-hostname", f.edge_hostname,
                  "Set the hostname (worker name) of the worker (default: the FQDN)");
  cmd->add_option("--pid", f.pid, "PID file location");
  cmd->add_flag("-v,--verbose", f.verbose, "Make logging output more verbose");
  cmd->add_option("--log-level", f.log_level,
                  "DEBUG, INFO, WARNING, ERROR or CRITICAL (default [logging] logging_level)");
  cmd->add_flag("--log-json", f.log_json,
                "Log JSON lines (time, level, logger, message); also [logging] json_format");
  cmd->add_flag("-D,--daemon", f.daemon, "Daemonize instead of running in the foreground");
  cmd->add_option("--stdout", f.stdout_path, "Redirect stdout to this file (daemon mode)");
  cmd->add_option("--stderr", f.stderr_path, "Redirect stderr to this file (daemon mode)");
  cmd->add_option("-l,--log-file", f.log_file, "Location of the log file (daemon mode)");
  cmd->add_option("-u,--umask", f.umask, "Set the umask of the worker in daemon mode");
  cmd->add_option("--controlplane-address", f.controlplane_address,
                  "host:port of the control-plane sidecar (default [edge] controlplane_address, "
                  "127.0.0.1:50051)");
  cmd->add_option("--controlplane-tls-ca", f.controlplane_tls_ca,
                  "CA (PEM) that signed the sidecar's certificate; TLS on (default [edge] "
                  "controlplane_tls_ca)");
  cmd->add_option("--controlplane-tls-cert", f.controlplane_tls_cert,
                  "client certificate (PEM) naming this worker, for mutual TLS (default [edge] "
                  "controlplane_tls_cert)");
  cmd->add_option("--controlplane-tls-key", f.controlplane_tls_key,
                  "private key (PEM) of the client certificate (default [edge] "
                  "controlplane_tls_key)");
  cmd->add_option("--controlplane-token-file", f.controlplane_token_file,
                  "file holding this worker's token from `edgectl token issue`, mode 0600 "
                  "(default [edge] controlplane_token_file)");
  cmd->add_option("--python", f.python,
                  "Python interpreter that runs Airflow's Task SDK (default [edge] "
                  "python_interpreter, python3)");
  cmd->add_option("--health-check-addr", f.health_check_addr,
                  "HOST:PORT to serve /status (JSON), /metrics and /healthz on, e.g. "
                  "127.0.0.1:8790 (default [edge] worker_health_check_addr; off when empty)");
  cmd->callback([values, concurrency, &context] {
    LogToStderr(values->flags.verbose);
    if (concurrency->count() > 0) values->flags.concurrency = values->concurrency;
    context.exit_code = RunWorkerCommand(values->flags);
  });
}

void AddPidOption(CLI::App* cmd, LocalCommandOptions& options) {
  cmd->add_option("--pid", options.pid, "PID file location");
  cmd->add_flag("-v,--verbose", options.verbose, "Make logging output more verbose");
}

void AddStop(CLI::App& app, cli::CliContext& context) {
  auto options = std::make_shared<LocalCommandOptions>();
  CLI::App* cmd = app.add_subcommand("stop", "Stop a running local Airflow Edge Worker.");
  AddPidOption(cmd, *options);
  cmd->add_flag("-w,--wait", options->wait, "Wait until the worker has stopped");
  cmd->callback([options, &context] {
    LogToStderr(options->verbose);
    options->airflow_home = AirflowConfig::AirflowHome();
    context.exit_code = StopWorker(*options);
  });
}

void AddStatus(CLI::App& app, cli::CliContext& context) {
  auto options = std::make_shared<LocalCommandOptions>();
  CLI::App* cmd = app.add_subcommand("status", "Check for Airflow Local Edge Worker status.");
  AddPidOption(cmd, *options);
  cmd->callback([options, &context] {
    LogToStderr(options->verbose);
    options->airflow_home = AirflowConfig::AirflowHome();
    context.exit_code = PrintWorkerStatus(*options);
  });
}

void AddMaintenance(CLI::App& app, cli::CliContext& context) {
  struct Values {
    LocalCommandOptions options;
    std::string mode;
    std::optional<std::string> comments;
  };
  auto values = std::make_shared<Values>();
  CLI::App* cmd = app.add_subcommand(
      "maintenance", "Set or Unset maintenance mode of local edge worker.");
  cmd->add_option("maintenance", values->mode, "Desired maintenance state: on or off")
      ->required()
      ->check(CLI::IsMember({"on", "off"}));
  cmd->add_option("-c,--comments", values->comments,
                  "Maintenance comments to report reason. Required if maintenance is turned on.");
  cmd->add_flag("-w,--wait", values->options.wait,
                "Wait until edge worker has reached desired state.");
  AddPidOption(cmd, values->options);
  cmd->callback([values, &context] {
    LogToStderr(values->options.verbose);
    values->options.airflow_home = AirflowConfig::AirflowHome();
    context.exit_code =
        SetLocalMaintenance(values->options, values->mode == "on", values->comments);
  });
}

}  // namespace

void AddWorkerCommands(CLI::App& app, cli::CliContext& context) {
  AddWorker(app, context);
  AddStop(app, context);
  AddStatus(app, context);
  AddMaintenance(app, context);
}

}  // namespace edgectl::worker
