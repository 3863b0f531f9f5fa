// The fleet page's JSON API and HTTP behaviour against a real PostgreSQL, served by the real
// MetricsHttpServer with the FleetApi mounted as the sidecar mounts it: its workers match
// `edgectl list-workers -o json` for the same database, filters and log offsets work, hostile
// values come back as exact JSON strings, security headers are present, nothing but GET is
// served, and many viewers cost one database read per second.
#include <httplib.h>
#include <stdlib.h>

#include <memory>
#include <string>

#include "absl/strings/str_cat.h"
#include "controlplane/clock.h"
#include "controlplane/metrics.h"
#include "controlplane/metrics_http_server.h"
#include "controlplane/web/fleet_api.h"
#include "controlplane/web/gzip.h"
#include "controlplane/worker_registry.h"
#include "gtest/gtest.h"
#include "nlohmann/json.hpp"
#include "pqxx/pqxx"
#include "tests/e2e/child_process.h"
#include "tests/e2e/job_enqueuer.h"
#include "tests/fixtures/postgres_server.h"

namespace edgectl::web {
namespace {

using nlohmann::json;

constexpr char kHostileName[] = "<script>alert(\"n\")</script>&amp;\"w'";
constexpr char kHostileComment[] = "<img src=x onerror=alert(1)> & \"quoted\" </td>";

class FleetApiTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dsn_ = testing::CreateEdgeDatabase("fleet_api");
    ASSERT_FALSE(dsn_.empty());
    api_ = std::make_unique<FleetApi>(FleetApiOptions{dsn_}, registry_, metrics_, clock_);
    http_ = std::make_unique<controlplane::MetricsHttpServer>(metrics_);
    http_->Mount([this](httplib::Server& s) { api_->Mount(s); });
    absl::StatusOr<int> port = http_->Start("127.0.0.1", 0);
    ASSERT_TRUE(port.ok()) << port.status();
    port_ = *port;
  }

  void Exec(const std::string& sql) {
    pqxx::connection c(dsn_);
    pqxx::work tx(c);
    tx.exec0(sql);
    tx.commit();
  }

  void AddWorker(const std::string& name, const std::string& state, const char* queues,
                 const char* comment, const std::string& sysinfo) {
    pqxx::connection c(dsn_);
    pqxx::work tx(c);
    tx.exec_params0(
        "INSERT INTO edge_worker (worker_name, state, queues, maintenance_comment, first_online, "
        "last_update, jobs_active, sysinfo) VALUES ($1, $2, $3, $4, now() - interval '1 hour', "
        "now() - interval '5 seconds', 1, $5::json)",
        name, state, queues == nullptr ? std::optional<std::string>() : std::string(queues),
        comment == nullptr ? std::optional<std::string>() : std::string(comment), sysinfo);
    tx.commit();
  }

  httplib::Result Get(const std::string& path) {
    httplib::Client client("127.0.0.1", port_);
    return client.Get(path.c_str());
  }

  json GetJson(const std::string& path) {
    httplib::Result res = Get(path);
    EXPECT_TRUE(res) << path;
    if (!res) return nullptr;
    EXPECT_EQ(res->status, 200) << path << ": " << res->body;
    return json::parse(res->body);
  }

  std::string dsn_;
  controlplane::SystemClock clock_;
  controlplane::Metrics metrics_;
  controlplane::WorkerRegistry registry_;
  std::unique_ptr<FleetApi> api_;
  std::unique_ptr<controlplane::MetricsHttpServer> http_;
  int port_ = 0;
};

