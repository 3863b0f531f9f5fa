// `edgectl controlplane` as a real process: configuration from AIRFLOW__ variables (with the
// SQLAlchemy URL form) and flags, the startup line with the actual ports, gRPC and /metrics
// served, clean exit on SIGTERM, clear errors for bad configuration, no secret in the output.
#include <signal.h>

#include <gtest/gtest.h>
#include <httplib.h>

#include <cstdlib>
#include <fstream>
#include <regex>

#include "absl/strings/str_cat.h"
#include "common/database_url.h"
#include "tests/controlplane/sidecar_harness.h"
#include "tests/e2e/child_process.h"
#include "tests/fixtures/edge_database.h"

namespace edgectl::testing {
namespace {

constexpr char kSecret[] = "s3cr3t-jwt-value-never-printed";

class ControlPlaneCommandTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::string(std::getenv("TEST_TMPDIR")) + "/" +
           ::testing::UnitTest::GetInstance()->current_test_info()->name();
    ASSERT_EQ(system(("mkdir -p " + dir_).c_str()), 0);
    secret_file_ = dir_ + "/jwt_secret";
    std::ofstream(secret_file_) << kSecret << "\n";
  }

  std::unique_ptr<e2e::ChildProcess> Start(const std::vector<std::string>& flags,
                                           const std::map<std::string, std::string>& env) {
    std::vector<std::string> argv = {e2e::Runfile("tests/controlplane/controlplane_main"),
                                     "controlplane"};
    argv.insert(argv.end(), flags.begin(), flags.end());
    std::map<std::string, std::string> full_env = env;
    full_env["AIRFLOW_HOME"] = dir_;
    auto child = e2e::ChildProcess::Start(argv, full_env, dir_);
    EXPECT_TRUE(child.ok()) << child.status();
    return child.ok() ? *std::move(child) : nullptr;
  }

  std::string dir_;
  std::string secret_file_;
};

TEST_F(ControlPlaneCommandTest, ServesUntilSigtermThenExitsCleanly) {
  const std::string dsn = CreateEdgeDatabase("cp_command");
  ASSERT_FALSE(dsn.empty());
  absl::StatusOr<DatabaseUrl> db = ParseDatabaseUrl(dsn);
  ASSERT_TRUE(db.ok());
  // Airflow's form of the same database.
  const std::string url = absl::StrCat("postgresql+psycopg2://", db->user, "@", db->host, ":",
                                       db->port, "/", db->dbname);
  const TestPki& pki = SharedPki();
  auto child = Start({"--jwt-secret-file", secret_file_, "--listen-address", "127.0.0.1:0",
                      "--metrics-address", "127.0.0.1:0", "--heartbeat-interval", "12",
                      "--tls-cert", pki.sidecar().cert, "--tls-key", pki.sidecar().key,
                      "--worker-tokens"},
                     {{"AIRFLOW__EDGE__API_URL", "http://127.0.0.1:9/edge_worker/v1/rpcapi"},
                      {"AIRFLOW__DATABASE__SQL_ALCHEMY_CONN", url},
                      {"AIRFLOW__EDGE__API_RETRIES", "1"}});
  ASSERT_NE(child, nullptr);
  absl::StatusOr<std::string> out =
      child->WaitForOutput("controlplane listening on", absl::Seconds(30));
  ASSERT_TRUE(out.ok()) << out.status() << child->Stderr();
  ASSERT_TRUE(e2e::Eventually([&] { return child->Stdout().find(")\n") != std::string::npos; },
                              absl::Seconds(5)));
  std::smatch m;
  const std::string line = child->Stdout();
  ASSERT_TRUE(std::regex_search(
      line, m,
      std::regex(R"(controlplane listening on 127\.0\.0\.1:(\d+) )"
                 R"(\(metrics on 127\.0\.0\.1:(\d+)\))")))
      << line;
  const int port = std::stoi(m[1]);
  const int metrics_port = std::stoi(m[2]);
  EXPECT_GT(port, 0);
  EXPECT_GT(metrics_port, 0);

  // gRPC: the database path answers (unregistered worker), the REST path maps an unreachable
  // Airflow to UNAVAILABLE.
  const std::string address = absl::StrCat("127.0.0.1:", port);
  for (const char* worker : {"ghost", "w1", "w2"}) IssueTestToken(dsn, worker);
  auto stub_of = [&](const std::string& worker) {
    return NewTlsStub(address, grpc::AccessTokenCredentials(TestToken(worker)));
  };
  {
    auto ghost_stub = stub_of("ghost");
    ConnectClient ghost(ghost_stub.get(), ConnectRequestFor("ghost", 1, std::nullopt));
    ASSERT_TRUE(WaitUntil([&] { return ghost.done(); }));
    EXPECT_EQ(ghost.status().error_code(), grpc::StatusCode::NOT_FOUND);
  }
  v1::RegisterResponse registered;
  grpc::ClientContext ctx;
  ctx.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(20));
  grpc::Status s =
      stub_of("w1")->Register(&ctx, RegisterRequestFor("w1", std::nullopt), &registered);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::UNAVAILABLE) << s.error_message();

  httplib::Client metrics("127.0.0.1", metrics_port);
  auto res = metrics.Get("/metrics");
  ASSERT_TRUE(res);
  EXPECT_NE(res->body.find("edgectl_controlplane_rest_errors_total{code=\"UNAVAILABLE\","
                           "endpoint=\"register\"}"),
            std::string::npos)
      << res->body;

  // SIGHUP (log rotation, a reload) is logged and survived: the connected worker stays.
  auto sighups_logged = [&] {
    const std::string out = child->Stdout() + child->Stderr();
    size_t n = 0;
    for (size_t at = out.find("SIGHUP"); at != std::string::npos; at = out.find("SIGHUP", at + 1)) ++n;
    return n;
  };
  child->Signal(SIGHUP);
  ASSERT_TRUE(WaitUntil([&] { return sighups_logged() == 1; })) << child->Stderr();

  // A worker is connected while the sidecar stops: SIGTERM ends its stream and the process.
  Exec(dsn, "INSERT INTO edge_worker (worker_name, state, jobs_active, last_update) "
            "VALUES ('w2', 'idle', 0, now())");
  auto w2_stub = stub_of("w2");
  ConnectClient connected(w2_stub.get(), ConnectRequestFor("w2", 1, std::nullopt));
  ASSERT_TRUE(connected.WaitForEvent([](const v1::ServerEvent& e) {
    return e.has_welcome() && e.welcome().heartbeat_interval_seconds() == 12;
  }));
  child->Signal(SIGHUP);  // with a worker connected: its stream stays open
  ASSERT_TRUE(WaitUntil([&] { return sighups_logged() == 2; }));
  EXPECT_FALSE(connected.done());
  child->Signal(SIGTERM);
  absl::StatusOr<int> code = child->WaitForExit(absl::Seconds(15));
  ASSERT_TRUE(code.ok()) << code.status();
  EXPECT_EQ(*code, 0) << child->Stderr();
  ASSERT_TRUE(WaitUntil([&] { return connected.done(); }));
  EXPECT_EQ((child->Stdout() + child->Stderr()).find(kSecret), std::string::npos);
}

