// The real //cli:edgectl binary, run as a subprocess against the PostgreSQL fixture: help texts,
// exit codes and messages of the central admin commands, output formats through the binary,
// confirmation of shutdown-all-workers on a terminal (a pty) and off one, password hygiene,
// `db init` / `db check`.
#include <poll.h>
#include <pty.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>
#include <pqxx/pqxx>
#include <yaml-cpp/yaml.h>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/time/time.h"
#include "common/database_url.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/admin/seed_workers.h"
#include "tests/e2e/child_process.h"
#include "tests/fixtures/edge_database.h"
#include "tests/fixtures/postgres_server.h"

namespace edgectl::admin {
namespace {

using testing::InsertWorker;
using testing::ReadColumn;
using testing::SeedWorker;
using testing::WorkerExists;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::Not;
using ::testing::StartsWith;

constexpr char kPassword[] = "Pw@Secret-9";
constexpr char kPasswordEncoded[] = "Pw%40Secret-9";

using RunResult = e2e::CommandOutput;

std::string TempDir() {
  const char* base = std::getenv("TEST_TMPDIR");
  std::string templ = absl::StrCat(base != nullptr ? base : "/tmp", "/edgectl-cli-XXXXXX");
  char* made = mkdtemp(templ.data());
  return made != nullptr ? std::string(made) : "/tmp";
}

class EdgectlAdminCliTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dsn_ = edgectl::testing::CreateEdgeDatabase("cli");
    ASSERT_FALSE(dsn_.empty());
    conn_ = std::make_unique<pqxx::connection>(dsn_);
    url_ = SqlAlchemyUrl(dsn_);
    home_ = TempDir();
  }

  // The fixture's DSN as Airflow would configure it, with a password the trust-auth test server
  // ignores (so it can be checked that edgectl never prints it).
  static std::string SqlAlchemyUrl(const std::string& dsn) {
    absl::StatusOr<DatabaseUrl> parsed = ParseDatabaseUrl(dsn);
    EXPECT_TRUE(parsed.ok()) << parsed.status();
    return absl::StrCat("postgresql+psycopg2://", parsed->user, ":", kPasswordEncoded, "@",
                        parsed->host, ":", parsed->port, "/", parsed->dbname);
  }

  RunResult Run(const std::vector<std::string>& args,
                std::map<std::string, std::string> env = {}) {
    std::vector<std::string> argv = {e2e::Runfile("cli/edgectl")};
    argv.insert(argv.end(), args.begin(), args.end());
    env.emplace("AIRFLOW_HOME", home_);
    env.emplace("AIRFLOW_CONFIG", home_ + "/airflow.cfg");
    env.emplace("AIRFLOW__DATABASE__SQL_ALCHEMY_CONN", url_);
    absl::StatusOr<RunResult> result =
        e2e::ChildProcess::RunToCompletion(argv, env, home_, absl::Seconds(60));
    EXPECT_TRUE(result.ok()) << result.status();
    return result.ok() ? *result : RunResult{};
  }

  std::optional<std::string> Column(const std::string& name, const std::string& column) {
    return ReadColumn(*conn_, name, column);
  }

  std::string dsn_;
  std::string url_;
  std::string home_;
  std::unique_ptr<pqxx::connection> conn_;
};

const std::vector<std::string> kAdminCommands = {
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
    "health"};