TEST_F(FleetApiTest, WorkersMatchListWorkersJsonAndAddTheLiveLink) {
  AddWorker("edge-b", "idle", "['default', 'gpu']", nullptr,
            R"({"concurrency": 8, "free_concurrency": 7, "airflow_version": "3.1.0",
                "edge_provider_version": "5.0.0", "edgectl_version": "0.1.0"})");
  AddWorker(kHostileName, "maintenance mode", nullptr, kHostileComment,
            R"({"concurrency": 2, "free_concurrency": 2})");
  AddWorker("edge-a", "offline", "['x']", nullptr, "{}");
  controlplane::SessionInfo info{"certificate", "", "ipv4:10.1.2.3:40000", absl::Now()};
  registry_.Attach("edge-b", 1, 7, std::nullopt, "idle", nullptr, info);

  absl::StatusOr<e2e::CommandOutput> cli = e2e::ChildProcess::RunToCompletion(
      {testing::Runfile("cli/edgectl"), "list-workers", "-o", "json"},
      {{"AIRFLOW__DATABASE__SQL_ALCHEMY_CONN", dsn_}, {"AIRFLOW_HOME", ::testing::TempDir()}},
      ::testing::TempDir(), absl::Seconds(60));
  ASSERT_TRUE(cli.ok()) << cli.status();
  ASSERT_EQ(cli->exit_code, 0) << cli->combined();
  const json listed = json::parse(cli->out);
  const json api = GetJson("/api/workers");
  ASSERT_EQ(api["workers"].size(), listed.size());
  ASSERT_EQ(listed.size(), 3u);
  for (size_t i = 0; i < listed.size(); ++i) {
    for (const auto& [key, value] : listed[i].items()) {
      if (key == "heartbeat_age_sec") {
        // Read a moment apart: the same age within a second or two.
        EXPECT_NEAR(std::stod(api["workers"][i][key].get<std::string>()),
                    std::stod(value.get<std::string>()), 2)
            << "worker " << i;
        continue;
      }
      EXPECT_EQ(api["workers"][i][key], value) << "worker " << i << " field " << key;
    }
  }
  const json& b = api["workers"][2];  // sorted by name: "<script...", edge-a, edge-b
  ASSERT_EQ(b["worker_name"], "edge-b");
  EXPECT_EQ(b["airflow_version"], "3.1.0");
  EXPECT_EQ(b["edgectl_version"], "0.1.0");
  EXPECT_NEAR(b["heartbeat_age_seconds"].get<double>(), 5.0, 2.0);
  ASSERT_TRUE(b["link"].is_object());
  EXPECT_EQ(b["link"]["auth_method"], "certificate");
  EXPECT_EQ(b["link"]["peer"], "ipv4:10.1.2.3:40000");
  EXPECT_EQ(api["connected_here"], 1);
  // The hostile values come back as the exact strings (sorted first: '<' < 'e').
  const json& hostile = api["workers"][0];
  EXPECT_EQ(hostile["worker_name"], kHostileName);
  EXPECT_EQ(hostile["maintenance_comment"], kHostileComment);
  EXPECT_TRUE(hostile["link"].is_null());
}