TEST_F(ControlPlaneCommandTest, RefusesToStartWithoutWorkerAuthenticationUnlessAskedTo) {
  const std::map<std::string, std::string> env = {
      {"AIRFLOW__EDGE__API_URL", "http://127.0.0.1:9/edge_worker/v1/rpcapi"},
      {"AIRFLOW__DATABASE__SQL_ALCHEMY_CONN", CreateEdgeDatabase("cp_insecure")}};
  auto refused = Start({"--jwt-secret-file", secret_file_, "--listen-address", "127.0.0.1:0",
                        "--metrics-address", "127.0.0.1:0"},
                       env);
  ASSERT_NE(refused, nullptr);
  absl::StatusOr<int> code = refused->WaitForExit(absl::Seconds(15));
  ASSERT_TRUE(code.ok());
  EXPECT_EQ(*code, 1);
  EXPECT_NE(refused->Stderr().find("no worker authentication is configured"), std::string::npos)
      << refused->Stderr();
  EXPECT_NE(refused->Stderr().find("--tls-client-ca"), std::string::npos);
  EXPECT_NE(refused->Stderr().find("--insecure-allow-unauthenticated"), std::string::npos);

  // Tokens over plaintext would give them away: refused too.
  auto plaintext_tokens =
      Start({"--jwt-secret-file", secret_file_, "--listen-address", "127.0.0.1:0",
             "--metrics-address", "127.0.0.1:0", "--worker-tokens"},
            env);
  ASSERT_NE(plaintext_tokens, nullptr);
  code = plaintext_tokens->WaitForExit(absl::Seconds(15));
  ASSERT_TRUE(code.ok());
  EXPECT_EQ(*code, 1);
  EXPECT_NE(plaintext_tokens->Stderr().find("needs TLS"), std::string::npos)
      << plaintext_tokens->Stderr();

  // Asked for explicitly: it serves, and says loudly what that means.
  auto insecure = Start({"--jwt-secret-file", secret_file_, "--listen-address", "127.0.0.1:0",
                         "--metrics-address", "127.0.0.1:0", "--insecure-allow-unauthenticated"},
                        env);
  ASSERT_NE(insecure, nullptr);
  ASSERT_TRUE(insecure->WaitForOutput("controlplane listening on", absl::Seconds(30)).ok())
      << insecure->Stderr();
  EXPECT_TRUE(e2e::Eventually(
      [&] {
        return (insecure->Stdout() + insecure->Stderr()).find("may act as any worker") !=
               std::string::npos;
      },
      absl::Seconds(10)))
      << insecure->Stdout() << insecure->Stderr();
}

TEST_F(ControlPlaneCommandTest, MissingConfigurationIsAClearError) {
  auto child = Start({"--listen-address", "127.0.0.1:0"},
                     {{"AIRFLOW__DATABASE__SQL_ALCHEMY_CONN", "postgresql://u:pw@h/db"},
                      {"AIRFLOW__API_AUTH__JWT_SECRET", kSecret}});
  ASSERT_NE(child, nullptr);
  absl::StatusOr<int> code = child->WaitForExit(absl::Seconds(15));
  ASSERT_TRUE(code.ok());
  EXPECT_EQ(*code, 1);
  EXPECT_NE(child->Stderr().find("[edge] api_url is not set"), std::string::npos)
      << child->Stderr();
  EXPECT_EQ(child->Stderr().find(kSecret), std::string::npos);

  auto bad_file = Start({"--jwt-secret-file", dir_ + "/missing"},
                        {{"AIRFLOW__EDGE__API_URL", "http://x/edge_worker/v1/rpcapi"},
                         {"AIRFLOW__DATABASE__SQL_ALCHEMY_CONN", "postgresql://u:pw@h/db"}});
  ASSERT_NE(bad_file, nullptr);
  code = bad_file->WaitForExit(absl::Seconds(15));
  ASSERT_TRUE(code.ok());
  EXPECT_EQ(*code, 1);
  EXPECT_NE(bad_file->Stderr().find("cannot read --jwt-secret-file"), std::string::npos)
      << bad_file->Stderr();
  EXPECT_EQ(bad_file->Stderr().find("pw"), std::string::npos);
}

}  // namespace
}  // namespace edgectl::testing
