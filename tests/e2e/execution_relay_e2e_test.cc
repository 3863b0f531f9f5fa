// End to end, real processes: tasks reach Airflow's Task Execution API through their worker's
// loopback endpoint, the worker's gRPC link and the sidecar ([edge] execution_api_relay), and get
// the answers they would get calling the API server directly; nothing outside /execution/ is
// reachable that way; a sidecar outage costs the tasks retries, not their runs; and fifty tasks
// heartbeating at once through one worker lose or misroute no request.
#include <httplib.h>

#include <fstream>
#include <map>
#include <set>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"
#include "absl/time/clock.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "proto/edge_worker.grpc.pb.h"
#include "tests/airflow_double/execution_token.h"
#include "tests/e2e/child_process.h"
#include "tests/e2e/e2e_fixture.h"
#include "tests/e2e/raw_client.h"

namespace edgectl::e2e {
namespace {

using ::testing::HasSubstr;

struct Answer {
  int status = 0;
  std::string body;
  std::map<std::string, std::string> headers;  // lower-cased names, hop-by-hop and Date left out
};

class ExecutionRelayTest : public EndToEndTest {
 protected:
  // A worker that relays its tasks' Execution API calls; it serves queue `default` only, so
  // jobs queued on "parked" stay put as task instances the test calls the API for itself.
  std::unique_ptr<ChildProcess> StartRelayWorker(const std::string& name, int concurrency = 4) {
    auto worker = stack_->StartWorker(name, {"-c", absl::StrCat(concurrency), "-q", "default"},
                                      {{"AIRFLOW__EDGE__EXECUTION_API_RELAY", "True"}});
    EXPECT_TRUE(worker.ok()) << worker.status();
    return worker.ok() ? *std::move(worker) : nullptr;
  }

  // The worker's endpoint port, from the file where it remembers it.
  int RelayPort(const std::string& worker) {
    const std::string path =
        stack_->airflow_home(worker) + "/edgectl-worker/" + worker + "/execution_api_relay_port";
    int port = 0;
    Eventually(
        [&] {
          std::ifstream in(path);
          std::string text;
          return std::getline(in, text) &&
                 absl::SimpleAtoi(absl::StripAsciiWhitespace(text), &port) && port > 0;
        },
        absl::Seconds(20));
    return port;
  }

  int DoublePort() const {
    // api_url() is http://127.0.0.1:PORT/edge_worker/v1/rpcapi
    std::string rest = stack_->api_url().substr(std::string("http://127.0.0.1:").size());
    int port = 0;
    EXPECT_TRUE(absl::SimpleAtoi(rest.substr(0, rest.find('/')), &port));
    return port;
  }

  std::string TaskToken(const std::string& ti_id, const std::string& scope = "execution") {
    return airflow_double::MintTaskToken(stack_->options().jwt_secret, ti_id, scope,
                                         absl::Hours(1));
  }

  QueuedJob Park(const std::string& task_id) {
    TaskSpec spec;
    spec.task_id = task_id;
    spec.queue = "parked";
    spec.token_secret = stack_->options().jwt_secret;
    return Enqueue(spec);
  }

  // `gzip`: the client accepts gzip and the answer's bytes are compared as they came.
  static Answer Call(int port, const std::string& method, const std::string& path,
                     const std::string& token, const std::string& body = "", bool gzip = false) {
    httplib::Client client("127.0.0.1", port);
    client.set_read_timeout(60, 0);
    client.set_decompress(false);
    httplib::Headers headers;
    if (!token.empty()) headers.emplace("Authorization", "Bearer " + token);
    if (gzip) headers.emplace("Accept-Encoding", "gzip");
    httplib::Result r =
        method == "GET"     ? client.Get(path.c_str(), headers)
        : method == "PUT"   ? client.Put(path.c_str(), headers, body, "application/json")
        : method == "PATCH" ? client.Patch(path.c_str(), headers, body, "application/json")
                            : client.Post(path.c_str(), headers, body, "application/json");
    Answer a;
    if (!r) return a;
    a.status = r->status;
    a.body = r->body;
    for (const auto& [name, value] : r->headers) {
      std::string lower = name;
      for (char& c : lower) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
      if (lower == "date" || lower == "connection" || lower == "keep-alive") continue;
      a.headers[lower] = value;
    }
    return a;
  }

