// What the client puts on the wire (method, raw path, headers, body) and how it copes with a
// server that answers nonsense, against a tiny raw cpp-httplib server that records requests.
#include <httplib.h>

#include <nlohmann/json.hpp>
#include <thread>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/synchronization/mutex.h"
#include "bridge/edge_api_client.h"
#include "bridge/jwt_signer.h"
#include "gtest/gtest.h"

namespace edgectl::bridge {
namespace {

struct Recorded {
  int remote_port = 0;
  std::string method;
  std::string target;
  httplib::Headers headers;
  std::string body;
};

class RawServer {
 public:
  // Every request is answered with `status` and `body`.
  RawServer(int status, std::string body) : status_(status), body_(std::move(body)) {
    auto record = [this](const httplib::Request& req, httplib::Response& res) {
      {
        absl::MutexLock lock(&mu_);
        requests_.push_back({req.remote_port, req.method, req.target, req.headers, req.body});
      }
      res.status = status_;
      res.set_content(body_, "application/json");
    };
    server_.set_tcp_nodelay(true);
    server_.Get(".*", record);
    server_.Post(".*", record);
    server_.Patch(".*", record);
    port_ = server_.bind_to_any_port("127.0.0.1");
    thread_ = std::thread([this] { server_.listen_after_bind(); });
  }
  ~RawServer() {
    server_.stop();
    thread_.join();
  }
  std::unique_ptr<EdgeApiClient> Client(int max_connections = 16) {
    EdgeApiClientOptions options;
    options.transport.max_connections = max_connections;
    options.api_url = absl::StrCat("http://127.0.0.1:", port_, "/edge_worker/v1/rpcapi");
    options.jwt_secret = "wire-secret";
    options.jwt_leeway_seconds = 10;
    options.retry = RetryOptions{2, absl::Milliseconds(1), absl::Milliseconds(2)};
    return *EdgeApiClient::Create(options);
  }
  std::vector<Recorded> All() {
    absl::MutexLock lock(&mu_);
    return requests_;
  }
  Recorded Last() {
    absl::MutexLock lock(&mu_);
    return requests_.back();
  }
  size_t Count() {
    absl::MutexLock lock(&mu_);
    return requests_.size();
  }

