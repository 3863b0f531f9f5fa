// `edgectl config get-value` / `edgectl config list` through the real //cli:edgectl binary, each
// test with its own AIRFLOW_HOME: values, exit codes, masking, sources, usage errors.
#include <cstdlib>
#include <fstream>
#include <map>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/time/time.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/e2e/child_process.h"

namespace edgectl {
namespace {

using ::testing::AllOf;
using ::testing::HasSubstr;
using ::testing::Not;

constexpr char kJwt[] = "Jwt-TopSecret-1";
constexpr char kDbPassword[] = "Db-TopSecret-2";
constexpr char kFernet[] = "Fernet-TopSecret-3";

class ConfigCommandTest : public ::testing::Test {
 protected:
  void SetUp() override {
    const char* base = std::getenv("TEST_TMPDIR");
    std::string templ = absl::StrCat(base != nullptr ? base : "/tmp", "/edgectl-config-XXXXXX");
    ASSERT_NE(mkdtemp(templ.data()), nullptr);
    home_ = templ;
  }

  void WriteConfig(const std::string& text) {
    std::ofstream(home_ + "/airflow.cfg", std::ios::binary) << text;
  }

  e2e::CommandOutput Run(const std::vector<std::string>& args,
                         std::map<std::string, std::string> env = {}) {
    std::vector<std::string> argv = {e2e::Runfile("cli/edgectl")};
    argv.insert(argv.end(), args.begin(), args.end());
    env.emplace("AIRFLOW_HOME", home_);
    absl::StatusOr<e2e::CommandOutput> result =
        e2e::ChildProcess::RunToCompletion(argv, env, home_, absl::Seconds(30));
    EXPECT_TRUE(result.ok()) << result.status();
    return result.ok() ? *result : e2e::CommandOutput{};
  }