TEST_F(EdgectlAdminCliTest, HelpListsEveryCommandAndFlag) {
  RunResult top = Run({"--help"});
  EXPECT_EQ(top.exit_code, 0);
  for (const std::string& command : kAdminCommands) EXPECT_THAT(top.out, HasSubstr(command));
  EXPECT_THAT(top.out, HasSubstr("Query the db to list all registered edge workers."));
  EXPECT_THAT(top.out, HasSubstr("Request graceful shutdown of all edge workers."));

  // argparse-style help: usage line, description, "options:" with "-x, --long METAVAR".
  const std::map<std::string, std::vector<std::string>> flags = {
      {"list-workers",
       {"usage: edgectl list-workers [-h] [-o (table, json, yaml, plain)] [-s STATE [STATE ...]]",
        "-o, --output (table, json, yaml, plain)", "-s, --state STATE [STATE ...]",
        "--worker-name-pattern, --name-pattern WORKER_NAME_PATTERN", "-q, --queues QUEUES",
        "--sql-alchemy-conn SQL_ALCHEMY_CONN", "-v, --verbose", "options:"}},
      {"remote-edge-worker-request-maintenance",
       {"-H EDGE_HOSTNAME -c COMMENTS", "-H, --edge-hostname EDGE_HOSTNAME",
        "-c, --comments COMMENTS", "Put remote edge worker on maintenance."}},
      {"remote-edge-worker-exit-maintenance", {"-H, --edge-hostname EDGE_HOSTNAME"}},
      {"remote-edge-worker-update-maintenance-comment",
       {"-H, --edge-hostname EDGE_HOSTNAME", "-c, --comments COMMENTS"}},
      {"remove-remote-edge-worker", {"-H, --edge-hostname EDGE_HOSTNAME"}},
      {"shutdown-remote-edge-worker", {"-H, --edge-hostname EDGE_HOSTNAME"}},
      {"add-worker-queues", {"-H, --edge-hostname EDGE_HOSTNAME", "-q, --queues QUEUES"}},
      {"remove-worker-queues", {"-H, --edge-hostname EDGE_HOSTNAME", "-q, --queues QUEUES"}},
      {"set-worker-concurrency",
       {"-H, --edge-hostname EDGE_HOSTNAME", "-c, --concurrency CONCURRENCY"}},
      {"shutdown-all-workers",
       {"usage: edgectl shutdown-all-workers [-h] [-y]", "-y, --yes",
        "Skip confirmation prompt and proceed with shutdown"}},
      {"health", {"-o, --output (table, json, yaml, plain)", "--api-url API_URL"}},
  };
  for (const auto& [command, expected] : flags) {
    RunResult help = Run({command, "--help"});
    EXPECT_EQ(help.exit_code, 0) << command;
    EXPECT_THAT(help.out, HasSubstr("-h, --help            show this help message and exit"));
    for (const std::string& flag : expected) EXPECT_THAT(help.out, HasSubstr(flag)) << command;
  }
  RunResult db_help = Run({"db", "--help"});
  EXPECT_THAT(db_help.out, HasSubstr("init"));
  EXPECT_THAT(db_help.out, HasSubstr("check"));
}

TEST_F(EdgectlAdminCliTest, UsageErrorsExitTwoAsArgparseAndVersionNamesTheCommit) {
  RunResult unknown_flag = Run({"list-workers", "--bogus"});
  EXPECT_EQ(unknown_flag.exit_code, 2);
  EXPECT_THAT(unknown_flag.err, HasSubstr("--bogus"));
  EXPECT_EQ(unknown_flag.out, "");
  RunResult no_command = Run({});
  EXPECT_EQ(no_command.exit_code, 2);
  EXPECT_THAT(no_command.err, HasSubstr("subcommand is required"));
  RunResult version = Run({"--version"});
  EXPECT_EQ(version.exit_code, 0);
  // Test builds are not stamped; scripts/release passes the commit.
  EXPECT_THAT(version.out, StartsWith("edgectl 0.2.0 (commit unknown)"));
}

TEST_F(EdgectlAdminCliTest, APasswordOnTheCommandLineIsWarnedAboutNeverPrinted) {
  RunResult r = Run({"list-workers", "--sql-alchemy-conn", url_});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_THAT(r.err, HasSubstr("--sql-alchemy-conn carries a password"));
  EXPECT_THAT(r.err, HasSubstr("sql_alchemy_conn_cmd"));
  EXPECT_THAT(r.err + r.out, Not(HasSubstr("Secret-9")));
  // From the environment (as here by default) there is nothing to warn about.
  RunResult quiet = Run({"list-workers"});
  EXPECT_THAT(quiet.err, Not(HasSubstr("carries a password")));
}

