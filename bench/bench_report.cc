#include "bench/bench_report.h"

#include <unistd.h>

#include <algorithm>
#include <thread>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/time/clock.h"

namespace edgectl::bench {
namespace {

using nlohmann::json;

// a / b, or null when b is zero (printed as "n/a").
json Ratio(double a, double b) { return b > 0 ? json(a / b) : json(nullptr); }

std::string Hostname() {
  char name[256] = {};
  return gethostname(name, sizeof(name) - 1) == 0 ? std::string(name) : "unknown";
}

json IdleJson(const IdleCostResult& r) {
  return {{"workers", r.workers},
          {"rest_calls", r.rest_calls},
          {"client_calls", r.client_calls},
          {"client_failures", r.client_failures},
          {"per_worker_minute_at_default_intervals", r.per_worker_minute}};
}

double Num(const json& j) { return j.is_number() ? j.get<double>() : 0; }
std::string RatioText(const json& j) {
  return j.is_number() ? absl::StrFormat("%.1fx", j.get<double>()) : "n/a";
}
std::string Ms(const json& summary, const char* field) {
  return absl::StrFormat("%9.1f ms", Num(summary[field]));
}
std::string LatencyLine(const char* label, const json& s) {
  return absl::StrCat(absl::StrFormat("  %-44s", label), "p50", Ms(s, "p50_ms"), "  p90",
                      Ms(s, "p90_ms"), "  p99", Ms(s, "p99_ms"), "  max", Ms(s, "max_ms"),
                      absl::StrFormat("  (n=%d)\n", s["count"].get<int>()));
}
std::string Counts(const json& counts) {
  std::string out;
  for (const auto& [name, n] : counts.items()) {
    if (n.get<int64_t>() > 0 && name != "total") absl::StrAppend(&out, " ", name, "=", n.dump());
  }
  return out.empty() ? " none" : out;
}

}  // namespace

json ReportJson(const BenchParameters& p, const BenchResults& r) {
  const EdgectlDispatchResult& a = r.edgectl_dispatch;
  const Edge3DispatchResult& b = r.edge3_dispatch;
  json report;
  report["date"] = absl::FormatTime("%Y-%m-%dT%H:%M:%SZ", absl::Now(), absl::UTCTimeZone());
  report["machine"] = {{"hostname", Hostname()},
                       {"cores", std::thread::hardware_concurrency()}};
  report["parameters"] = {
      {"edgectl_workers", p.edgectl_workers},
      {"edge3_workers", p.edge3_workers},
      {"edgectl_jobs", p.edgectl_jobs.jobs},
      {"edgectl_job_max_gap_ms", absl::ToDoubleMilliseconds(p.edgectl_jobs.max_gap)},
      {"edge3_jobs", p.edge3_jobs.jobs},
      {"edge3_job_max_gap_ms", absl::ToDoubleMilliseconds(p.edge3_jobs.max_gap)},
      {"job_poll_interval_s", absl::ToDoubleSeconds(p.job_poll_interval)},
      {"heartbeat_interval_s", absl::ToDoubleSeconds(p.heartbeat_interval)},
      {"sidecar_dispatch_poll_interval_ms", absl::ToDoubleMilliseconds(p.dispatch_poll_interval)},
      {"idle_time_scale", p.idle_time_scale},
      {"idle_window_s", absl::ToDoubleSeconds(p.idle_window)},
      {"seed", p.seed}};
  report["dispatch_latency"] = {
      {"edgectl",
       {{"jobs", a.jobs},
        {"missing", a.missing},
        {"queued_to_delivered", ToJson(a.delivered)},
        {"queued_to_running_acknowledged", ToJson(a.acknowledged)},
        {"rest_calls", a.rest_calls}}},
      {"edge3", {{"jobs", b.jobs}, {"missing", b.missing}, {"queued_to_fetched", ToJson(b.fetched)}}},
      {"ratio_p50_edge3_over_edgectl",
       Ratio(absl::ToDoubleSeconds(b.fetched.p50), absl::ToDoubleSeconds(a.delivered.p50))},
      {"ratio_p90_edge3_over_edgectl",
       Ratio(absl::ToDoubleSeconds(b.fetched.p90), absl::ToDoubleSeconds(a.delivered.p90))}};
  report["idle_rest_calls"] = {
      {"edgectl", IdleJson(r.edgectl_idle)},
      {"edge3", IdleJson(r.edge3_idle)},
      {"ratio_edge3_over_edgectl",
       Ratio(r.edge3_idle.per_worker_minute, r.edgectl_idle.per_worker_minute)}};
  report["idle_postgres"] = {
      {"notify_trigger", p.notify_trigger},
      {"window_s", absl::ToDoubleSeconds(p.pg_idle_window)},
      {"statements", r.idle_pg_statements},
      {"statements_per_second",
       r.idle_pg_statements / std::max(1e-9, absl::ToDoubleSeconds(p.pg_idle_window))}};
  if (p.page_viewers > 0) {
    const EdgectlDispatchResult& v = r.edgectl_dispatch_with_viewers;
    report["fleet_page_viewers"] = {
        {"viewers", r.viewers.viewers},
        {"requests", r.viewers.requests},
        {"failures", r.viewers.failures},
        {"bytes", r.viewers.bytes},
        {"answer", ToJson(r.viewers.answer)},
        {"jobs", v.jobs},
        {"missing", v.missing},
        {"queued_to_delivered", ToJson(v.delivered)},
        {"queued_to_running_acknowledged", ToJson(v.acknowledged)},
        {"without_viewers_queued_to_delivered", ToJson(a.delivered)}};
  }
  report["targets"] = {
      {"dispatch_p50_le_20ms", a.missing == 0 && a.delivered.p50 <= absl::Milliseconds(20)},
      {"idle_calls_per_worker_minute_le_2_5", r.edgectl_idle.per_worker_minute <= 2.5}};
  return report;
}

std::string ReportText(const json& j) {
  const json& p = j["parameters"];
  const json& lat = j["dispatch_latency"];
  const json& idle = j["idle_rest_calls"];
  const double scale = Num(p["idle_time_scale"]);
  std::string out = absl::StrCat("edge_bench ", j["date"].get<std::string>(), " on ",
                                 j["machine"]["hostname"].get<std::string>(), " (",
                                 j["machine"]["cores"].dump(), " cores)\n\n");
  absl::StrAppend(
      &out, "1. Dispatch latency (each job queued to one random worker's own queue)\n",
      absl::StrFormat("  edgectl: %d connected workers, sidecar dispatch poll %.0f ms, %d jobs\n",
                      p["edgectl_workers"].get<int>(), Num(p["sidecar_dispatch_poll_interval_ms"]),
                      lat["edgectl"]["jobs"].get<int>()),
      LatencyLine("edgectl queued -> delivered on stream", lat["edgectl"]["queued_to_delivered"]),
      LatencyLine("edgectl queued -> running acknowledged",
                  lat["edgectl"]["queued_to_running_acknowledged"]),
      absl::StrFormat("  edgectl jobs missing: %d; REST calls in the phase:%s\n",
                      lat["edgectl"]["missing"].get<int>(), Counts(lat["edgectl"]["rest_calls"])),
      absl::StrFormat("  edge3 baseline: %d polling workers, job_poll_interval %.1f s, %d jobs\n",
                      p["edge3_workers"].get<int>(), Num(p["job_poll_interval_s"]),
                      lat["edge3"]["jobs"].get<int>()),
      LatencyLine("edge3 queued -> fetched", lat["edge3"]["queued_to_fetched"]),
      absl::StrFormat("  edge3 jobs missing: %d\n", lat["edge3"]["missing"].get<int>()),
      "  (an edge3 job waits for its worker's next poll, uniform over the interval whatever the\n"
      "   number of workers: each job is in one worker's queue; the count only sets the load)\n",
      "  ratio edge3/edgectl (queued -> worker has the job): p50 ",
      RatioText(lat["ratio_p50_edge3_over_edgectl"]), ", p90 ",
      RatioText(lat["ratio_p90_edge3_over_edgectl"]), "\n\n");
  absl::StrAppend(
      &out, "2. REST calls per idle worker-minute (requests reaching the Airflow API double)\n",
      absl::StrFormat("  intervals shrunk %.0fx for both sides (heartbeat %.1f s, poll %.2f s), "
                      "window %.0f s; normalised to the unscaled intervals (heartbeat %.0f s, "
                      "poll %.0f s)\n",
                      scale, Num(p["heartbeat_interval_s"]) / scale,
                      Num(p["job_poll_interval_s"]) / scale, Num(p["idle_window_s"]),
                      Num(p["heartbeat_interval_s"]), Num(p["job_poll_interval_s"])));
  for (const char* side : {"edgectl", "edge3"}) {
    const json& s = idle[side];
    absl::StrAppend(&out,
                    absl::StrFormat("  %-8s %5d idle workers: %6.2f calls/worker-minute;"
                                    " counted:%s (workers made %d calls, %d failed)\n",
                                    side, s["workers"].get<int>(),
                                    Num(s["per_worker_minute_at_default_intervals"]),
                                    Counts(s["rest_calls"]), s["client_calls"].get<int64_t>(),
                                    s["client_failures"].get<int64_t>()));
  }
  absl::StrAppend(&out, "  ratio edge3/edgectl: ", RatioText(idle["ratio_edge3_over_edgectl"]),
                  "\n");
  if (j.contains("idle_postgres")) {
    const json& pg = j["idle_postgres"];
    absl::StrAppend(
        &out, absl::StrFormat("  edgectl sidecar, %d connected idle workers, no heartbeats, %s: "
                              "%.1f PostgreSQL statements/s (%d in %.0f s, pg_stat_statements)\n",
                              p["edgectl_workers"].get<int>(),
                              pg.value("notify_trigger", false) ? "NOTIFY trigger installed"
                                                                : "no NOTIFY trigger",
                              Num(pg["statements_per_second"]),
                              pg["statements"].get<int64_t>(), Num(pg["window_s"])));
  }
  absl::StrAppend(&out, "\n");
  if (j.contains("fleet_page_viewers")) {
    const json& v = j["fleet_page_viewers"];
    absl::StrAppend(
        &out, "3. Dispatch latency with open fleet pages (each polls /api/summary, /api/workers, "
              "/api/jobs every 2 s)\n",
        LatencyLine("edgectl queued -> delivered, no viewers", v["without_viewers_queued_to_delivered"]),
        LatencyLine(absl::StrCat("edgectl queued -> delivered, ", v["viewers"].dump(), " viewers").c_str(),
                    v["queued_to_delivered"]),
        LatencyLine("  ... -> running acknowledged, with viewers", v["queued_to_running_acknowledged"]),
        absl::StrFormat("  jobs missing: %d; viewer requests %d (%d failed, %.1f MB answered)\n",
                        v["missing"].get<int>(), v["requests"].get<int64_t>(),
                        v["failures"].get<int64_t>(), Num(v["bytes"]) / 1e6),
        LatencyLine("  a viewer's API answer", v["answer"]), "\n");
  }
  absl::StrAppend(&out, "Design targets: dispatch p50 <= 20 ms: ",
                  j["targets"]["dispatch_p50_le_20ms"].get<bool>() ? "met" : "NOT met",
                  "; <= 2.5 REST calls per idle worker-minute: ",
                  j["targets"]["idle_calls_per_worker_minute_le_2_5"].get<bool>() ? "met" : "NOT met",
                  "\n");
  return out;
}

}  // namespace edgectl::bench