 private:
  const int status_;
  const std::string body_;
  httplib::Server server_;
  std::thread thread_;
  int port_ = 0;
  absl::Mutex mu_;
  std::vector<Recorded> requests_;
};

std::string Header(const Recorded& r, const std::string& name) {
  auto it = r.headers.find(name);
  return it == r.headers.end() ? "<absent>" : it->second;
}

nlohmann::json ClaimsOf(const std::string& token) {
  std::vector<std::string> parts = absl::StrSplit(token, '.');
  return nlohmann::json::parse(*Base64UrlDecode(parts.at(1)));
}

JobKey Key() {
  JobKey key;
  key.dag_id = "my.dag";
  key.task_id = "load-1";
  key.run_id = "manual__2026-01-01T00:00:00+00:00";
  key.try_number = 1;
  key.map_index = -1;
  return key;
}

TEST(ClientWireTest, RegisterSendsWhatEdge3Sends) {
  RawServer server(200, R"({"last_update":"2026-01-01T00:00:00Z"})");
  WorkerStateBody body;
  body.state = "starting";
  body.sysinfo = {{"airflow_version", std::string("3.1.0")}};
  ASSERT_TRUE(server.Client()->RegisterWorker("edge-1.site-a", body).ok());
  Recorded r = server.Last();
  EXPECT_EQ(r.method, "POST");
  EXPECT_EQ(r.target, "/edge_worker/v1/worker/edge-1.site-a");
  EXPECT_EQ(Header(r, "Content-Type"), "application/json");
  EXPECT_EQ(Header(r, "Accept"), "application/json");
  const std::string token = Header(r, "Authorization");
  EXPECT_FALSE(absl::StartsWith(token, "Bearer")) << token;
  EXPECT_EQ(ClaimsOf(token)["method"], "worker/edge-1.site-a");
  EXPECT_EQ(r.body, R"({"state":"starting","jobs_active":0,"queues":null,"sysinfo":{"airflow_version":"3.1.0"}})");
}

TEST(ClientWireTest, JobStateHasNoBodyAndKeepsTheRunIdVerbatim) {
  RawServer server(200, "null");
  ASSERT_TRUE(server.Client()->SetJobState(Key(), "success").ok());
  Recorded r = server.Last();
  EXPECT_EQ(r.method, "PATCH");
  EXPECT_EQ(r.target, "/edge_worker/v1/jobs/state/my.dag/load-1/manual__2026-01-01T00:00:00+00:00/1/-1/success");
  EXPECT_EQ(Header(r, "Content-Type"), "<absent>");
  EXPECT_EQ(Header(r, "Content-Length"), "0");
  EXPECT_EQ(r.body, "");
  EXPECT_EQ(ClaimsOf(Header(r, "Authorization"))["method"],
            "jobs/state/my.dag/load-1/manual__2026-01-01T00:00:00+00:00/1/-1/success");
}

TEST(ClientWireTest, EveryAttemptCarriesAFreshToken) {
  RawServer server(502, "");
  EXPECT_EQ(server.Client()->LogfilePath(Key()).status().code(), absl::StatusCode::kUnavailable);
  std::vector<Recorded> all = server.All();
  ASSERT_EQ(all.size(), 2u);
  nlohmann::json first = ClaimsOf(Header(all[0], "Authorization"));
  nlohmann::json second = ClaimsOf(Header(all[1], "Authorization"));
  EXPECT_NE(first["jti"], second["jti"]);
  EXPECT_EQ(second["method"], "logs/logfile_path/my.dag/load-1/manual__2026-01-01T00:00:00+00:00/1/-1");
  EXPECT_EQ(all[1].method, "GET");
}

TEST(ClientWireTest, HealthCarriesNoToken) {
  RawServer server(200, R"({"status":"healthy"})");
  ASSERT_TRUE(server.Client()->Health().ok());
  EXPECT_EQ(Header(server.Last(), "Authorization"), "<absent>");
  EXPECT_EQ(server.Last().target, "/edge_worker/v1/health");
}

TEST(ClientWireTest, ConnectionsAreKeptAlive) {
  RawServer server(200, R"({"status":"healthy"})");
  auto client = server.Client(/*max_connections=*/1);
  for (int i = 0; i < 5; ++i) ASSERT_TRUE(client->Health().ok());
  std::vector<Recorded> all = server.All();
  ASSERT_EQ(all.size(), 5u);
  for (const Recorded& r : all) EXPECT_EQ(r.remote_port, all[0].remote_port) << "new connection";
}

TEST(ClientWireTest, MalformedRepliesAreInternalErrorsNotCrashes) {
  {
    RawServer server(200, "{oops");
    WorkerStateBody body;
    body.state = "starting";
    auto reply = server.Client()->RegisterWorker("w", body);
    EXPECT_EQ(reply.status().code(), absl::StatusCode::kInternal);
    EXPECT_NE(reply.status().message().find("not JSON"), std::string::npos) << reply.status();
  }
  {
    RawServer server(200, R"({"dag_id": 1, "command": "x"})");
    auto reply = server.Client()->FetchJob("w", FetchRequest{});
    EXPECT_EQ(reply.status().code(), absl::StatusCode::kInternal);
    EXPECT_NE(reply.status().message().find("dag_id"), std::string::npos) << reply.status();
  }
  {
    RawServer server(200, "<html>proxy login</html>");
    EXPECT_EQ(server.Client()->LogfilePath(Key()).status().code(), absl::StatusCode::kInternal);
    EXPECT_EQ(server.Client()->SetJobState(Key(), "running").code(), absl::StatusCode::kInternal);
  }
  {
    RawServer server(200, R"(["not", "an", "object"])");
    WorkerStateBody body;
    body.state = "idle";
    EXPECT_EQ(server.Client()->SetState("w", body).status().code(), absl::StatusCode::kInternal);
  }
}

TEST(ClientWireTest, ErrorDetailsAndCodesFollowTheInterface) {
  {
    RawServer server(405, R"({"detail":"Method Not Allowed"})");
    auto reply = server.Client()->Health();
    EXPECT_EQ(reply.status().code(), absl::StatusCode::kNotFound);
    EXPECT_NE(reply.status().message().find("api_enabled"), std::string::npos);
  }
  {
    RawServer server(422, R"({"detail":[{"type":"missing","loc":["body","state"]}]})");
    auto reply = server.Client()->SetState("w", WorkerStateBody{});
    EXPECT_EQ(reply.status().code(), absl::StatusCode::kInvalidArgument);
    EXPECT_EQ(HttpStatusOf(reply.status()), 422);
    EXPECT_NE(reply.status().message().find("missing"), std::string::npos);
    EXPECT_EQ(server.Count(), 1u);
  }
  {
    RawServer server(429, R"({"detail":"slow down"})");
    auto reply = server.Client()->Health();
    EXPECT_EQ(reply.status().code(), absl::StatusCode::kUnavailable);
    EXPECT_EQ(server.Count(), 2u);
  }
}

}  // namespace
}  // namespace edgectl::bridge
