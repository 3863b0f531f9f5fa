#include "controlplane/admin/admin_commands.h"

#include <unistd.h>

#include <iostream>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "common/edge_states.h"
#include "controlplane/admin/airflow_help_formatter.h"
#include "controlplane/admin/central_command.h"
#include "controlplane/admin/health_command.h"
#include "controlplane/admin/listing_output.h"
#include "controlplane/admin/job_commands.h"
#include "controlplane/admin/token_commands.h"
#include "common/python_list_repr.h"
#include "controlplane/admin/worker_admin.h"
#include "controlplane/admin/worker_listing.h"
#include "controlplane/db/notify_trigger.h"
#include "controlplane/db/schema.h"
#include "controlplane/db/schema_installer.h"

namespace edgectl::controlplane {
namespace {

using admin::CentralFlags;
using admin::RunCentral;
using admin::WorkerAdmin;

constexpr char kHostnameHelp[] =
    "Set the hostname of worker if you have multiple workers on a single machine";
constexpr char kCommentsHelp[] =
    "Maintenance comments to report reason. Required if enabling maintenance";
constexpr char kQueuesManageHelp[] = "Comma delimited list of queues to add or remove.";

std::string WorkerLabel(const std::string& name) { return "Edge Worker host " + name; }

// Options of the commands acting on one worker (-H plus the database flags).
struct OneWorkerOptions {
  CentralFlags central;
  std::string hostname;
  std::string comments;
  std::string queues;
  int concurrency = 0;
};

CLI::App* AddOneWorkerCommand(CLI::App& app, const std::string& name, const std::string& help,
                              OneWorkerOptions* options) {
  CLI::App* command = app.add_subcommand(name, help);
  command->add_option("-H,--edge-hostname", options->hostname, kHostnameHelp)->required();
  return command;
}

// Runs `action` on a WorkerAdmin and prints `done` (with " by <user>.") on success.
void OnRun(CLI::App* command, cli::CliContext& context, std::shared_ptr<OneWorkerOptions> options,
           std::function<absl::Status(WorkerAdmin&, const OneWorkerOptions&)> action,
           std::function<std::string(const OneWorkerOptions&)> done) {
  admin::AddCentralFlags(command, &options->central);
  command->callback([&context, options, action, done] {
    context.exit_code = RunCentral(options->central, [&](pqxx::connection& conn) {
      WorkerAdmin admin(conn);
      absl::Status status = action(admin, *options);
      if (status.ok()) {
        std::cout << done(*options) << " by " << admin::CurrentUser() << "." << std::endl;
      }
      return status;
    });
  });
}

void AddListWorkers(CLI::App& app, cli::CliContext& context) {
  struct Options {
    CentralFlags central;
    std::string output = "table";
    std::vector<std::string> states;
    std::string name_pattern;
    std::string queues;
  };
  auto options = std::make_shared<Options>();
  CLI::App* command =
      app.add_subcommand("list-workers", "Query the db to list all registered edge workers.");
  command
      ->add_option("-o,--output", options->output,
                   "Output format. Allowed values: json, yaml, plain, table (default: table)")
      ->check(CLI::IsMember({"table", "json", "yaml", "plain"}).description(""))
      ->type_name("(table, json, yaml, plain)");
  std::vector<std::string> all_states(states::kAllWorkerStates.begin(),
                                      states::kAllWorkerStates.end());
  command->add_option("-s,--state", options->states, "State of the edge worker")
      ->check(CLI::IsMember(all_states).description(""))
      ->type_name("STATE");
  command->add_option("--worker-name-pattern,--name-pattern", options->name_pattern,
                      "Only workers whose name matches this glob pattern (* any characters, ? one "
                      "character)");
  command->add_option("-q,--queues", options->queues,
                      "Comma delimited list of queues; only workers serving any of them (workers "
                      "serving all queues included)");
  admin::AddCentralFlags(command, &options->central);
  command->callback([&context, options] {
    context.exit_code = RunCentral(options->central, [&](pqxx::connection& conn) -> absl::Status {
      admin::WorkerFilter filter;
      filter.states = options->states;
      // As edge3, an empty pattern filters nothing.
      if (!options->name_pattern.empty()) filter.name_glob = options->name_pattern;
      filter.queues = admin::SplitQueueList(options->queues);
      absl::StatusOr<std::vector<admin::WorkerRecord>> workers = WorkerAdmin(conn).List(filter);
      if (!workers.ok()) return workers.status();
      absl::StatusOr<admin::OutputFormat> format = admin::ParseOutputFormat(options->output);
      if (!format.ok()) return format.status();
      std::cout << admin::RenderRecords(admin::WorkerListingRecords(*workers), *format);
      return absl::OkStatus();
    });
  });
}

void AddMaintenanceCommands(CLI::App& app, cli::CliContext& context) {
  auto request = std::make_shared<OneWorkerOptions>();
  CLI::App* command = AddOneWorkerCommand(app, "remote-edge-worker-request-maintenance",
                                          "Put remote edge worker on maintenance.", request.get());
  command->add_option("-c,--comments", request->comments, kCommentsHelp)->required();
  OnRun(command, context, request,
        [](WorkerAdmin& a, const OneWorkerOptions& o) {
          return a.RequestMaintenance(o.hostname, o.comments);
        },
        [](const OneWorkerOptions& o) {
          return WorkerLabel(o.hostname) + " has been put on maintenance";
        });

  auto exit = std::make_shared<OneWorkerOptions>();
  command = AddOneWorkerCommand(app, "remote-edge-worker-exit-maintenance",
                                "Remove remote edge worker from maintenance.", exit.get());
  OnRun(command, context, exit,
        [](WorkerAdmin& a, const OneWorkerOptions& o) { return a.ExitMaintenance(o.hostname); },
        [](const OneWorkerOptions& o) {
          return WorkerLabel(o.hostname) + " has been removed from maintenance";
        });

  auto comment = std::make_shared<OneWorkerOptions>();
  command = AddOneWorkerCommand(app, "remote-edge-worker-update-maintenance-comment",
                                "Update maintenance comments of the remote edge worker.",
                                comment.get());
  command->add_option("-c,--comments", comment->comments, kCommentsHelp)->required();
  OnRun(command, context, comment,
        [](WorkerAdmin& a, const OneWorkerOptions& o) {
          return a.UpdateMaintenanceComment(o.hostname, o.comments);
        },
        [](const OneWorkerOptions& o) {
          return "Maintenance comments updated for " + WorkerLabel(o.hostname);
        });
}

void AddRemoveAndShutdownCommands(CLI::App& app, cli::CliContext& context) {
  auto remove = std::make_shared<OneWorkerOptions>();
  CLI::App* command = AddOneWorkerCommand(app, "remove-remote-edge-worker",
                                          "Remove remote edge worker entry from db.", remove.get());
  OnRun(command, context, remove,
        [](WorkerAdmin& a, const OneWorkerOptions& o) { return a.Remove(o.hostname); },
        [](const OneWorkerOptions& o) { return WorkerLabel(o.hostname) + " removed"; });

  auto shutdown = std::make_shared<OneWorkerOptions>();
  command = AddOneWorkerCommand(app, "shutdown-remote-edge-worker",
                                "Initiate the shutdown of the remote edge worker.", shutdown.get());
  admin::AddCentralFlags(command, &shutdown->central);
  command->callback([&context, shutdown] {
    context.exit_code = RunCentral(shutdown->central, [&](pqxx::connection& conn) -> absl::Status {
      absl::StatusOr<admin::AdminDecision> decision =
          WorkerAdmin(conn).RequestShutdown(shutdown->hostname);
      if (!decision.ok()) return decision.status();
      if (decision->kind == admin::AdminDecision::Kind::kNoOp) {
        std::cout << decision->message << std::endl;
      } else {
        std::cout << "Requested shutdown of " << WorkerLabel(shutdown->hostname) << " by "
                  << admin::CurrentUser() << "." << std::endl;
      }
      return absl::OkStatus();
    });
  });
}

void AddQueueAndConcurrencyCommands(CLI::App& app, cli::CliContext& context) {
  auto add = std::make_shared<OneWorkerOptions>();
  CLI::App* command =
      AddOneWorkerCommand(app, "add-worker-queues", "Add queues to an edge worker.", add.get());
  command->add_option("-q,--queues", add->queues, kQueuesManageHelp)->required();
  OnRun(command, context, add,
        [](WorkerAdmin& a, const OneWorkerOptions& o) {
          return a.AddQueues(o.hostname, admin::SplitQueueList(o.queues));
        },
        [](const OneWorkerOptions& o) {
          return "Added queues " + FormatPythonStrList(admin::SplitQueueList(o.queues)) +
                 " to " + WorkerLabel(o.hostname);
        });

  auto remove = std::make_shared<OneWorkerOptions>();
  command = AddOneWorkerCommand(app, "remove-worker-queues", "Remove queues from an edge worker.",
                                remove.get());
  command->add_option("-q,--queues", remove->queues, kQueuesManageHelp)->required();
  OnRun(command, context, remove,
        [](WorkerAdmin& a, const OneWorkerOptions& o) {
          return a.RemoveQueues(o.hostname, admin::SplitQueueList(o.queues));
        },
        [](const OneWorkerOptions& o) {
          return "Removed queues " + FormatPythonStrList(admin::SplitQueueList(o.queues)) +
                 " from " + WorkerLabel(o.hostname);
        });

  auto concurrency = std::make_shared<OneWorkerOptions>();
  command = AddOneWorkerCommand(app, "set-worker-concurrency",
                                "Set the concurrency of a remote edge worker.", concurrency.get());
  command
      ->add_option("-c,--concurrency", concurrency->concurrency,
                   "The number of concurrent task slots of the worker (> 0)")
      ->required();
  OnRun(command, context, concurrency,
        [](WorkerAdmin& a, const OneWorkerOptions& o) {
          return a.SetConcurrency(o.hostname, o.concurrency);
        },
        [](const OneWorkerOptions& o) {
          return absl::StrCat("Set concurrency of ", WorkerLabel(o.hostname), " to ",
                              o.concurrency);
        });
}

// edge3 asks with input(); edgectl only asks a terminal, so a script cannot confirm by accident.
absl::Status ConfirmShutdownAll() {
  if (!isatty(STDIN_FILENO)) {
    return absl::FailedPreconditionError(
        "shutdown-all-workers needs confirmation and stdin is not a terminal: pass -y/--yes");
  }
  std::cout << "This will shutdown all active edge workers, this cannot be undone! Proceed? (y/n)"
            << std::flush;
  std::string answer;
  std::getline(std::cin, answer);
  if (absl::AsciiStrToUpper(answer) != "Y") return absl::CancelledError("Cancelled");
  return absl::OkStatus();
}

void AddShutdownAll(CLI::App& app, cli::CliContext& context) {
  struct Options {
    CentralFlags central;
    bool yes = false;
  };
  auto options = std::make_shared<Options>();
  CLI::App* command = app.add_subcommand("shutdown-all-workers",
                                         "Request graceful shutdown of all edge workers.");
  command->add_flag("-y,--yes", options->yes, "Skip confirmation prompt and proceed with shutdown");
  admin::AddCentralFlags(command, &options->central);
  command->callback([&context, options] {
    context.exit_code = RunCentral(options->central, [&](pqxx::connection& conn) -> absl::Status {
      // Asked once the database is known to be reachable, as edge3 checks it before asking.
      if (!options->yes) {
        if (absl::Status confirmed = ConfirmShutdownAll(); !confirmed.ok()) return confirmed;
      }
      absl::StatusOr<admin::ShutdownAllResult> result = WorkerAdmin(conn).RequestShutdownAll();
      if (!result.ok()) return result.status();
      if (result->requested.empty() && result->already_offline.empty()) {
        std::cout << "No edge workers found to shutdown." << std::endl;
        return absl::OkStatus();
      }
      for (const std::string& name : result->requested) {
        std::cout << "Requested shutdown of " << WorkerLabel(name) << std::endl;
      }
      for (const std::string& name : result->already_offline) {
        std::cout << WorkerLabel(name) << " is not running, left unchanged" << std::endl;
      }
      std::cout << "Requested shutdown of " << result->requested.size() << " edge workers by "
                << admin::CurrentUser() << "." << std::endl;
      return absl::OkStatus();
    });
  });
}

// `db init --with-notify / --without-notify` (controlplane/db/notify_trigger.h).
struct NotifyChoice {
  bool with = false;
  bool without = false;
};

void AddNotifyFlags(CLI::App* init, NotifyChoice* choice) {
  CLI::Option* with = init->add_flag(
      "--with-notify", choice->with,
      "Also install the optional edgectl_* notification triggers on edge_job, edge_worker and "
      "edgectl_worker_token, so sidecars dispatch and follow worker changes on PostgreSQL "
      "NOTIFY instead of polling (removable; see docs/ARCHITECTURE.md)");
  init->add_flag("--without-notify", choice->without,
                 "Remove those triggers (and their functions) if installed")
      ->excludes(with);
}

absl::Status ApplyNotifyChoice(pqxx::connection& conn, const NotifyChoice& choice) {
  if (choice.with) {
    if (absl::Status s = db::InstallNotifyTrigger(conn); !s.ok()) return s;
    std::cout << "The notification triggers are installed: " << db::kNotifyTrigger
              << " on edge_job, " << db::kWorkerNotifyTrigger << " on edge_worker and "
              << db::kTokenNotifyTrigger << " on edgectl_worker_token (sidecars LISTEN on "
              << db::kNotifyChannel << ", " << db::kWorkerChannel << " and " << db::kTokenChannel
              << "); remove them with `edgectl db init --without-notify`." << std::endl;
  } else if (choice.without) {
    if (absl::Status s = db::RemoveNotifyTrigger(conn); !s.ok()) return s;
    std::cout << "The notification triggers are not installed (sidecars poll)." << std::endl;
  }
  return absl::OkStatus();
}

// Information only: the triggers are optional, so their absence is not drift.
void ReportNotifyTrigger(pqxx::connection& conn) {
  absl::StatusOr<db::NotifyTriggers> installed = db::NotifyTriggersInstalled(conn);
  if (!installed.ok()) return;
  if (installed->all()) {
    std::cout << "Notification triggers: installed (sidecars dispatch and follow worker changes "
                 "on NOTIFY, polling slowly as a fallback)."
              << std::endl;
  } else if (installed->none()) {
    std::cout << "Notification triggers: not installed (optional; sidecars poll; `edgectl db "
                 "init --with-notify` installs them)."
              << std::endl;
  } else {
    std::cout << "Notification triggers: partly installed (edge_job "
              << (installed->edge_job ? "yes" : "no") << ", edge_worker "
              << (installed->edge_worker ? "yes" : "no") << ", edgectl_worker_token "
              << (installed->worker_token ? "yes" : "no")
              << "); sidecars poll for what is missing. `edgectl db init --with-notify` installs "
                 "all of them (a migration that recreated a table drops its trigger)."
              << std::endl;
  }
}

void AddDbCommands(CLI::App& app, cli::CliContext& context) {
  CLI::App* db = app.add_subcommand(
      "db", "Create or check the edge3 tables (edge_worker, edge_job, edge_logs) and edgectl's own "
            "(edgectl_worker_token) in Airflow's DB.");
  db->require_subcommand(1);
  auto init_flags = std::make_shared<CentralFlags>();
  auto notify = std::make_shared<NotifyChoice>();
  CLI::App* init = db->add_subcommand(
      "init", "Create the edge3 tables where Airflow's migrations have not (at the newest "
              "revision edgectl serves, stamped as Airflow would), and edgectl's own tables.");
  admin::AddCentralFlags(init, init_flags.get());
  AddNotifyFlags(init, notify.get());
  init->callback([&context, init_flags, notify] {
    context.exit_code = RunCentral(*init_flags, [notify](pqxx::connection& conn) -> absl::Status {
      absl::StatusOr<db::InitResult> init = db::CreateSchema(conn);
      if (!init.ok()) return init.status();
      const db::Edge3Revision& revision = *init->revision;
      if (init->created_edge3_tables) {
        std::cout << "Created the edge3 tables at alembic revision " << revision.revision
                  << " (edge3 " << revision.provider_versions << ") and edgectl's tables."
                  << std::endl;
      } else {
        std::cout << "The edge3 tables are already at alembic revision " << revision.revision
                  << " (edge3 " << revision.provider_versions
                  << "); left them unchanged. edgectl's tables are in place." << std::endl;
      }
      return ApplyNotifyChoice(conn, *notify);
    });
  });
  auto check_flags = std::make_shared<CentralFlags>();
  CLI::App* check = db->add_subcommand(
      "check", "Say which edge3 schema revision the database has and compare the tables with it; "
               "non-zero exit when edgectl cannot serve it or it drifted.");
  admin::AddCentralFlags(check, check_flags.get());
  check->callback([&context, check_flags] {
    context.exit_code = RunCentral(*check_flags, [](pqxx::connection& conn) -> absl::Status {
      absl::StatusOr<db::SchemaCheck> check = db::CheckSchema(conn);
      if (!check.ok()) return check.status();
      const db::DetectedSchema& found = check->detected;
      if (found.revision != nullptr) {
        std::cout << "Found edge3 schema revision " << found.revision->revision << " (edge3 "
                  << found.revision->provider_versions << ")." << std::endl;
      } else {
        std::cout << "Found edge3 schema revision: " << found.StampText() << "." << std::endl;
      }
      for (const std::string& note : check->notes) std::cout << "Note: " << note << std::endl;
      ReportNotifyTrigger(conn);
      if (check->ok()) {
        std::cout << "The edge3 schema matches that revision; edgectl serves it." << std::endl;
        return absl::OkStatus();
      }
      if (!check->problems.empty()) {
        std::cout << "The schema differs from what that revision has:" << std::endl;
        for (const std::string& line : check->problems) std::cout << "  - " << line << std::endl;
      }
      if (!check->unservable.empty()) {
        return absl::FailedPreconditionError(check->unservable);
      }
      return absl::FailedPreconditionError(absl::StrCat(
          check->problems.size(),
          " schema difference(s); run `edgectl db init` to create missing edgectl tables, or "
          "Airflow's migrations (airflow db migrate) to bring the edge3 schema to its revision"));
    });
  });
}

const std::set<std::string> kAdminCommandNames = {
    "list-workers",
    "remote-edge-worker-request-maintenance",
    "remote-edge-worker-exit-maintenance",
    "remote-edge-worker-update-maintenance-comment",
    "remove-remote-edge-worker",
    "shutdown-remote-edge-worker",
    "add-worker-queues",
    "remove-worker-queues",
    "set-worker-concurrency",
    "shutdown-all-workers",
    "db",
    "health",
    "list-jobs",
    "logs"};

}  // namespace

void AddAdminCommands(CLI::App& app, cli::CliContext& context) {
  AddListWorkers(app, context);
  AddMaintenanceCommands(app, context);
  AddRemoveAndShutdownCommands(app, context);
  AddQueueAndConcurrencyCommands(app, context);
  AddShutdownAll(app, context);
  AddDbCommands(app, context);
  admin::AddHealthCommand(app, context);
  admin::AddTokenCommands(app, context);
  admin::AddJobCommands(app, context);
  for (CLI::App* command : app.get_subcommands({})) {
    if (kAdminCommandNames.count(command->get_name()) > 0) admin::UseAirflowHelp(command);
  }
}

}  // namespace edgectl::controlplane
