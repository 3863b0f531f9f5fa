// AirflowConfig: Airflow's precedence (env, env _CMD, env _SECRET, airflow.cfg, file _cmd, file
// _secret, defaults), expansion, sources and warnings. `_cmd` runs real /bin/sh where it says so;
// elsewhere a recording runner shows which commands ran.
#include "common/airflow_config.h"

#include <cstdlib>
#include <fstream>

#include "absl/strings/str_cat.h"
#include "common/config_secrets.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace edgectl {
namespace {

using ::testing::AllOf;
using ::testing::Contains;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::Not;
using ::testing::UnorderedElementsAre;
using Kind = ConfigSource::Kind;

using Env = std::map<std::string, std::string>;

// A runner that answers "out:<command>" and records what it was asked to run.
struct RecordingRunner {
  std::shared_ptr<std::vector<std::string>> ran = std::make_shared<std::vector<std::string>>();
  AirflowConfigOptions Options() const {
    AirflowConfigOptions options;
    options.file_path = "/cfg/airflow.cfg";
    auto log = ran;
    options.run_command = [log](const std::string& command) -> absl::StatusOr<std::string> {
      log->push_back(command);
      return "out:" + command;
    };
    return options;
  }
};

AirflowConfig Load(const std::string& ini, const Env& env, const AirflowConfigOptions& options) {
  absl::StatusOr<AirflowConfig> config = AirflowConfig::FromText(ini, env, options);
  EXPECT_TRUE(config.ok()) << config.status();
  return config.ok() ? *std::move(config) : *AirflowConfig::FromText("", {});
}

std::string TempFile(const std::string& name, const std::string& text) {
  const char* dir = std::getenv("TEST_TMPDIR");
  const std::string path = absl::StrCat(dir != nullptr ? dir : "/tmp", "/", name);
  std::ofstream(path, std::ios::binary) << text;
  return path;
}

TEST(AirflowConfigTest, FileThenEnvironmentThenOverride) {
  auto config = AirflowConfig::FromText(
      "# comment\n[edge]\napi_url = http://file/edge_worker/v1/rpcapi\nheartbeat_interval = 7\n"
      "[api_auth]\njwt_secret = from-file\n",
      {{"AIRFLOW__EDGE__HEARTBEAT_INTERVAL", "11"}, {"AIRFLOW__CORE__EXECUTOR", "EdgeExecutor"}});
  ASSERT_TRUE(config.ok()) << config.status();
  EXPECT_EQ(config->Get("edge", "api_url"), "http://file/edge_worker/v1/rpcapi");
  EXPECT_EQ(*config->GetInt("edge", "heartbeat_interval", 30), 11);
  EXPECT_EQ(config->Get("API_AUTH", "JWT_Secret"), "from-file");  // lookups take any case
  EXPECT_EQ(config->Get("core", "executor"), "EdgeExecutor");
  config->Set("edge", "heartbeat_interval", "3");
  EXPECT_EQ(*config->GetInt("edge", "heartbeat_interval", 30), 3);
  EXPECT_EQ(config->SourceOf("edge", "heartbeat_interval")->kind, Kind::kOverride);
}

TEST(AirflowConfigTest, DefaultsMatchEdge3) {
  auto config = AirflowConfig::FromText("", {});
  ASSERT_TRUE(config.ok());
  EXPECT_EQ(*config->GetInt("edge", "worker_concurrency", 0), 8);
  EXPECT_EQ(*config->GetInt("edge", "heartbeat_interval", 0), 30);
  EXPECT_EQ(*config->GetInt("edge", "push_log_chunk_size", 0), 524288);
  EXPECT_TRUE(*config->GetBool("edge", "push_logs", false));
  EXPECT_EQ(*config->GetInt("api_auth", "jwt_leeway", 0), 10);
  EXPECT_FALSE(config->Get("edge", "api_url").has_value());
}

TEST(AirflowConfigTest, BadValuesNameTheOption) {
  auto config = AirflowConfig::FromText(
      "[edge]\nheartbeat_interval = soon\npush_logs = maybe\napi_enabled = True # on\n", {});
  ASSERT_TRUE(config.ok());
  auto interval = config->GetInt("edge", "heartbeat_interval", 30);
  ASSERT_FALSE(interval.ok());
  EXPECT_THAT(interval.status().message(), HasSubstr("[edge] heartbeat_interval"));
  EXPECT_THAT(interval.status().message(), HasSubstr("soon"));
  EXPECT_FALSE(config->GetBool("edge", "push_logs", true).ok());
  EXPECT_TRUE(*config->GetBool("edge", "api_enabled", false));  // getboolean drops "# ..."
}

TEST(AirflowConfigTest, MalformedFileIsAnError) {
  auto no_section = AirflowConfig::FromText("api_url = x\n", {});
  ASSERT_FALSE(no_section.ok());
  EXPECT_THAT(no_section.status().message(), HasSubstr("line 1"));
  EXPECT_FALSE(AirflowConfig::FromText("[edge\n", {}).ok());
  auto bad_percent = AirflowConfig::FromText("[core]\n[api_auth]\njwt_secret = 50%off\n", {});
  ASSERT_FALSE(bad_percent.ok());
  EXPECT_THAT(bad_percent.status().message(),
              AllOf(HasSubstr("airflow.cfg line 3"), HasSubstr("[api_auth] jwt_secret"),
                    HasSubstr("%%"), Not(HasSubstr("50%off"))));
}

TEST(AirflowConfigTest, PercentInterpolationAndContinuationLines) {
  AirflowConfig config = Load(
      "[DEFAULT]\ndb_host = db.example\n"
      "[database]\nsql_alchemy_conn = postgresql://airflow:p%%40ss@%(db_host)s/airflow\n"
      "[dag_processor]\ndag_bundle_config_list = [\n    {\"name\": \"dags\"}\n  ]\n",
      {}, AirflowConfigOptions());
  EXPECT_EQ(config.Get("database", "sql_alchemy_conn"),
            "postgresql://airflow:p%40ss@db.example/airflow");
  EXPECT_EQ(config.Get("dag_processor", "dag_bundle_config_list"), "[\n{\"name\": \"dags\"}\n]");
}

TEST(AirflowConfigTest, UpperCaseNamesInTheFileAreNotReadAndAreReported) {
  AirflowConfig config = Load("[API_AUTH]\njwt_secret = a\n[edge]\nAPI_URL = http://x\n",
                              {{"AIRFLOW__edge__api_url", "http://y"}}, AirflowConfigOptions());
  EXPECT_FALSE(config.Get("api_auth", "jwt_secret").has_value());
  EXPECT_FALSE(config.Get("edge", "api_url").has_value());
  EXPECT_THAT(config.Warnings(), Contains(HasSubstr("[API_AUTH] (airflow.cfg line 1) is never read")));
  EXPECT_THAT(config.Warnings(), Contains(HasSubstr("[edge] API_URL (airflow.cfg line 4)")));
  EXPECT_THAT(config.Warnings(), Contains(HasSubstr("AIRFLOW__edge__api_url is never read")));
}

TEST(AirflowConfigTest, PrecedenceIsAirflows) {
  RecordingRunner runner;
  const std::string file =
      "[api_auth]\njwt_secret = file\njwt_secret_cmd = file-cmd\n"
      "[database]\nsql_alchemy_conn_cmd = file-cmd\n"
      "[core]\nfernet_key_cmd = file-cmd\n";
  AirflowConfig config = Load(file,
                              {{"AIRFLOW__API_AUTH__JWT_SECRET", "env"},
                               {"AIRFLOW__API_AUTH__JWT_SECRET_CMD", "env-cmd"},
                               {"AIRFLOW__DATABASE__SQL_ALCHEMY_CONN_CMD", "env-cmd"}},
                              runner.Options());
  EXPECT_EQ(config.Get("api_auth", "jwt_secret"), "env");                   // env beats all
  EXPECT_EQ(config.Get("database", "sql_alchemy_conn"), "out:env-cmd");    // env _CMD > file
  EXPECT_EQ(config.Get("core", "fernet_key"), "out:file-cmd");             // file _cmd
  // Only the commands that decide a value ran.
  EXPECT_THAT(*runner.ran, UnorderedElementsAre("env-cmd", "file-cmd"));

  RecordingRunner second;
  AirflowConfig file_wins = Load(file, {}, second.Options());
  EXPECT_EQ(file_wins.Get("api_auth", "jwt_secret"), "file");  // the value beats its _cmd
  EXPECT_EQ(file_wins.SourceOf("api_auth", "jwt_secret")->where, "/cfg/airflow.cfg line 2");
}

TEST(AirflowConfigTest, CommandsFromFileAndEnvRunWithRealShell) {
  AirflowConfig config = Load(
      "[api_auth]\njwt_secret_cmd = /bin/sh -c 'printf \"%%s\\n\" from-file-sh'\n",
      {{"AIRFLOW__DATABASE__SQL_ALCHEMY_CONN_CMD",
        "/bin/sh -c 'echo postgresql://u@h/$0' airflow"}},
      AirflowConfigOptions());
  // Output is not stripped, as Airflow's run_command leaves it.
  EXPECT_EQ(config.Get("api_auth", "jwt_secret"), "from-file-sh\n");
  EXPECT_EQ(config.Get("database", "sql_alchemy_conn"), "postgresql://u@h/airflow\n");
  EXPECT_EQ(config.SourceOf("api_auth", "jwt_secret")->kind, Kind::kFileCommand);
  EXPECT_EQ(config.SourceOf("database", "sql_alchemy_conn")->where,
            "AIRFLOW__DATABASE__SQL_ALCHEMY_CONN_CMD");
}

TEST(AirflowConfigTest, CmdOnANonSensitiveOptionIsAnOrdinaryOption) {
  RecordingRunner runner;
  AirflowConfig config = Load("[edge]\napi_url_cmd = echo http://x\n",
                              {{"AIRFLOW__CORE__EXECUTOR_CMD", "echo EdgeExecutor"}},
                              runner.Options());
  EXPECT_FALSE(config.Get("edge", "api_url").has_value());
  EXPECT_EQ(config.Get("edge", "api_url_cmd"), "echo http://x");
  EXPECT_FALSE(config.Get("core", "executor").has_value());
  EXPECT_EQ(config.Get("core", "executor_cmd"), "echo EdgeExecutor");
  EXPECT_THAT(*runner.ran, IsEmpty());
  EXPECT_THAT(config.Warnings(), Contains(HasSubstr("[edge] api_url_cmd")));
  EXPECT_THAT(config.Warnings(), Contains(HasSubstr("[core] executor_cmd")));
}

TEST(AirflowConfigTest, FailingCommandNamesOptionAndStatusButNotOutput) {
  auto from_file = AirflowConfig::FromText(
      "[core]\n[api_auth]\njwt_secret_cmd = /bin/sh -c 'echo TopSecret; exit 3'\n", {});
  ASSERT_FALSE(from_file.ok());
  EXPECT_THAT(from_file.status().message(),
              AllOf(HasSubstr("[api_auth] jwt_secret_cmd (airflow.cfg line 3)"),
                    HasSubstr("exited with status 3"), Not(HasSubstr("TopSecret"))));
  auto from_env = AirflowConfig::FromText(
      "", {{"AIRFLOW__CORE__FERNET_KEY_CMD", "/bin/sh -c 'echo TopSecret >&2; exit 7'"}});
  ASSERT_FALSE(from_env.ok());
  EXPECT_THAT(from_env.status().message(),
              AllOf(HasSubstr("AIRFLOW__CORE__FERNET_KEY_CMD"), HasSubstr("status 7"),
                    Not(HasSubstr("TopSecret"))));
}

TEST(AirflowConfigTest, EmptyFileCommandOutputFallsThrough) {
  AirflowConfig config = Load("[core]\nfernet_key_cmd = /bin/true\n", {}, AirflowConfigOptions());
  EXPECT_FALSE(config.Get("core", "fernet_key").has_value());
  EXPECT_THAT(config.Warnings(), Contains(HasSubstr("gave an empty value")));
  // From the environment an empty output is the value, as in Airflow.
  AirflowConfig env = Load("", {{"AIRFLOW__CORE__FERNET_KEY_CMD", "/bin/true"}},
                           AirflowConfigOptions());
  EXPECT_EQ(env.Get("core", "fernet_key"), "");
}

TEST(AirflowConfigTest, ExpandsVariablesWhereAirflowDoes) {
  RecordingRunner runner;
  AirflowConfig config = Load(
      "[logging]\nbase_log_folder = ~/logs/$SUB\n"
      "[api_auth]\njwt_secret_cmd = cat $HOME/jwt\n",
      {{"HOME", "/home/af"}, {"SUB", "edge"}, {"AIRFLOW__CORE__DAGS_FOLDER", "${HOME}/dags"}},
      runner.Options());
  EXPECT_EQ(config.Get("logging", "base_log_folder"), "/home/af/logs/edge");
  EXPECT_EQ(config.Get("core", "dags_folder"), "/home/af/dags");
  // Neither the command text nor its output is expanded.
  EXPECT_THAT(*runner.ran, ElementsAre("cat $HOME/jwt"));
  EXPECT_EQ(config.Get("api_auth", "jwt_secret"), "out:cat $HOME/jwt");
}

TEST(AirflowConfigTest, SecretsFromTheLocalFilesystemBackend) {
  const std::string configs = TempFile("configs.json", R"({"jwt": "s3cret", "db": "postgresql://x"})");
  AirflowConfig config = Load(
      absl::StrCat("[secrets]\nbackend = ", kLocalFilesystemBackend,
                   "\nbackend_kwargs = {\"configs_file_path\": \"", configs, "\"}\n",
                   "[api_auth]\njwt_secret_secret = jwt\n"),
      {{"AIRFLOW__DATABASE__SQL_ALCHEMY_CONN_SECRET", "db"}}, AirflowConfigOptions());
  EXPECT_EQ(config.Get("api_auth", "jwt_secret"), "s3cret");
  EXPECT_EQ(config.SourceOf("api_auth", "jwt_secret")->kind, Kind::kFileSecret);
  EXPECT_EQ(config.Get("database", "sql_alchemy_conn"), "postgresql://x");
  EXPECT_EQ(config.SourceOf("database", "sql_alchemy_conn")->AirflowLabel(), "secret");
}

TEST(AirflowConfigTest, UnusableSecretsAreErrorsNamingOptionAndBackend) {
  auto vault = AirflowConfig::FromText(
      "[secrets]\nbackend = airflow.providers.hashicorp.secrets.vault.VaultBackend\n"
      "backend_kwargs = {\"token\": \"TopSecret\"}\n[api_auth]\njwt_secret_secret = jwt\n",
      {});
  ASSERT_FALSE(vault.ok());
  EXPECT_THAT(vault.status().message(),
              AllOf(HasSubstr("[api_auth] jwt_secret_secret (airflow.cfg line 5)"),
                    HasSubstr("VaultBackend"), Not(HasSubstr("TopSecret"))));
  auto none = AirflowConfig::FromText("", {{"AIRFLOW__CORE__FERNET_KEY_SECRET", "fernet"}});
  ASSERT_FALSE(none.ok());
  EXPECT_THAT(none.status().message(),
              AllOf(HasSubstr("AIRFLOW__CORE__FERNET_KEY_SECRET"),
                    HasSubstr("[secrets] backend is not set")));
  auto loop = AirflowConfig::FromText(
      absl::StrCat("[secrets]\nbackend = ", kLocalFilesystemBackend,
                   "\nbackend_kwargs_secret = kwargs\n[core]\nfernet_key_secret = f\n"),
      {});
  ASSERT_FALSE(loop.ok());
  EXPECT_THAT(loop.status().message(), HasSubstr("needed to read itself"));
}

TEST(AirflowConfigTest, SourcesSayWhereEachValueCameFrom) {
  RecordingRunner runner;
  AirflowConfig config = Load("[edge]\napi_url = http://file\n[core]\nfernet_key_cmd = k\n",
                              {{"AIRFLOW__EDGE__HEARTBEAT_INTERVAL", "9"}}, runner.Options());
  config.Set("edge", "controlplane_tls_cert", "/etc/cert.pem");
  EXPECT_EQ(config.SourceOf("edge", "worker_concurrency")->Describe(), "default");
  EXPECT_EQ(config.SourceOf("edge", "api_url")->Describe(), "/cfg/airflow.cfg line 2");
  EXPECT_EQ(config.SourceOf("edge", "api_url")->AirflowLabel(), "airflow.cfg");
  EXPECT_EQ(config.SourceOf("edge", "heartbeat_interval")->Describe(),
            "env var AIRFLOW__EDGE__HEARTBEAT_INTERVAL");
  EXPECT_EQ(config.SourceOf("core", "fernet_key")->Describe(),
            "command in /cfg/airflow.cfg line 4");
  EXPECT_EQ(config.SourceOf("core", "fernet_key")->AirflowLabel(), "cmd");
  EXPECT_EQ(config.SourceOf("edge", "controlplane_tls_cert")->AirflowLabel(), "command-line flag");
  EXPECT_FALSE(config.SourceOf("edge", "no_such_option").has_value());
}

TEST(AirflowConfigTest, ListShowsEffectiveOptionsAndMarksSensitiveOnes) {
  RecordingRunner runner;
  AirflowConfig config =
      Load("[logging]\nlog_format = %%(message)s\n[core]\nfernet_key_cmd = k\n", {},
           runner.Options());
  std::vector<ConfigOption> options = config.List();
  bool saw_fernet = false, saw_format = false;
  for (const ConfigOption& option : options) {
    EXPECT_NE(option.key, "fernet_key_cmd");  // shown as the option it produces
    if (option.key == "fernet_key") {
      saw_fernet = true;
      EXPECT_TRUE(option.sensitive);
      EXPECT_EQ(option.value, "out:k");
    }
    if (option.key == "log_format") {
      saw_format = true;
      EXPECT_FALSE(option.sensitive);
      EXPECT_EQ(option.value, "%(message)s");
      EXPECT_EQ(option.cfg_value, "%%(message)s");
    }
  }
  EXPECT_TRUE(saw_fernet);
  EXPECT_TRUE(saw_format);
}

TEST(AirflowConfigTest, SensitiveOptionsAreAirflows) {
  for (const auto& [section, key] : std::vector<std::pair<std::string, std::string>>{
           {"database", "sql_alchemy_conn"}, {"api_auth", "jwt_secret"}, {"core", "fernet_key"},
           {"secrets", "backend_kwargs"}, {"webserver", "secret_key"}, {"api", "secret_key"},
           {"sentry", "sentry_dsn"}, {"celery", "broker_url"}}) {
    EXPECT_TRUE(AirflowConfig::IsSensitive(section, key)) << section << " " << key;
  }
  EXPECT_TRUE(AirflowConfig::IsSensitive("API_AUTH", "JWT_SECRET"));
  EXPECT_FALSE(AirflowConfig::IsSensitive("edge", "api_url"));
}

}  // namespace
}  // namespace edgectl