  std::string home_;
};

TEST_F(ConfigCommandTest, GetValuePrintsTheEffectiveValue) {
  WriteConfig(
      "[DEFAULT]\nhost = db.example\n"
      "[logging]\nlog_format = [%%(asctime)s] %%(message)s\n"
      "[database]\nsql_alchemy_conn = postgresql://airflow@%(host)s/airflow\n"
      "[edge]\napi_url = http://file/edge_worker/v1/rpcapi\n");
  e2e::CommandOutput format = Run({"config", "get-value", "logging", "log_format"});
  EXPECT_EQ(format.exit_code, 0) << format.err;
  EXPECT_EQ(format.out, "[%(asctime)s] %(message)s\n");
  EXPECT_EQ(Run({"config", "get-value", "database", "sql_alchemy_conn"}).out,
            "postgresql://airflow@db.example/airflow\n");
  // The environment wins over the file; names take any case.
  e2e::CommandOutput env = Run({"config", "get-value", "EDGE", "API_URL"},
                               {{"AIRFLOW__EDGE__API_URL", "http://env/$SUFFIX"},
                                {"SUFFIX", "edge_worker/v1/rpcapi"}});
  EXPECT_EQ(env.out, "http://env/edge_worker/v1/rpcapi\n");
  EXPECT_EQ(Run({"config", "get-value", "edge", "heartbeat_interval"}).out, "30\n");
}

TEST_F(ConfigCommandTest, GetValueOfAnUnsetOptionExitsOne) {
  e2e::CommandOutput out = Run({"config", "get-value", "edge", "no_such_option"});
  EXPECT_EQ(out.exit_code, 1);
  EXPECT_EQ(out.out, "");
  EXPECT_EQ(out.err, "The option [edge/no_such_option] is not found in config.\n");
}

TEST_F(ConfigCommandTest, GetValueRunsCmdFromFileAndEnvironment) {
  WriteConfig(absl::StrCat("[api_auth]\njwt_secret_cmd = /bin/sh -c 'echo ", kJwt, "'\n"));
  e2e::CommandOutput file = Run({"config", "get-value", "api_auth", "jwt_secret"});
  EXPECT_EQ(file.exit_code, 0) << file.err;
  EXPECT_EQ(file.out, absl::StrCat(kJwt, "\n\n"));  // the command's newline stays, as in Airflow
  e2e::CommandOutput env =
      Run({"config", "get-value", "core", "fernet_key"},
          {{"AIRFLOW__CORE__FERNET_KEY_CMD", absl::StrCat("printf ", kFernet)}});
  EXPECT_EQ(env.out, absl::StrCat(kFernet, "\n"));
}

TEST_F(ConfigCommandTest, FailingCmdExitsOneWithoutItsOutput) {
  WriteConfig("[api_auth]\njwt_secret_cmd = /bin/sh -c 'echo Leaked-TopSecret; exit 4'\n");
  e2e::CommandOutput out = Run({"config", "get-value", "edge", "heartbeat_interval"});
  EXPECT_EQ(out.exit_code, 1);
  EXPECT_THAT(out.err, AllOf(HasSubstr("[api_auth] jwt_secret_cmd"),
                             HasSubstr(home_ + "/airflow.cfg line 2"),
                             HasSubstr("exited with status 4")));
  EXPECT_THAT(out.combined(), Not(HasSubstr("Leaked-TopSecret")));
}

TEST_F(ConfigCommandTest, ListMasksSensitiveValuesAndShowsSources) {
  WriteConfig(absl::StrCat("[api_auth]\njwt_secret = ", kJwt,
                           "\n[core]\nfernet_key_cmd = printf ", kFernet,
                           "\n[logging]\nlog_format = %%(message)s\n"));
  e2e::CommandOutput out = Run(
      {"config", "list", "--include-sources"},
      {{"AIRFLOW__DATABASE__SQL_ALCHEMY_CONN",
        absl::StrCat("postgresql://airflow:", kDbPassword, "@db/airflow")},
       {"AIRFLOW__EDGE__API_URL", "http://api/edge_worker/v1/rpcapi"}});
  EXPECT_EQ(out.exit_code, 0) << out.err;
  for (const char* secret : {kJwt, kDbPassword, kFernet}) {
    EXPECT_THAT(out.combined(), Not(HasSubstr(secret)));
  }
  EXPECT_THAT(out.out, HasSubstr(absl::StrCat("#\n# Source: airflow.cfg (", home_,
                                              "/airflow.cfg line 2)\njwt_secret = < hidden >\n")));
  EXPECT_THAT(out.out, HasSubstr(absl::StrCat("# Source: cmd (", home_,
                                              "/airflow.cfg line 4)\nfernet_key = < hidden >\n")));
  EXPECT_THAT(out.out, HasSubstr("# Source: env var (AIRFLOW__DATABASE__SQL_ALCHEMY_CONN)\n"
                                 "sql_alchemy_conn = < hidden >\n"));
  EXPECT_THAT(out.out, HasSubstr("# Source: env var (AIRFLOW__EDGE__API_URL)\n"
                                 "api_url = http://api/edge_worker/v1/rpcapi\n"));
  EXPECT_THAT(out.out, HasSubstr("# Source: default\nheartbeat_interval = 30\n"));
  EXPECT_THAT(out.out, HasSubstr("log_format = %%(message)s\n"));  // airflow.cfg syntax
  EXPECT_THAT(out.out, Not(HasSubstr("fernet_key_cmd")));
}

TEST_F(ConfigCommandTest, ListOneSectionWithVariablesOrCommentedOut) {
  WriteConfig("[edge]\napi_url = http://x\n[core]\nexecutor = EdgeExecutor\n");
  e2e::CommandOutput edge = Run({"config", "list", "--section", "edge", "-V"});
  EXPECT_EQ(edge.exit_code, 0) << edge.err;
  EXPECT_THAT(edge.out, HasSubstr("[edge]\n#\n# Variable: AIRFLOW__EDGE__API_URL\n#\n"
                                  "api_url = http://x\n\n"));
  EXPECT_THAT(edge.out, Not(HasSubstr("[core]")));
  e2e::CommandOutput commented = Run({"config", "list", "-c", "--section=core"});
  EXPECT_EQ(commented.out, "[core]\n# daemon_umask = 0o077\n# executor = EdgeExecutor\n\n");
  e2e::CommandOutput defaults = Run({"config", "list", "--defaults", "--section", "core"});
  EXPECT_EQ(defaults.out,
            "[core]\n#\n# Variable: AIRFLOW__CORE__DAEMON_UMASK\n#\n# daemon_umask = 0o077\n\n\n");
}

TEST_F(ConfigCommandTest, WarningsGoToStderr) {
  WriteConfig("[API_AUTH]\njwt_secret = x\n[core]\nexecutor_cmd = echo y\n");
  e2e::CommandOutput out = Run({"config", "get-value", "core", "executor_cmd"});
  EXPECT_EQ(out.exit_code, 0);
  EXPECT_EQ(out.out, "echo y\n");
  EXPECT_THAT(out.err, AllOf(HasSubstr("warning: [API_AUTH]"), HasSubstr("is never read"),
                             HasSubstr("[core] executor_cmd")));
}

TEST_F(ConfigCommandTest, UsageErrorsExitTwoAsArgparse) {
  e2e::CommandOutput missing = Run({"config", "get-value", "edge"});
  EXPECT_EQ(missing.exit_code, 2);
  EXPECT_THAT(missing.out, HasSubstr("get-value"));  // the help, on stdout
  EXPECT_THAT(missing.err, HasSubstr("edgectl config get-value command error: the following "
                                     "arguments are required: option, see help above."));
  e2e::CommandOutput extra = Run({"config", "list", "--bogus"});
  EXPECT_EQ(extra.exit_code, 2);
  EXPECT_THAT(extra.err, HasSubstr("unrecognized arguments: --bogus"));
  e2e::CommandOutput color = Run({"config", "list", "--color", "pink"});
  EXPECT_EQ(color.exit_code, 2);
  EXPECT_THAT(color.err, HasSubstr("argument --color: invalid choice: 'pink'"));
  e2e::CommandOutput bare_section = Run({"config", "list", "--section"});
  EXPECT_EQ(bare_section.exit_code, 2);
  EXPECT_THAT(bare_section.err, HasSubstr("argument --section: expected one argument"));
  e2e::CommandOutput no_command = Run({"config"});
  EXPECT_EQ(no_command.exit_code, 2);
  EXPECT_THAT(no_command.err, HasSubstr("the following arguments are required: COMMAND"));
  e2e::CommandOutput bad_command = Run({"config", "show"});
  EXPECT_EQ(bad_command.exit_code, 2);
  EXPECT_THAT(bad_command.err, HasSubstr("argument COMMAND: invalid choice: 'show'"));
  EXPECT_EQ(Run({"config", "list", "--help"}).exit_code, 0);
}

}  // namespace
}  // namespace edgectl