TEST_F(EdgectlAdminCliTest, ListWorkersPrintsEveryFormat) {
  const std::string comment = "it's \"odd\"; 100% _x_\nline 2 \xe6\x97\xa5";
  InsertWorker(*conn_, {.name = "a%b;'\"", .state = "maintenance mode",
                        .queues_text = "['default', \"it's\"]", .comment = comment,
                        .jobs_active = 2});
  InsertWorker(*conn_, {.name = "b_worker", .state = "idle", .sysinfo = std::nullopt});

  RunResult json = Run({"list-workers", "-o", "json"});
  ASSERT_EQ(json.exit_code, 0) << json.err;
  nlohmann::json parsed = nlohmann::json::parse(json.out);
  ASSERT_EQ(parsed.size(), 2u);
  EXPECT_EQ(parsed[0]["worker_name"], "a%b;'\"");
  EXPECT_EQ(parsed[0]["state"], "maintenance mode");
  EXPECT_EQ(parsed[0]["queues"], nlohmann::json({"default", "it's"}));
  EXPECT_EQ(parsed[0]["jobs_active"], "2");
  EXPECT_EQ(parsed[0]["concurrency"], "8");
  EXPECT_EQ(parsed[0]["free_concurrency"], "6");
  EXPECT_EQ(parsed[0]["maintenance_comment"], comment);
  EXPECT_TRUE(parsed[1]["queues"].is_null());
  EXPECT_TRUE(parsed[1]["concurrency"].is_null());
  std::vector<std::string> keys;
  for (const auto& item : parsed[0].items()) keys.push_back(item.key());
  EXPECT_THAT(keys, ::testing::UnorderedElementsAre("worker_name", "state", "queues", "jobs_active",
                                           "concurrency", "free_concurrency",
                                           "maintenance_comment", "heartbeat_age_sec",
                                           "airflow_version", "edge_provider_version",
                                           "edgectl_version"));
  // edge3's seven columns in its order, then edgectl's (parsed JSON objects are sorted: read
  // the order from the text).
  const std::string first = json.out.substr(0, json.out.find('}'));
  EXPECT_LT(first.find("\"maintenance_comment\""), first.find("\"heartbeat_age_sec\""));
  EXPECT_LT(first.find("\"worker_name\""), first.find("\"state\""));
  EXPECT_LT(first.find("\"heartbeat_age_sec\""), first.find("\"edgectl_version\""));
  EXPECT_THAT(parsed[0]["heartbeat_age_sec"].get<std::string>(),
              ::testing::MatchesRegex("[0-9]+"));
  EXPECT_TRUE(parsed[1]["edgectl_version"].is_null()) << "no sysinfo, no versions";

  RunResult yaml = Run({"list-workers", "--output", "yaml"});
  ASSERT_EQ(yaml.exit_code, 0) << yaml.err;
  YAML::Node node = YAML::Load(yaml.out);
  ASSERT_EQ(node.size(), 2u);
  EXPECT_EQ(node[0]["maintenance_comment"].as<std::string>(), comment);
  EXPECT_EQ(node[0]["worker_name"].as<std::string>(), "a%b;'\"");
  EXPECT_EQ(node[1]["jobs_active"].as<std::string>(), "0");

  RunResult table = Run({"list-workers"});
  ASSERT_EQ(table.exit_code, 0) << table.err;
  std::vector<std::string> lines = absl::StrSplit(table.out, '\n');
  EXPECT_THAT(lines[0], StartsWith("worker_name | state            | queues"));
  EXPECT_THAT(lines[1], StartsWith("============+=================="));
  EXPECT_THAT(table.out, HasSubstr("default,it's"));

  RunResult plain = Run({"list-workers", "-o", "plain"});
  ASSERT_EQ(plain.exit_code, 0) << plain.err;
  EXPECT_THAT(plain.out, StartsWith("worker_name    state"));
  EXPECT_THAT(plain.out, HasSubstr("['default', \"it's\"]"));

  RunResult filtered = Run({"list-workers", "-o", "json", "--name-pattern", "a%*"});
  ASSERT_EQ(filtered.exit_code, 0) << filtered.err;
  EXPECT_EQ(nlohmann::json::parse(filtered.out).size(), 1u);
  RunResult by_state =
      Run({"list-workers", "-o", "json", "-s", "idle", "maintenance mode", "-q", "nothing"});
  ASSERT_EQ(by_state.exit_code, 0) << by_state.err;
  nlohmann::json states = nlohmann::json::parse(by_state.out);
  ASSERT_EQ(states.size(), 1u) << "only b_worker serves all queues";
  EXPECT_EQ(states[0]["worker_name"], "b_worker");

  RunResult bad_state = Run({"list-workers", "-s", "sleeping"});
  EXPECT_NE(bad_state.exit_code, 0);
  EXPECT_THAT(bad_state.err, HasSubstr("sleeping"));
}