  nlohmann::json DoubleExecution() {
    httplib::Client client("127.0.0.1", DoublePort());
    auto r = client.Get("/_double/execution");
    return r ? nlohmann::json::parse(r->body, nullptr, false) : nlohmann::json();
  }
  void ResetDoubleExecution() {
    httplib::Client client("127.0.0.1", DoublePort());
    ASSERT_TRUE(client.Delete("/_double/execution"));
  }
};

struct Step {
  std::string name, method, path, token, body;
  bool gzip = false;
};

TEST_F(ExecutionRelayTest, RelayedAnswersAreByteIdenticalToDirectOnes) {
  auto worker = StartRelayWorker("edge-relay-1");
  ASSERT_NE(worker, nullptr);
  const int relay = RelayPort("edge-relay-1");
  ASSERT_GT(relay, 0);
  const QueuedJob job = Park("parked");
  const std::string ti = "/execution/task-instances/" + job.task_instance_id;
  const std::string unknown = "0c2d2b3e-1111-4222-8333-444455556666";
  const std::string start =
      R"({"state":"running","hostname":"h1","unixname":"u","pid":42,"start_date":"2026-01-01T00:00:00Z"})";
  const std::string xcom = "/execution/xcoms/e2e_dag/manual__2026-01-01T00%3A00%3A00%2B00%3A00/"
                           "parked/return_value?map_index=-1";
  const std::string big = "\"" + std::string(1 << 20, 'x') + "\"";  // a 1 MB XCom
  const std::vector<Step> steps = {
      {"run (workload token)", "PATCH", ti + "/run", TaskToken(job.task_instance_id, "workload"),
       start},
      {"run again, same client", "PATCH", ti + "/run", TaskToken(job.task_instance_id), start},
      {"heartbeat of another pid", "PUT", ti + "/heartbeat", TaskToken(job.task_instance_id),
       R"({"hostname":"h1","pid":7})"},
      {"heartbeat", "PUT", ti + "/heartbeat", TaskToken(job.task_instance_id),
       R"({"hostname":"h1","pid":42})"},
      {"heartbeat, token of another task", "PUT", ti + "/heartbeat", TaskToken(unknown),
       R"({"hostname":"h1","pid":42})"},
      {"heartbeat, no token", "PUT", ti + "/heartbeat", "", R"({"hostname":"h1","pid":42})"},
      {"heartbeat, forged token", "PUT", ti + "/heartbeat", TaskToken(job.task_instance_id) + "x",
       R"({"hostname":"h1","pid":42})"},
      {"run of an unknown task", "PATCH", "/execution/task-instances/" + unknown + "/run",
       TaskToken(unknown), start},
      {"run, invalid body", "PATCH", ti + "/run", TaskToken(job.task_instance_id), R"({"pid":"x"})"},
      {"xcom set 1 MB", "POST", xcom, TaskToken(job.task_instance_id), big},
      {"xcom get 1 MB", "GET", xcom, TaskToken(job.task_instance_id), ""},
      {"xcom get 1 MB, gzip accepted", "GET", xcom, TaskToken(job.task_instance_id), "", true},
      {"xcom get missing", "GET", xcom + "&x=1&map_index=3", TaskToken(job.task_instance_id), ""},
      {"state success", "PATCH", ti + "/state", TaskToken(job.task_instance_id),
       R"({"state":"success","end_date":"2026-01-01T00:01:00Z"})"},
      {"state success again", "PATCH", ti + "/state", TaskToken(job.task_instance_id),
       R"({"state":"success","end_date":"2026-01-01T00:01:00Z"})"},
      {"heartbeat after the end", "PUT", ti + "/heartbeat", TaskToken(job.task_instance_id),
       R"({"hostname":"h1","pid":42})"},
  };
  auto run_all = [&](int port) {
    std::vector<Answer> answers;
    for (const Step& s : steps) {
      answers.push_back(Call(port, s.method, s.path, s.token, s.body, s.gzip));
    }
    return answers;
  };
  const std::vector<Answer> direct = run_all(DoublePort());
  ResetDoubleExecution();
  const std::vector<Answer> relayed = run_all(relay);

  std::set<int> statuses;
  for (size_t i = 0; i < steps.size(); ++i) {
    SCOPED_TRACE(steps[i].name);
    ASSERT_NE(direct[i].status, 0);
    statuses.insert(direct[i].status);
    EXPECT_EQ(relayed[i].status, direct[i].status);
    EXPECT_EQ(relayed[i].body, direct[i].body);
    // Refreshed-API-Token differs per mint (jti, iat); it must be there and verify.
    std::map<std::string, std::string> direct_headers = direct[i].headers;
    std::map<std::string, std::string> relayed_headers = relayed[i].headers;
    if (direct_headers.erase("refreshed-api-token") == 1) {
      ASSERT_EQ(relayed_headers.count("refreshed-api-token"), 1u);
      auto claims = airflow_double::VerifyTaskToken(stack_->options().jwt_secret,
                                                    relayed_headers["refreshed-api-token"],
                                                    absl::Now());
      ASSERT_TRUE(claims.ok()) << claims.status();
      EXPECT_EQ(claims->scope, "execution");
      relayed_headers.erase("refreshed-api-token");
    }
    EXPECT_EQ(relayed_headers, direct_headers);
  }
  // The sequence covered successes, client errors and the 1 MB answer.
  EXPECT_EQ(statuses, (std::set<int>{200, 201, 204, 401, 403, 404, 409, 422}));
  EXPECT_GT(relayed[10].body.size(), size_t{1} << 20);
  // Compressed by the API server, and passed on as such (not compressed twice).
  EXPECT_EQ(relayed[11].headers.at("content-encoding"), "gzip");
  EXPECT_LT(relayed[11].body.size(), size_t{1} << 20);

  // Server errors pass through unchanged too.
  ASSERT_TRUE(stack_->SetAirflowFaults(1.0).ok());
  const Answer direct_503 = Call(DoublePort(), "PUT", ti + "/heartbeat", TaskToken(job.task_instance_id), "{}");
  const Answer relayed_503 = Call(relay, "PUT", ti + "/heartbeat", TaskToken(job.task_instance_id), "{}");
  ASSERT_TRUE(stack_->SetAirflowFaults(0).ok());
  EXPECT_EQ(direct_503.status, 503);
  EXPECT_EQ(relayed_503.status, 503);
  EXPECT_EQ(relayed_503.body, direct_503.body);
}

TEST_F(ExecutionRelayTest, NothingOutsideTheExecutionApiIsReachable) {
  auto worker = StartRelayWorker("edge-relay-2");
  ASSERT_NE(worker, nullptr);
  const int relay = RelayPort("edge-relay-2");
  // The worker's own endpoint refuses at once.
  Answer local = Call(relay, "GET", "/edge_worker/v1/health", "");
  EXPECT_EQ(local.status, 403);
  EXPECT_THAT(local.body, HasSubstr("only Airflow's Task Execution API"));

  // A client of the sidecar that skips the worker's check is refused by the sidecar itself:
  // the API server sees none of these requests.
  httplib::Client double_client("127.0.0.1", DoublePort());
  auto before = nlohmann::json::parse(double_client.Get("/_double/counts")->body);
  auto cert = stack_->pki()->Worker("edge-raw");
  ASSERT_TRUE(cert.ok()) << cert.status();
  auto stub = RawStub(stack_->controlplane_address(), stack_->pki()->ca(), *cert);
  grpc::ClientContext context;
  auto stream = stub->RelayExecutionApi(&context);
  const std::vector<std::string> paths = {"/edge_worker/v1/health", "/api/v2/dags",
                                          "/execution/../edge_worker/v1/health",
                                          "/execution/%2e%2E/api/v2/dags",
                                          "/execution\\..\\api"};
  for (size_t i = 0; i < paths.size(); ++i) {
    v1::ExecutionApiRequest request;
    request.set_worker_name("edge-raw");
    request.set_request_id(i + 1);
    request.set_method("GET");
    request.set_path(paths[i]);
    ASSERT_TRUE(stream->Write(request));
    v1::ExecutionApiResponse response;
    ASSERT_TRUE(stream->Read(&response)) << paths[i];
    EXPECT_EQ(response.request_id(), i + 1);
    EXPECT_EQ(response.status(), 403) << paths[i];
  }
  // Naming another worker on the stream ends it, as on every RPC.
  v1::ExecutionApiRequest forged;
  forged.set_worker_name("edge-relay-2");
  forged.set_request_id(99);
  forged.set_method("GET");
  forged.set_path("/execution/health");
  ASSERT_TRUE(stream->Write(forged));
  v1::ExecutionApiResponse none;
  EXPECT_FALSE(stream->Read(&none));
  grpc::Status ended = stream->Finish();
  EXPECT_EQ(ended.error_code(), grpc::StatusCode::PERMISSION_DENIED) << ended.error_message();
  auto after = nlohmann::json::parse(double_client.Get("/_double/counts")->body);
  EXPECT_EQ(after["other"], before["other"]);
}

TEST_F(ExecutionRelayTest, ARestartedWorkerServesTasksOnTheSamePort) {
  auto worker = StartRelayWorker("edge-relay-5");
  ASSERT_NE(worker, nullptr);
  const int before = RelayPort("edge-relay-5");
  ASSERT_GT(before, 0);
  worker.reset();  // killed: tasks it ran would outlive it and be adopted by the next one
  worker = StartRelayWorker("edge-relay-5");
  ASSERT_NE(worker, nullptr);
  EXPECT_EQ(RelayPort("edge-relay-5"), before);
  // And it answers there: an unknown task instance, as the API server says it.
  const std::string unknown = "0c2d2b3e-1111-4222-8333-444455556666";
  Answer answer;
  EXPECT_TRUE(Eventually(
      [&] {
        answer = Call(before, "PUT", "/execution/task-instances/" + unknown + "/heartbeat",
                      TaskToken(unknown), R"({"hostname":"h","pid":1})");
        return answer.status == 404;
      },
      absl::Seconds(20)))
      << answer.status << " " << answer.body;
}

TEST_F(ExecutionRelayTest, SidecarOutageCostsRetriesNotTheTask) {
  auto worker = StartRelayWorker("edge-relay-3");
  ASSERT_NE(worker, nullptr);
  const int relay = RelayPort("edge-relay-3");
  const std::string report = work_dir_ + "/outage-report.json";
  TaskSpec spec;
  spec.task_id = "through_outage";
  spec.token_secret = stack_->options().jwt_secret;
  spec.standin = {{"lines", 1},
                  {"execution_api",
                   {{"duration", 8}, {"heartbeat_interval", 0.3}, {"retries", 10},
                    {"report", report}}}};
  const QueuedJob job = Enqueue(spec);
  ASSERT_TRUE(Eventually(
      [&] {
        nlohmann::json tis = DoubleExecution()["task_instances"];
        return tis.contains(job.task_instance_id) &&
               tis[job.task_instance_id].value("heartbeat", 0) >= 2;
      },
      absl::Seconds(30)));

  ASSERT_TRUE(stack_->KillControlPlane().ok());
  // With the sidecar gone a task's call fails at once with 502, well before any timeout.
  const absl::Time asked = absl::Now();
  Answer down = Call(relay, "PUT", "/execution/task-instances/" + job.task_instance_id + "/heartbeat",
                     TaskToken(job.task_instance_id), R"({"hostname":"x","pid":1})");
  EXPECT_EQ(down.status, 502);
  EXPECT_THAT(down.body, HasSubstr("sidecar could not be reached"));
  EXPECT_LT(absl::Now() - asked, absl::Seconds(10));
  ASSERT_TRUE(stack_->StartControlPlane().ok());

  ASSERT_TRUE(AwaitJobState("through_outage", "success", 60));
  nlohmann::json seen = DoubleExecution()["task_instances"][job.task_instance_id];
  EXPECT_EQ(seen["state"], "success");
  EXPECT_EQ(seen["run"], 1);
  EXPECT_EQ(seen["state_updates"], 1);
  std::ifstream in(report);
  nlohmann::json r = nlohmann::json::parse(in, nullptr, false);
  ASSERT_TRUE(r.is_object());
  EXPECT_TRUE(r["failures"].empty()) << r.dump();
  EXPECT_EQ(r["final_state_reported"], true);
  EXPECT_EQ(r["token_refreshed"], true);
  // Every heartbeat the task counted as answered reached the API server once.
  EXPECT_EQ(seen["heartbeat"], r["heartbeats_ok"]);
}

TEST_F(ExecutionRelayTest, FiftyTasksHeartbeatThroughOneWorkerWithoutLossOrMixUp) {
  constexpr int kTasks = 50;
  auto worker = StartRelayWorker("edge-relay-4", kTasks);
  ASSERT_NE(worker, nullptr);
  std::vector<QueuedJob> jobs;
  for (int i = 0; i < kTasks; ++i) {
    TaskSpec spec;
    spec.task_id = absl::StrCat("hb", i);
    spec.token_secret = stack_->options().jwt_secret;
    spec.standin = {{"lines", 1},
                    {"execution_api",
                     {{"duration", 3}, {"heartbeat_interval", 0.2}, {"xcom_bytes", 1000 + i},
                      {"report", absl::StrCat(work_dir_, "/hb", i, ".json")}}}};
    jobs.push_back(Enqueue(spec));
  }
  ASSERT_TRUE(AwaitQuery("SELECT count(*) FROM edge_job WHERE state = 'success'",
                         absl::StrCat(kTasks), 120))
      << Query("SELECT string_agg(task_id || '=' || state, ',') FROM edge_job");
  nlohmann::json seen = DoubleExecution()["task_instances"];
  int lost = 0, mixed_up = 0, heartbeats = 0;
  for (int i = 0; i < kTasks; ++i) {
    SCOPED_TRACE(i);
    std::ifstream in(absl::StrCat(work_dir_, "/hb", i, ".json"));
    nlohmann::json r = nlohmann::json::parse(in, nullptr, false);
    ASSERT_TRUE(r.is_object());
    const nlohmann::json& ti = seen[jobs[i].task_instance_id];
    // An answer given to the wrong request shows as an unexpected status or a wrong XCom.
    if (!r["failures"].empty() || r["xcom_roundtrip"] != true) ++mixed_up;
    for (const auto& [status, count] : r["statuses"].items()) {
      if (status != "200" && status != "201" && status != "204") ++mixed_up;
    }
    if (ti.value("heartbeat", -1) != r.value("heartbeats_ok", -2) || ti["run"] != 1 ||
        ti["state_updates"] != 1 || ti["state"] != "success") {
      ++lost;
    }
    heartbeats += r.value("heartbeats_ok", 0);
  }
  std::cout << "50 tasks through one relay: " << heartbeats << " heartbeats, lost " << lost
            << ", mixed up " << mixed_up << std::endl;
  EXPECT_EQ(lost, 0);
  EXPECT_EQ(mixed_up, 0);
  EXPECT_GE(heartbeats, kTasks * 5);
}

}  // namespace
}  // namespace edgectl::e2e