TEST_F(FleetApiTest, JobsFilterAndLogFollowsByOffset) {
  for (const char* task : {"extract", "load"}) {
    e2e::TaskSpec spec;
    spec.dag_id = "etl";
    spec.task_id = task;
    spec.queue = std::string(task) == "load" ? "gpu" : "default";
    ASSERT_TRUE(e2e::EnqueueTask(dsn_, spec).ok());
  }
  e2e::TaskSpec other;
  other.dag_id = "reports";
  ASSERT_TRUE(e2e::EnqueueTask(dsn_, other).ok());
  Exec("UPDATE edge_job SET state = 'running', edge_worker = 'edge-a' WHERE task_id = 'load'");

  EXPECT_EQ(GetJson("/api/jobs")["jobs"].size(), 3u);
  const json running = GetJson("/api/jobs?state=running");
  ASSERT_EQ(running["jobs"].size(), 1u);
  EXPECT_EQ(running["jobs"][0]["task_id"], "load");
  EXPECT_EQ(running["jobs"][0]["edge_worker"], "edge-a");
  EXPECT_EQ(GetJson("/api/jobs?dag=etl&queue=default")["jobs"].size(), 1u);
  EXPECT_EQ(GetJson("/api/jobs?worker=edge-a")["jobs"].size(), 1u);
  const json queued = GetJson("/api/jobs?dag=reports");
  ASSERT_EQ(queued["jobs"].size(), 1u);
  EXPECT_GE(queued["jobs"][0]["queued_age_seconds"].get<double>(), 0.0);
  EXPECT_TRUE(queued["jobs"][0]["dispatch_latency_ms"].is_null());
  EXPECT_EQ(GetJson("/api/jobs?limit=2")["truncated"], true);

  const std::string key = "dag_id=etl&task_id=load&run_id=manual__2026-01-01T00%3A00%3A00%2B00%3A00"
                          "&map_index=-1&try_number=1";
  Exec("INSERT INTO edge_logs VALUES ('etl', 'load', 'manual__2026-01-01T00:00:00+00:00', -1, 1, "
       "now() - interval '2 seconds', 'first line <b>é</b>\n')");
  json log = GetJson("/api/log?" + key + "&offset=0");
  EXPECT_EQ(log["text"], "first line <b>é</b>\n");
  EXPECT_EQ(log["job_state"], "running");
  const int64_t next = log["next_offset"].get<int64_t>();
  EXPECT_EQ(next, static_cast<int64_t>(std::string("first line <b>é</b>\n").size()));
  Exec("INSERT INTO edge_logs VALUES ('etl', 'load', 'manual__2026-01-01T00:00:00+00:00', -1, 1, "
       "now(), 'second line\n')");
  log = GetJson(absl::StrCat("/api/log?", key, "&offset=", next));
  EXPECT_EQ(log["text"], "second line\n");
  EXPECT_EQ(log["offset"], next);

  const httplib::Result bad = Get("/api/log?dag_id=etl");
  ASSERT_TRUE(bad);
  EXPECT_EQ(bad->status, 400);
  const httplib::Result not_a_number = Get("/api/jobs?limit=ten");
  ASSERT_TRUE(not_a_number);
  EXPECT_EQ(not_a_number->status, 400);

  const json summary = GetJson("/api/summary");
  EXPECT_EQ(summary["jobs"]["by_state"]["queued"], 2);
  EXPECT_EQ(summary["jobs"]["by_state"]["running"], 1);
  ASSERT_EQ(summary["jobs"]["queued_by_queue"].size(), 1u);
  EXPECT_EQ(summary["jobs"]["queued_by_queue"][0]["queue"], "default");
  EXPECT_EQ(summary["jobs"]["queued_by_queue"][0]["jobs"], 2);
}

TEST_F(FleetApiTest, DispatchLatencyObservedShowsInSummaryJobsAndMetrics) {
  e2e::TaskSpec spec;
  ASSERT_TRUE(e2e::EnqueueTask(dsn_, spec).ok());
  metrics_.DispatchLatencyObserved(
      controlplane::DispatchJobId(spec.dag_id, spec.task_id, spec.run_id, -1, 1),
      absl::Milliseconds(18));
  const json summary = GetJson("/api/summary");
  EXPECT_EQ(summary["dispatch"]["last_hour"]["count"], 1);
  EXPECT_DOUBLE_EQ(summary["dispatch"]["last_hour"]["max_ms"].get<double>(), 18.0);
  ASSERT_EQ(summary["dispatch"]["minutes"].size(), 1u);
  EXPECT_DOUBLE_EQ(GetJson("/api/jobs")["jobs"][0]["dispatch_latency_ms"].get<double>(), 18.0);
  httplib::Result metrics = Get("/metrics");
  ASSERT_TRUE(metrics);
  EXPECT_NE(metrics->body.find("edgectl_controlplane_dispatch_latency_seconds_count 1"),
            std::string::npos);
}

