// The relay's path rules (both ends share them), the bounded metric label set, and the
// forwarder's own answers when a request may not pass or the API server cannot be reached.
#include <string>

#include "bridge/http_transport.h"
#include "controlplane/execution_relay/execution_api_forwarder.h"
#include "controlplane/execution_relay/relay_metrics.h"
#include "prometheus/text_serializer.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "proto/execution_relay_rules.h"

namespace edgectl::controlplane {
namespace {

using ::testing::HasSubstr;

TEST(ExecutionRelayRules, OnlyExecutionApiPathsWithoutDotSegmentsPass) {
  EXPECT_TRUE(v1::CheckExecutionPath("/execution/task-instances/x/heartbeat").ok());
  EXPECT_TRUE(v1::CheckExecutionPath("/execution/xcoms/d/manual__2026%3A00/t/k").ok());
  EXPECT_TRUE(v1::CheckExecutionPath("/execution/variables/a.b..c").ok());  // dots inside names
  for (const char* bad :
       {"/edge_worker/v1/health", "/api/v2/dags", "/execution", "/executionx/a", "execution/a",
        "/execution/../api/v2/dags", "/execution/./health", "/execution/%2e%2E/api",
        "/execution/a/%2E/b", "/execution\\..\\api", "/execution/a%5c..%5capi"}) {
    absl::Status s = v1::CheckExecutionPath(bad);
    EXPECT_EQ(s.code(), absl::StatusCode::kPermissionDenied) << bad;
    EXPECT_THAT(s.message(), HasSubstr("only Airflow's Task Execution API")) << bad;
  }
}

TEST(ExecutionRelayRules, HopByHopHeadersAreNeverRelayed) {
  for (const char* hop : {"Connection", "keep-alive", "Transfer-Encoding", "HOST",
                          "Content-Length", "Upgrade", "TE", "REMOTE_ADDR"}) {
    EXPECT_TRUE(v1::IsHopByHopHeader(hop)) << hop;
  }
  for (const char* kept : {"Authorization", "Content-Type", "Refreshed-API-Token",
                           "Content-Encoding", "Retry-After"}) {
    EXPECT_FALSE(v1::IsHopByHopHeader(kept)) << kept;
  }
}

TEST(RelayMetrics, PathLabelsComeFromAFixedSet) {
  EXPECT_EQ(RelayPathTemplate("/execution/task-instances/0c2d2b3e-1111/heartbeat"),
            "/execution/task-instances/{id}/heartbeat");
  EXPECT_EQ(RelayPathTemplate("/execution/task-instances/abc/run"),
            "/execution/task-instances/{id}/run");
  EXPECT_EQ(RelayPathTemplate("/execution/task-instances/abc/anything-else"),
            "/execution/task-instances/*");
  EXPECT_EQ(RelayPathTemplate("/execution/xcoms/dag/run/task/key"), "/execution/xcoms/*");
  EXPECT_EQ(RelayPathTemplate("/execution/random-route-1234/x"), "/execution/other");
  EXPECT_EQ(RelayPathTemplate("/api/v2/dags"), "other");
  RelayMetrics metrics;
  metrics.Record("/execution/task-instances/a/heartbeat", 204, absl::Milliseconds(2));
  metrics.Record("/execution/task-instances/b/heartbeat", 204, absl::Milliseconds(3));
  EXPECT_EQ(metrics.requests("/execution/task-instances/{id}/heartbeat", 204), 2u);
  const std::string text = prometheus::TextSerializer().Serialize(metrics.Collect());
  EXPECT_THAT(text, HasSubstr("edgectl_controlplane_relay_requests_total{path=\"/execution/"
                              "task-instances/{id}/heartbeat\",status=\"204\"} 2"));
  EXPECT_THAT(text, HasSubstr("edgectl_controlplane_relay_request_duration_seconds_count{path="
                              "\"/execution/task-instances/{id}/heartbeat\"} 2"));
}

// A transport that records what it was asked and answers as told.
class RecordingTransport : public bridge::HttpTransport {
 public:
  absl::StatusOr<bridge::HttpResponse> Send(const bridge::HttpRequest& request) override {
    sent = request;
    ++calls;
    return answer;
  }
  absl::StatusOr<bridge::HttpResponse> answer = bridge::HttpResponse{};
  bridge::HttpRequest sent;
  int calls = 0;
};

v1::ExecutionApiRequest Request(const std::string& path, const std::string& query = "") {
  v1::ExecutionApiRequest r;
  r.set_request_id(7);
  r.set_method("PUT");
  r.set_path(path);
  r.set_query(query);
  r.set_body("{}");
  v1::HttpHeader* auth = r.add_headers();
  auth->set_name("Authorization");
  auth->set_value("Bearer task-token");
  v1::HttpHeader* hop = r.add_headers();
  hop->set_name("Connection");
  hop->set_value("keep-alive");
  return r;
}

TEST(ExecutionApiForwarder, ForwardsUnderTheBaseUrlWithTheTasksHeadersOnly) {
  RecordingTransport transport;
  transport.answer = bridge::HttpResponse{
      204, "", {}, {{"Server", "uvicorn"}, {"Refreshed-API-Token", "t2"}, {"Connection", "close"}}};
  RelayMetrics metrics;
  ExecutionApiForwarder forwarder({"http://af:8080/sub/execution/", 1 << 20}, transport, metrics);
  v1::ExecutionApiResponse r =
      forwarder.Forward(Request("/execution/task-instances/a%2Fb/heartbeat", "x=1&y=%20"));
  EXPECT_EQ(transport.sent.url, "http://af:8080/sub/execution/task-instances/a%2Fb/heartbeat?x=1&y=%20");
  ASSERT_EQ(transport.sent.headers.size(), 1u);  // Connection is the relay's own hop
  EXPECT_EQ(transport.sent.headers[0].second, "Bearer task-token");
  EXPECT_EQ(r.request_id(), 7u);
  EXPECT_EQ(r.status(), 204);
  ASSERT_EQ(r.headers_size(), 2);
  EXPECT_EQ(r.headers(1).name(), "Refreshed-API-Token");
}

TEST(ExecutionApiForwarder, RefusesOrExplainsWithoutReachingTheApiServer) {
  RecordingTransport transport;
  RelayMetrics metrics;
  ExecutionApiForwarder forwarder({"http://af/execution", 16}, transport, metrics);
  EXPECT_EQ(forwarder.Forward(Request("/api/v2/dags")).status(), 403);
  v1::ExecutionApiRequest big = Request("/execution/xcoms/a/b/c/d");
  big.set_body(std::string(17, 'x'));
  EXPECT_EQ(forwarder.Forward(big).status(), 413);
  v1::ExecutionApiRequest odd = Request("/execution/health");
  odd.set_method("TRACE");
  EXPECT_EQ(forwarder.Forward(odd).status(), 400);
  EXPECT_EQ(transport.calls, 0);

  transport.answer = absl::UnavailableError("connect refused");
  v1::ExecutionApiResponse down = forwarder.Forward(Request("/execution/health"));
  EXPECT_EQ(down.status(), 502);
  EXPECT_THAT(down.body(), HasSubstr("could not be reached"));
  transport.answer = absl::DeadlineExceededError("timed out");
  EXPECT_EQ(forwarder.Forward(Request("/execution/health")).status(), 504);
  transport.answer = bridge::HttpResponse{200, std::string(17, 'y'), {}, {}};
  v1::ExecutionApiResponse huge = forwarder.Forward(Request("/execution/health"));
  EXPECT_EQ(huge.status(), 502);
  EXPECT_THAT(huge.body(), HasSubstr("at most 16"));
}

}  // namespace
}  // namespace edgectl::controlplane