TEST_F(EdgectlAdminCliTest, CommandsChangeRowsOrExitNonZeroWithAReason) {
  InsertWorker(*conn_, {.name = "busy", .state = "running", .queues_text = "['default']"});
  InsertWorker(*conn_, {.name = "gone", .state = "offline"});

  RunResult request =
      Run({"remote-edge-worker-request-maintenance", "-H", "busy", "-c", "kernel; update"});
  EXPECT_EQ(request.exit_code, 0) << request.err;
  EXPECT_THAT(request.out, HasSubstr("Edge Worker host busy has been put on maintenance by "));
  EXPECT_EQ(Column("busy", "state"), "maintenance request");
  EXPECT_EQ(Column("busy", "maintenance_comment"), "kernel; update");

  RunResult comment = Run({"remote-edge-worker-update-maintenance-comment", "--edge-hostname",
                           "busy", "--comments", "still busy"});
  EXPECT_EQ(comment.exit_code, 0) << comment.err;
  EXPECT_EQ(Column("busy", "maintenance_comment"), "still busy");

  RunResult exit = Run({"remote-edge-worker-exit-maintenance", "-H", "busy"});
  EXPECT_EQ(exit.exit_code, 0) << exit.err;
  EXPECT_EQ(Column("busy", "state"), "maintenance exit");

  RunResult offline = Run({"remote-edge-worker-request-maintenance", "-H", "gone", "-c", "x"});
  EXPECT_EQ(offline.exit_code, 1);
  EXPECT_THAT(offline.err, HasSubstr("Error: Cannot request maintenance of edge worker gone as "
                                     "it is in offline state!"));
  EXPECT_THAT(offline.err, HasSubstr("Allowed in states: starting, running, idle"));
  EXPECT_EQ(Column("gone", "state"), "offline");

  RunResult unknown = Run({"shutdown-remote-edge-worker", "-H", "ghost"});
  EXPECT_EQ(unknown.exit_code, 1);
  EXPECT_THAT(unknown.err, HasSubstr("Error: Edge Worker ghost is unknown!"));

  RunResult add = Run({"add-worker-queues", "-H", "busy", "-q", "gpu,default"});
  EXPECT_EQ(add.exit_code, 0) << add.err;
  EXPECT_EQ(Column("busy", "queues"), "['default', 'gpu']");
  RunResult too_long = Run({"add-worker-queues", "-H", "busy", "-q", std::string(257, 'q')});
  EXPECT_EQ(too_long.exit_code, 1);
  EXPECT_THAT(too_long.err, HasSubstr("at most 256 characters"));
  RunResult remove = Run({"remove-worker-queues", "-H", "busy", "-q", "default,gpu"});
  EXPECT_EQ(remove.exit_code, 0) << remove.err;
  EXPECT_EQ(Column("busy", "queues"), std::nullopt);

  RunResult zero = Run({"set-worker-concurrency", "-H", "busy", "-c", "0"});
  EXPECT_EQ(zero.exit_code, 1);
  EXPECT_THAT(zero.err, HasSubstr("positive"));
  RunResult not_a_number = Run({"set-worker-concurrency", "-H", "busy", "-c", "many"});
  EXPECT_NE(not_a_number.exit_code, 0);
  RunResult five = Run({"set-worker-concurrency", "-H", "busy", "--concurrency", "5"});
  EXPECT_EQ(five.exit_code, 0) << five.err;
  EXPECT_EQ(Column("busy", "concurrency"), "5");

  RunResult missing_flag = Run({"remove-remote-edge-worker"});
  EXPECT_NE(missing_flag.exit_code, 0);
  EXPECT_THAT(missing_flag.err, HasSubstr("--edge-hostname"));

  RunResult shut_offline = Run({"shutdown-remote-edge-worker", "-H", "gone"});
  EXPECT_EQ(shut_offline.exit_code, 0) << shut_offline.err;
  EXPECT_EQ(Column("gone", "state"), "offline");
  RunResult refuse_remove = Run({"remove-remote-edge-worker", "-H", "busy"});
  EXPECT_EQ(refuse_remove.exit_code, 1);
  EXPECT_THAT(refuse_remove.err,
              HasSubstr("Cannot remove edge worker busy as it is in maintenance exit state!"));
  RunResult removed = Run({"remove-remote-edge-worker", "-H", "gone"});
  EXPECT_EQ(removed.exit_code, 0) << removed.err;
  EXPECT_FALSE(WorkerExists(*conn_, "gone"));
}