TEST_F(FleetApiTest, ServesThePageWithSecurityHeadersAndRefusesWrites) {
  for (const char* path : {"/", "/assets/fleet.js", "/assets/fleet.css", "/api/workers",
                           "/metrics", "/nothing-here"}) {
    httplib::Result res = Get(path);
    ASSERT_TRUE(res) << path;
    const std::string csp = res->get_header_value("Content-Security-Policy");
    EXPECT_NE(csp.find("default-src 'self'"), std::string::npos) << path;
    EXPECT_EQ(csp.find("unsafe-inline"), std::string::npos) << path;
    EXPECT_EQ(res->get_header_value("X-Content-Type-Options"), "nosniff") << path;
    EXPECT_EQ(res->get_header_value("X-Frame-Options"), "DENY") << path;
  }
  httplib::Result page = Get("/");
  EXPECT_EQ(page->get_header_value("Content-Type"), "text/html; charset=utf-8");
  EXPECT_NE(page->body.find("<script src=\"/assets/fleet.js\""), std::string::npos);
  EXPECT_EQ(Get("/assets/fleet.js")->get_header_value("Content-Type"),
            "text/javascript; charset=utf-8");
  EXPECT_EQ(Get("/nothing-here")->status, 404);
  EXPECT_EQ(Get("/assets/../index.html")->status, 404);

  httplib::Client client("127.0.0.1", port_);
  for (const char* path : {"/", "/api/workers", "/metrics"}) {
    httplib::Result post = client.Post(path, "{}", "application/json");
    ASSERT_TRUE(post);
    EXPECT_EQ(post->status, 405) << path;
    EXPECT_EQ(post->get_header_value("Allow"), "GET, HEAD");
    httplib::Result del = client.Delete(path);
    ASSERT_TRUE(del);
    EXPECT_EQ(del->status, 405) << path;
  }
}

TEST_F(FleetApiTest, ManyViewersWithinASecondCostOneDatabaseRead) {
  AddWorker("edge-a", "idle", nullptr, nullptr, "{}");
  const uint64_t before = api_->reader().computations();
  const absl::Time start = absl::Now();
  for (int i = 0; i < 100; ++i) ASSERT_EQ(Get("/api/workers")->status, 200);
  const uint64_t reads = api_->reader().computations() - before;
  // One read per cache period (1 s) that the loop spanned.
  EXPECT_LE(reads, static_cast<uint64_t>(absl::ToInt64Seconds(absl::Now() - start)) + 1);
  EXPECT_GE(reads, 1u);

  // A browser accepting gzip gets the cached compressed bytes, which inflate to the same JSON.
  httplib::Client raw("127.0.0.1", port_);
  raw.set_decompress(false);
  httplib::Result gz = raw.Get("/api/workers", {{"Accept-Encoding", "gzip, deflate, br"}});
  ASSERT_TRUE(gz);
  EXPECT_EQ(gz->get_header_value("Content-Encoding"), "gzip");
  EXPECT_EQ(gz->body.substr(0, 2), "\x1f\x8b");
  httplib::Result plain = raw.Get("/api/workers", {{"Accept-Encoding", "identity"}});
  ASSERT_TRUE(plain);
  EXPECT_EQ(plain->get_header_value("Content-Encoding"), "");
  EXPECT_EQ(json::parse(plain->body)["workers"][0]["worker_name"], "edge-a");
  EXPECT_TRUE(AcceptsGzip("br, GZIP;q=0.5"));
  EXPECT_FALSE(AcceptsGzip("gzip;q=0, br"));
  EXPECT_FALSE(AcceptsGzip("identity"));
}

TEST_F(FleetApiTest, AnUnreachableDatabaseIsA503WithTheReason) {
  FleetApi broken(FleetApiOptions{"host=127.0.0.1 port=1 dbname=x user=x connect_timeout=2"},
                  registry_, metrics_, clock_);
  controlplane::MetricsHttpServer http(metrics_);
  http.Mount([&](httplib::Server& s) { broken.Mount(s); });
  absl::StatusOr<int> port = http.Start("127.0.0.1", 0);
  ASSERT_TRUE(port.ok());
  httplib::Client client("127.0.0.1", *port);
  httplib::Result res = client.Get("/api/workers");
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 503);
  EXPECT_TRUE(json::parse(res->body).contains("error"));
}

}  // namespace
}  // namespace edgectl::web
