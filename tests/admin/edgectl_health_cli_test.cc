// `edgectl health` against a real HTTP server standing in for the Airflow API server's
// /edge_worker/v1/health route (cpp-httplib on 127.0.0.1, port chosen by the kernel).
#include <httplib.h>

#include <atomic>
#include <cstdlib>
#include <map>
#include <string>
#include <thread>
#include <vector>

#include <nlohmann/json.hpp>
#include <yaml-cpp/yaml.h>

#include "absl/strings/str_cat.h"
#include "absl/time/time.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/e2e/child_process.h"

namespace edgectl::admin {
namespace {

using ::testing::HasSubstr;

using RunResult = e2e::CommandOutput;

class EdgectlHealthCliTest : public ::testing::Test {
 protected:
  void SetUp() override {
    server_.Get("/edge_worker/v1/health", [this](const httplib::Request& req,
                                                 httplib::Response& res) {
      ++calls_;
      authorization_seen_ = authorization_seen_ || req.has_header("Authorization");
      res.status = status_;
      res.set_content(status_ == 200 ? R"({"status": "healthy"})" : R"({"detail": "down"})",
                      "application/json");
    });
    port_ = server_.bind_to_any_port("127.0.0.1");
    ASSERT_GT(port_, 0);
    thread_ = std::thread([this] { server_.listen_after_bind(); });
    ASSERT_TRUE(e2e::Eventually([this] { return server_.is_running(); }, absl::Seconds(10)));
    const char* tmp = std::getenv("TEST_TMPDIR");
    home_ = tmp != nullptr ? tmp : "/tmp";
  }
  void TearDown() override {
    server_.stop();
    if (thread_.joinable()) thread_.join();
  }

  RunResult Run(const std::vector<std::string>& args, const std::string& api_url) {
    std::vector<std::string> argv = {e2e::Runfile("cli/edgectl")};
    argv.insert(argv.end(), args.begin(), args.end());
    std::map<std::string, std::string> env = {{"AIRFLOW_HOME", home_},
                                              {"AIRFLOW_CONFIG", home_ + "/none.cfg"},
                                              {"AIRFLOW__EDGE__API_URL", api_url}};
    absl::StatusOr<RunResult> result =
        e2e::ChildProcess::RunToCompletion(argv, env, home_, absl::Seconds(60));
    EXPECT_TRUE(result.ok()) << result.status();
    return result.ok() ? *result : RunResult{};
  }

  std::string ApiUrl() const {
    return absl::StrCat("http://127.0.0.1:", port_, "/edge_worker/v1/");
  }

  httplib::Server server_;
  std::thread thread_;
  int port_ = 0;
  std::string home_;
  std::atomic<int> calls_{0};
  std::atomic<int> status_{200};
  std::atomic<bool> authorization_seen_{false};
};

TEST_F(EdgectlHealthCliTest, PrintsTheHealthReplyAsJsonByDefault) {
  RunResult result = Run({"health"}, ApiUrl());
  EXPECT_EQ(result.exit_code, 0) << result.err;
  EXPECT_EQ(result.out, "[{\"status\": \"healthy\"}]\n");
  EXPECT_EQ(calls_.load(), 1);
  EXPECT_FALSE(authorization_seen_.load()) << "health is unauthenticated in edge3";
}

TEST_F(EdgectlHealthCliTest, OtherFormatsAndApiUrlFlag) {
  RunResult yaml = Run({"health", "-o", "yaml", "--api-url", ApiUrl()}, "http://127.0.0.1:1/x/");
  EXPECT_EQ(yaml.exit_code, 0) << yaml.err;
  EXPECT_EQ(YAML::Load(yaml.out)[0]["status"].as<std::string>(), "healthy");
  RunResult table = Run({"health", "--output", "table"}, ApiUrl());
  EXPECT_EQ(table.exit_code, 0) << table.err;
  EXPECT_EQ(table.out, "status \n=======\nhealthy\n\n");
}

TEST_F(EdgectlHealthCliTest, FailuresExitNonZeroWithoutRetrying) {
  status_ = 503;
  RunResult unhealthy = Run({"health"}, ApiUrl());
  EXPECT_EQ(unhealthy.exit_code, 1);
  EXPECT_THAT(unhealthy.err, HasSubstr("Error: "));
  EXPECT_EQ(calls_.load(), 1) << "a probe makes one attempt";

  RunResult unreachable = Run({"health"}, "http://127.0.0.1:1/edge_worker/v1/");
  EXPECT_EQ(unreachable.exit_code, 1);
  EXPECT_THAT(unreachable.err, HasSubstr("127.0.0.1"));
}

}  // namespace
}  // namespace edgectl::admin