TEST_F(EdgectlAdminCliTest, ShutdownAllWorkersNeedsYesWhenStdinIsNotATerminal) {
  InsertWorker(*conn_, {.name = "w1", .state = "idle"});
  InsertWorker(*conn_, {.name = "w2", .state = "unknown"});
  RunResult refused = Run({"shutdown-all-workers"});
  EXPECT_EQ(refused.exit_code, 1);
  EXPECT_THAT(refused.err, HasSubstr("--yes"));
  EXPECT_EQ(Column("w1", "state"), "idle");

  RunResult confirmed = Run({"shutdown-all-workers", "-y"});
  EXPECT_EQ(confirmed.exit_code, 0) << confirmed.err;
  EXPECT_THAT(confirmed.out, HasSubstr("Requested shutdown of Edge Worker host w1"));
  EXPECT_THAT(confirmed.out, HasSubstr("Requested shutdown of 1 edge workers by "));
  EXPECT_EQ(Column("w1", "state"), "shutdown request");
  EXPECT_EQ(Column("w2", "state"), "unknown");
}

// Runs edgectl on a pseudo-terminal, answers the prompt with `answer`; returns exit code and
// everything the terminal showed.
RunResult RunOnTerminal(const std::vector<std::string>& args, const std::string& url,
                        const std::string& answer) {
  RunResult result;
  int master = -1;
  pid_t pid = forkpty(&master, nullptr, nullptr, nullptr);
  if (pid == 0) {
    setenv("AIRFLOW__DATABASE__SQL_ALCHEMY_CONN", url.c_str(), 1);
    std::string binary = e2e::Runfile("cli/edgectl");
    std::vector<char*> argv = {binary.data()};
    std::vector<std::string> copy = args;
    for (std::string& a : copy) argv.push_back(a.data());
    argv.push_back(nullptr);
    execv(binary.c_str(), argv.data());
    _exit(127);
  }
  if (pid < 0) return result;
  bool answered = false;
  absl::Time deadline = absl::Now() + absl::Seconds(60);
  while (absl::Now() < deadline) {
    pollfd pfd{master, POLLIN, 0};
    if (poll(&pfd, 1, 100) <= 0) continue;
    char buffer[512];
    ssize_t n = read(master, buffer, sizeof(buffer));
    if (n <= 0) break;  // EIO once the child has exited
    result.out.append(buffer, n);
    if (!answered && result.out.find("(y/n)") != std::string::npos) {
      std::string line = answer + "\n";
      if (write(master, line.data(), line.size()) < 0) break;
      answered = true;
    }
  }
  int status = 0;
  waitpid(pid, &status, 0);
  close(master);
  result.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  return result;
}

