// The double as a real process: announces its port on the first stdout line, serves, and exits
// cleanly on SIGTERM; refuses to start without a database.
#include <signal.h>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "bridge/http_transport.h"
#include "gtest/gtest.h"
#include "tests/e2e/child_process.h"
#include "tests/fixtures/edge_database.h"

namespace edgectl::airflow_double {
namespace {

std::string TempDir() {
  char tmpl[] = "/tmp/edgectl-double-main-XXXXXX";
  return mkdtemp(tmpl);
}

TEST(AirflowDoubleMainTest, AnnouncesPortServesAndStopsOnSigterm) {
  const std::string dsn = testing::CreateEdgeDatabase("double_main");
  ASSERT_FALSE(dsn.empty());
  auto process = e2e::ChildProcess::Start(
      {e2e::Runfile("tests/airflow_double/airflow_double_main"), "--dsn=" + dsn, "--port=0",
       "--airflow_version=3.0.6"},
      {{"AIRFLOW__API_AUTH__JWT_SECRET", "s"}}, TempDir());
  ASSERT_TRUE(process.ok()) << process.status();
  auto out = (*process)->WaitForOutput("\n", absl::Seconds(30));
  ASSERT_TRUE(out.ok()) << out.status() << (*process)->Stderr();
  const std::string first_line = (*process)->Stdout().substr(0, (*process)->Stdout().find('\n'));
  ASSERT_EQ(first_line.rfind("listening on 127.0.0.1:", 0), 0u) << first_line;
  int port = 0;
  ASSERT_TRUE(absl::SimpleAtoi(first_line.substr(first_line.rfind(':') + 1), &port)) << first_line;
  bridge::CurlTransport transport({});
  auto health = transport.Send({"GET", absl::StrCat("http://127.0.0.1:", port, "/edge_worker/v1/health"), {}, std::nullopt});
  ASSERT_TRUE(health.ok()) << health.status();
  EXPECT_EQ(health->status, 200);
  EXPECT_EQ(health->body, R"({"status":"healthy"})");
  auto unauth = transport.Send({"POST", absl::StrCat("http://127.0.0.1:", port, "/edge_worker/v1/jobs/fetch/w"),
                                {{"Authorization", "garbage"}}, std::string("{}")});
  ASSERT_TRUE(unauth.ok());
  EXPECT_EQ(unauth->status, 403);
  EXPECT_NE(unauth->body.find("Forbidden. The server side traceback may be identified with error_id="),
            std::string::npos) << unauth->body;
  auto no_token = transport.Send({"POST", absl::StrCat("http://127.0.0.1:", port, "/edge_worker/v1/jobs/fetch/w"),
                                  {}, std::string("{}")});
  ASSERT_TRUE(no_token.ok());
  EXPECT_EQ(no_token->status, 422) << no_token->body;
  // Counters and the fault switch over HTTP, for benchmarks and tests in other processes.
  const std::string control = absl::StrCat("http://127.0.0.1:", port, "/_double/");
  auto counts = transport.Send({"GET", control + "counts", {}, std::nullopt});
  ASSERT_TRUE(counts.ok());
  EXPECT_NE(counts->body.find(R"("fetch":2)"), std::string::npos) << counts->body;
  EXPECT_NE(counts->body.find(R"("health":1)"), std::string::npos) << counts->body;
  auto faults = transport.Send({"PUT", control + "faults", {}, std::string(R"({"fail_fraction":1})")});
  ASSERT_TRUE(faults.ok());
  EXPECT_EQ(faults->status, 200) << faults->body;
  auto failing = transport.Send({"GET", absl::StrCat("http://127.0.0.1:", port, "/edge_worker/v1/health"), {}, std::nullopt});
  ASSERT_TRUE(failing.ok());
  EXPECT_EQ(failing->status, 503);
  (*process)->Signal(SIGTERM);
  auto code = (*process)->WaitForExit(absl::Seconds(20));
  ASSERT_TRUE(code.ok()) << code.status();
  EXPECT_EQ(*code, 0);
}

TEST(AirflowDoubleMainTest, WithoutDatabaseItExplainsAndFails) {
  auto process = e2e::ChildProcess::Start(
      {e2e::Runfile("tests/airflow_double/airflow_double_main"), "--jwt_secret=s"}, {}, TempDir());
  ASSERT_TRUE(process.ok());
  auto code = (*process)->WaitForExit(absl::Seconds(20));
  ASSERT_TRUE(code.ok());
  EXPECT_EQ(*code, 1);
  EXPECT_NE((*process)->Stderr().find("--dsn"), std::string::npos) << (*process)->Stderr();
}

}  // namespace
}  // namespace edgectl::airflow_double
