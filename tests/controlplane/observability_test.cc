// The sidecar's observability parts on fakes: the fleet gauges (families from a snapshot, cached
// for their ttl, left out rather than zeroed when the database cannot be read), the readiness
// probe (names the failing dependency, answers by its deadline when one hangs, reuses a round for
// its ttl), the metrics rendered through prometheus-cpp (process and build families included),
// and /healthz + /readyz over real HTTP.
#include <httplib.h>

#include <atomic>
#include <string>

#include "absl/synchronization/notification.h"
#include "common/metrics/process_metrics.h"
#include "common/metrics/scrape_registry.h"
#include "controlplane/metrics.h"
#include "controlplane/observability/fleet_gauges.h"
#include "controlplane/observability/probe_routes.h"
#include "controlplane/observability/readiness.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/fakes/manual_clock.h"

namespace edgectl::controlplane {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

class FakeFleetDatabase : public FleetDatabase {
 public:
  absl::Status Ping() override { return ping; }
  absl::StatusOr<FleetSnapshot> ReadFleet() override {
    ++reads;
    if (!read_error.ok()) return read_error;
    return snapshot;
  }
  absl::Status ping;
  absl::Status read_error;
  FleetSnapshot snapshot;
  int reads = 0;
};

std::string Render(std::vector<prometheus::MetricFamily> families) {
  metrics::ScrapeRegistry registry;
  registry.AddCollector([families] { return families; });
  return registry.RenderText();
}

TEST(FleetGaugesTest, ReportsTheSnapshotAndReadsOncePerTtl) {
  FakeFleetDatabase db;
  db.snapshot.workers_by_state = {{"idle", {3, 12.5}}, {"running", {2, 4}}};
  db.snapshot.queued_by_queue = {{"default", {7, 30}}};
  testing::ManualClock clock;
  FleetGauges gauges(db, clock, absl::Seconds(5));
  const std::string text = Render(gauges.Collect());
  EXPECT_THAT(text, HasSubstr("edgectl_controlplane_fleet_workers{state=\"idle\"} 3"));
  EXPECT_THAT(text, HasSubstr("edgectl_controlplane_fleet_workers{state=\"running\"} 2"));
  EXPECT_THAT(text, HasSubstr(
      "edgectl_controlplane_fleet_worker_heartbeat_age_max_seconds{state=\"idle\"} 12.5"));
  EXPECT_THAT(text, HasSubstr("edgectl_controlplane_fleet_jobs_queued{queue=\"default\"} 7"));
  EXPECT_THAT(text,
              HasSubstr("edgectl_controlplane_fleet_job_queued_age_max_seconds{queue=\"default\"} 30"));
  EXPECT_THAT(text, HasSubstr("# TYPE edgectl_controlplane_fleet_workers gauge"));
  gauges.Collect();
  clock.Advance(absl::Seconds(4));
  gauges.Collect();
  EXPECT_EQ(db.reads, 1);
  clock.Advance(absl::Seconds(1));
  db.snapshot.workers_by_state["idle"].count = 4;
  EXPECT_THAT(Render(gauges.Collect()),
              HasSubstr("edgectl_controlplane_fleet_workers{state=\"idle\"} 4"));
  EXPECT_EQ(db.reads, 2);
}

TEST(FleetGaugesTest, AnUnreadableDatabaseLeavesTheGaugesOutAndIsCounted) {
  FakeFleetDatabase db;
  db.snapshot.workers_by_state = {{"idle", {3, 1}}};
  testing::ManualClock clock;
  FleetGauges gauges(db, clock, absl::Seconds(5));
  gauges.Collect();
  db.read_error = absl::UnavailableError("connection refused");
  clock.Advance(absl::Seconds(5));
  const std::string text = Render(gauges.Collect());
  // Not "0 workers": an outage of the database must not look like an empty fleet.
  EXPECT_THAT(text, Not(HasSubstr("edgectl_controlplane_fleet_workers{")));
  EXPECT_THAT(text, HasSubstr("edgectl_controlplane_fleet_read_errors_total 1"));
}

TEST(ReadinessProbeTest, ReadyOnlyWhenBothDependenciesAnswerAndSaysWhichFails) {
  absl::Status db = absl::OkStatus();
  absl::Status api = absl::OkStatus();
  testing::ManualClock clock;
  ReadinessProbe probe([&] { return db; }, [&] { return api; }, clock, absl::Seconds(1));
  EXPECT_TRUE(probe.Check().ready());
  api = absl::UnavailableError("connection refused by http://airflow:8080");
  EXPECT_TRUE(probe.Check().ready()) << "a round is reused for the ttl";
  clock.Advance(absl::Seconds(1));
  ReadinessReport report = probe.Check();
  EXPECT_FALSE(report.ready());
  EXPECT_TRUE(report.database.ok());
  EXPECT_THAT(report.Json(), HasSubstr("\"status\":\"not ready\""));
  EXPECT_THAT(report.Json(), HasSubstr("connection refused by http://airflow:8080"));
}

TEST(ReadinessProbeTest, AHungDependencyIsReportedAtTheDeadline) {
  absl::Notification release;
  std::atomic<int> api_calls{0};
  testing::ManualClock clock;
  {
    ReadinessProbe probe([] { return absl::OkStatus(); },
                         [&] {
                           ++api_calls;
                           release.WaitForNotification();
                           return absl::OkStatus();
                         },
                         clock, absl::Seconds(1), absl::Milliseconds(200));
    ReadinessReport first = probe.Check();
    EXPECT_FALSE(first.ready());
    EXPECT_TRUE(first.database.ok()) << first.database;
    EXPECT_EQ(first.airflow_api.code(), absl::StatusCode::kDeadlineExceeded);
    EXPECT_THAT(first.Json(), HasSubstr("the Airflow API server did not answer within"));
    // Asked again while the round still hangs: no second round is started.
    probe.Check();
    EXPECT_EQ(api_calls.load(), 1);
    release.Notify();
  }
}

TEST(SidecarMetricsTest, RendersThroughPrometheusCppWithProcessAndBuildFamilies) {
  Metrics m;
  m.SetConnectedWorkersSource([] { return size_t{3}; });
  m.JobDispatched();
  m.CallRefused("unauthenticated");
  m.RecordRestCall("jobs/fetch", absl::Milliseconds(3), absl::UnavailableError("503"));
  m.LogChunkStored(absl::Milliseconds(40), 1000);
  const std::string text = m.RenderPrometheusText();
  EXPECT_THAT(text, HasSubstr("edgectl_controlplane_workers_connected 3"));
  EXPECT_THAT(text, HasSubstr("edgectl_controlplane_jobs_dispatched_total 1"));
  EXPECT_THAT(text, HasSubstr("edgectl_controlplane_calls_refused_total{reason=\"unauthenticated\"} 1"));
  EXPECT_THAT(text, HasSubstr(
      "edgectl_controlplane_rest_errors_total{code=\"UNAVAILABLE\",endpoint=\"jobs/fetch\"} 1"));
  EXPECT_THAT(text, HasSubstr(
      "edgectl_controlplane_rest_request_duration_seconds_bucket{endpoint=\"jobs/fetch\",le=\"0.005\"} 1"));
  EXPECT_THAT(text, HasSubstr("edgectl_controlplane_log_bytes_stored_total 1000"));
  EXPECT_THAT(text, HasSubstr("edgectl_controlplane_log_lag_seconds_bucket{le=\"0.05\"} 1"));
  EXPECT_THAT(text, HasSubstr("edgectl_controlplane_build_info{version="));
  EXPECT_THAT(text, HasSubstr("process_resident_memory_bytes "));
  EXPECT_THAT(text, HasSubstr("process_open_fds "));
  EXPECT_EQ(m.calls_refused("unauthenticated"), 1u);
  EXPECT_EQ(m.calls_refused("never"), 0u);
  EXPECT_THAT(m.RenderPrometheusText(), Not(HasSubstr("reason=\"never\"")));
}

TEST(ProbeRoutesTest, HealthzAndReadyzOverHttp) {
  absl::Status db = absl::OkStatus();
  testing::ManualClock clock;
  ReadinessProbe probe([&] { return db; }, [] { return absl::OkStatus(); }, clock,
                       absl::ZeroDuration());
  httplib::Server server;
  MountProbeRoutes(server, probe);
  const int port = server.bind_to_any_port("127.0.0.1");
  std::thread serving([&] { server.listen_after_bind(); });
  httplib::Client client("127.0.0.1", port);
  auto healthz = client.Get("/healthz");
  ASSERT_TRUE(healthz);
  EXPECT_EQ(healthz->status, 200);
  auto ready = client.Get("/readyz");
  ASSERT_TRUE(ready);
  EXPECT_EQ(ready->status, 200) << ready->body;
  db = absl::UnavailableError("PostgreSQL at 127.0.0.1:5432 refused the connection");
  auto not_ready = client.Get("/readyz");
  ASSERT_TRUE(not_ready);
  EXPECT_EQ(not_ready->status, 503);
  EXPECT_THAT(not_ready->body, HasSubstr("refused the connection"));
  server.stop();
  serving.join();
}

}  // namespace
}  // namespace edgectl::controlplane