TEST_F(EdgectlAdminCliTest, ShutdownAllWorkersAsksOnATerminal) {
  InsertWorker(*conn_, {.name = "w1", .state = "running"});
  RunResult declined = RunOnTerminal({"shutdown-all-workers"}, url_, "n");
  EXPECT_THAT(declined.out, HasSubstr("This will shutdown all active edge workers, this cannot "
                                      "be undone! Proceed? (y/n)"));
  EXPECT_THAT(declined.out, HasSubstr("Cancelled"));
  EXPECT_EQ(declined.exit_code, 1);
  EXPECT_EQ(Column("w1", "state"), "running");

  RunResult accepted = RunOnTerminal({"shutdown-all-workers"}, url_, "y");
  EXPECT_EQ(accepted.exit_code, 0) << accepted.out;
  EXPECT_EQ(Column("w1", "state"), "shutdown request");
}

TEST_F(EdgectlAdminCliTest, PasswordIsNeverPrinted) {
  InsertWorker(*conn_, {.name = "w1"});
  RunResult verbose = Run({"list-workers", "-v", "--sql-alchemy-conn", url_});
  EXPECT_EQ(verbose.exit_code, 0) << verbose.err;
  EXPECT_THAT(verbose.err, HasSubstr("Using the Airflow metadata database at host "));
  EXPECT_THAT(verbose.out + verbose.err, Not(HasSubstr(kPassword)));
  EXPECT_THAT(verbose.out + verbose.err, Not(HasSubstr(kPasswordEncoded)));

  // Nothing listens on port 1.
  const std::string unreachable =
      absl::StrCat("postgresql://airflow:", kPasswordEncoded, "@127.0.0.1:1/airflow");
  RunResult failed = Run({"remote-edge-worker-exit-maintenance", "-H", "w1", "-v",
                          "--sql-alchemy-conn", unreachable});
  EXPECT_EQ(failed.exit_code, 1);
  EXPECT_THAT(failed.err, HasSubstr("host 127.0.0.1 port 1"));
  EXPECT_THAT(failed.out + failed.err, Not(HasSubstr(kPassword)));
  EXPECT_THAT(failed.out + failed.err, Not(HasSubstr(kPasswordEncoded)));

  RunResult unset = Run({"list-workers"}, {{"AIRFLOW__DATABASE__SQL_ALCHEMY_CONN", ""}});
  EXPECT_EQ(unset.exit_code, 1);
  EXPECT_THAT(unset.err, HasSubstr("Error: The database connection is not set."));
}

TEST_F(EdgectlAdminCliTest, MissingTablesPointToDbInitAndDbCheckReportsDrift) {
  absl::StatusOr<std::string> empty =
      edgectl::testing::SharedPostgres().CreateDatabase("cli_empty");
  ASSERT_TRUE(empty.ok()) << empty.status();
  const std::string empty_url = SqlAlchemyUrl(*empty);
  RunResult missing = Run({"list-workers", "--sql-alchemy-conn", empty_url});
  EXPECT_EQ(missing.exit_code, 1);
  EXPECT_THAT(missing.err, HasSubstr("edgectl db init"));
  RunResult check_empty = Run({"db", "check", "--sql-alchemy-conn", empty_url});
  EXPECT_EQ(check_empty.exit_code, 1);
  EXPECT_THAT(check_empty.err, HasSubstr("edge3 tables missing: edge_job, edge_logs, edge_worker"));
  EXPECT_THAT(check_empty.err, HasSubstr("edgectl db init"));

  RunResult init = Run({"db", "init", "--sql-alchemy-conn", empty_url});
  EXPECT_EQ(init.exit_code, 0) << init.err;
  EXPECT_THAT(init.out, HasSubstr("Created the edge3 tables at alembic revision cd96a0a0e458"));
  RunResult again = Run({"db", "init", "--sql-alchemy-conn", empty_url});
  EXPECT_EQ(again.exit_code, 0) << again.err;
  EXPECT_THAT(again.out, HasSubstr("already at alembic revision cd96a0a0e458"));
  RunResult check = Run({"db", "check", "--sql-alchemy-conn", empty_url});
  EXPECT_EQ(check.exit_code, 0) << check.out << check.err;
  EXPECT_THAT(check.out, HasSubstr("Found edge3 schema revision cd96a0a0e458 (edge3 5.2.x)"));
  RunResult listed = Run({"list-workers", "--sql-alchemy-conn", empty_url});
  EXPECT_EQ(listed.exit_code, 0) << listed.err;
  EXPECT_EQ(listed.out, "No data found\n");

  {
    pqxx::connection conn(*empty);
    pqxx::work tx(conn);
    tx.exec0("ALTER TABLE edge_worker DROP COLUMN concurrency");
    tx.commit();
  }
  RunResult drift = Run({"db", "check", "--sql-alchemy-conn", empty_url});
  EXPECT_EQ(drift.exit_code, 1);
  EXPECT_THAT(drift.out, HasSubstr("edge_worker.concurrency"));
  EXPECT_THAT(drift.err, HasSubstr("edgectl db init"));
}

TEST_F(EdgectlAdminCliTest, DbInitWithNotifyInstallsTheTriggerAndWithoutNotifyRemovesIt) {
  absl::StatusOr<std::string> db =
      edgectl::testing::SharedPostgres().CreateDatabase("cli_notify");
  ASSERT_TRUE(db.ok()) << db.status();
  const std::string url = SqlAlchemyUrl(*db);
  auto triggers = [&] {
    pqxx::connection conn(*db);
    pqxx::read_transaction tx(conn);
    return tx.exec1("SELECT count(*) FROM pg_trigger WHERE tgname IN ('edgectl_edge_job_notify', "
                    "'edgectl_edge_worker_notify', 'edgectl_worker_token_notify')")[0]
        .as<int>();
  };
  RunResult plain = Run({"db", "init", "--sql-alchemy-conn", url});
  ASSERT_EQ(plain.exit_code, 0) << plain.err;
  EXPECT_EQ(triggers(), 0);  // optional: never installed unasked
  RunResult check = Run({"db", "check", "--sql-alchemy-conn", url});
  EXPECT_EQ(check.exit_code, 0) << check.err;
  EXPECT_THAT(check.out, HasSubstr("Notification triggers: not installed"));

  RunResult with = Run({"db", "init", "--with-notify", "--sql-alchemy-conn", url});
  ASSERT_EQ(with.exit_code, 0) << with.err;
  EXPECT_THAT(with.out, HasSubstr("edgectl_edge_job_notify on edge_job"));
  EXPECT_THAT(with.out, HasSubstr("edgectl_edge_worker_notify on edge_worker"));
  EXPECT_EQ(triggers(), 3);
  check = Run({"db", "check", "--sql-alchemy-conn", url});
  EXPECT_EQ(check.exit_code, 0) << check.err;  // an installed trigger is not schema drift
  EXPECT_THAT(check.out, HasSubstr("Notification triggers: installed"));

  {  // A migration that recreated edge_worker would drop its trigger: check names what is missing.
    pqxx::connection conn(*db);
    pqxx::work tx(conn);
    tx.exec0("DROP TRIGGER edgectl_edge_worker_notify ON edge_worker");
    tx.commit();
  }
  check = Run({"db", "check", "--sql-alchemy-conn", url});
  EXPECT_EQ(check.exit_code, 0) << check.err;
  EXPECT_THAT(check.out, HasSubstr("partly installed (edge_job yes, edge_worker no"));

  RunResult both = Run({"db", "init", "--with-notify", "--without-notify", "--sql-alchemy-conn", url});
  EXPECT_NE(both.exit_code, 0);
  RunResult without = Run({"db", "init", "--without-notify", "--sql-alchemy-conn", url});
  ASSERT_EQ(without.exit_code, 0) << without.err;
  EXPECT_EQ(triggers(), 0);
  check = Run({"db", "check", "--sql-alchemy-conn", url});
  EXPECT_THAT(check.out, HasSubstr("Notification triggers: not installed"));
}

}  // namespace
}  // namespace edgectl::admin
