#include "bench/bench_report.h"

#include <stdio.h>
#include <unistd.h>

#include <algorithm>
#include <thread>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/time/clock.h"
#include "bench/build_mode.h"

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


json UsageJson(const ProcessUsage& u) {
  return {{"rss_kb", u.rss_kb}, {"hwm_kb", u.hwm_kb}, {"cpu_s", u.cpu_s}, {"threads", u.threads}};
}

std::string CpuModel() {
  FILE* f = fopen("/proc/cpuinfo", "r");
  if (f == nullptr) return "unknown";
  char line[512];
  std::string model = "unknown";
  while (fgets(line, sizeof(line), f) != nullptr) {
    std::string l(line);
    if (l.rfind("model name", 0) == 0) {
      model = l.substr(l.find(':') + 2);
      while (!model.empty() && model.back() == '\n') model.pop_back();
      break;
    }
  }
  fclose(f);
  return model;
}

int64_t MemTotalMb() {
  const long pages = sysconf(_SC_PHYS_PAGES);
  return static_cast<int64_t>(pages) * sysconf(_SC_PAGE_SIZE) / (1024 * 1024);
}

}  // namespace

json ReportJson(const BenchParameters& p, const BenchResults& r) {
  const EdgectlDispatchResult& a = r.edgectl_dispatch;
  const Edge3DispatchResult& b = r.edge3_dispatch;
  json report;
  report["date"] = absl::FormatTime("%Y-%m-%dT%H:%M:%SZ", absl::Now(), absl::UTCTimeZone());
  report["machine"] = {{"hostname", Hostname()},
                       {"cores", std::thread::hardware_concurrency()},
                       {"cpu", CpuModel()},
                       {"memory_mb", MemTotalMb()}};
  report["build"] = BuildMode();
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
      {"burst_jobs", p.burst_jobs},
      {"workers_per_connection", p.workers_per_connection},
      {"sidecar_process", p.sidecar_process},
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
  {
    // Idle PostgreSQL statements per second at the unscaled intervals. edgectl: the sidecar's
    // own rate (measured without heartbeats, not scaled) plus what the heartbeats cost the
    // database through Airflow, scaled back; edge3: all of its window, scaled back.
    const double window = absl::ToDoubleSeconds(p.idle_window);
    const double own = r.idle_pg_statements / std::max(1e-9, absl::ToDoubleSeconds(p.pg_idle_window));
    const double edgectl_hb =
        std::max(0.0, r.edgectl_idle_window_pg_statements - own * window) / window /
        p.idle_time_scale;
    report["idle_postgres"]["edgectl_with_heartbeats_per_second"] = own + edgectl_hb;
    report["idle_postgres"]["edgectl_window_statements"] = r.edgectl_idle_window_pg_statements;
    report["idle_postgres"]["edge3_window_statements"] = r.edge3_idle_window_pg_statements;
    report["idle_postgres"]["edge3_per_second"] =
        r.edge3_idle_window_pg_statements / window / p.idle_time_scale;
  }
  if (p.burst_jobs > 0) {
    const BurstResult& b = r.burst;
    report["burst"] = {{"jobs", b.jobs},
                       {"missing", b.missing},
                       {"insert_ms", absl::ToDoubleMilliseconds(b.insert)},
                       {"elapsed_ms", absl::ToDoubleMilliseconds(b.elapsed)},
                       {"jobs_per_second", b.jobs_per_second},
                       {"queued_to_delivered", ToJson(b.delivered)},
                       {"pg_statements", b.pg_statements},
                       {"pg_statements_per_second", b.pg_statements_per_second},
                       {"rest_calls", b.rest_calls},
                       {"cpu_s", {{"sidecar", b.sidecar_cpu_s},
                                  {"bench_process", b.bench_cpu_s},
                                  {"machine", b.machine_busy_s}}}};
  }
  if (r.sidecar.measured) {
    const SidecarUsageResult& u = r.sidecar;
    const double n = std::max(1, p.edgectl_workers);
    report["sidecar"] = {
        {"connections", u.connections},
        {"started", UsageJson(u.started)},
        {"registered", UsageJson(u.registered)},
        {"connected", UsageJson(u.connected)},
        {"rss_registered_per_worker_kb", (u.registered.rss_kb - u.started.rss_kb) / n},
        {"after_leave", UsageJson(u.after_leave)},
        {"connect_s", absl::ToDoubleSeconds(u.connect_time)},
        {"rss_per_worker_kb", (u.connected.rss_kb - u.started.rss_kb) / n},
        {"rss_kept_after_leave_per_worker_kb", (u.after_leave.rss_kb - u.started.rss_kb) / n},
        {"connect_cpu_ms_per_worker", (u.connected.cpu_s - u.started.cpu_s) * 1000 / n},
        {"idle_cpu_percent", u.idle_cpu_s * 100 / absl::ToDoubleSeconds(p.pg_idle_window)},
        {"idle_cpu_us_per_worker_second",
         u.idle_cpu_s * 1e6 / absl::ToDoubleSeconds(p.pg_idle_window) / n}};
  }
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
                                 j["machine"]["cores"].dump(), " cores, ",
                                 j["machine"].value("cpu", std::string("?")), "), build ",
                                 j.value("build", std::string("?")), "\n\n");
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
  if (j.contains("idle_postgres") && j["idle_postgres"].contains("edge3_per_second")) {
    const json& pg = j["idle_postgres"];
    absl::StrAppend(
        &out, absl::StrFormat("  idle PostgreSQL statements/s at the unscaled intervals, the "
                              "Airflow double's included: edgectl %.1f (%d workers), edge3 %.1f "
                              "(%d workers)\n",
                              Num(pg["edgectl_with_heartbeats_per_second"]),
                              p["edgectl_workers"].get<int>(), Num(pg["edge3_per_second"]),
                              p["edge3_workers"].get<int>()));
  }
  absl::StrAppend(&out, "\n");
  if (j.contains("burst")) {
    const json& b = j["burst"];
    absl::StrAppend(
        &out, "4. Burst: jobs committed in one transaction, to random workers\n",
        absl::StrFormat("  %d jobs (insert %.0f ms): all success reports answered %.0f ms after "
                        "the commit = %.0f jobs/s; missing %d\n",
                        b["jobs"].get<int>(), Num(b["insert_ms"]), Num(b["elapsed_ms"]),
                        Num(b["jobs_per_second"]), b["missing"].get<int>()),
        LatencyLine("burst queued -> delivered", b["queued_to_delivered"]),
        absl::StrFormat("  PostgreSQL %.0f statements/s during the burst (%d); REST:%s\n",
                        Num(b["pg_statements_per_second"]), b["pg_statements"].get<int64_t>(),
                        Counts(b["rest_calls"])),
        absl::StrFormat("  CPU in that time: sidecar %.1f s, benchmark process (Airflow double, "
                        "fleet) %.1f s, machine %.1f s of %.1f s x %d cores\n\n",
                        Num(b["cpu_s"]["sidecar"]), Num(b["cpu_s"]["bench_process"]),
                        Num(b["cpu_s"]["machine"]), Num(b["elapsed_ms"]) / 1000,
                        j["machine"]["cores"].get<int>()));
  }
  if (j.contains("sidecar")) {
    const json& u = j["sidecar"];
    absl::StrAppend(
        &out, "5. Sidecar process (edgectl controlplane, /proc/PID)\n",
        absl::StrFormat("  %d workers over %d connections, connected in %.1f s\n",
                        p["edgectl_workers"].get<int>(), u["connections"].get<int>(),
                        Num(u["connect_s"])),
        absl::StrFormat("  RSS: started %.1f MB, registered %.1f MB, connected %.1f MB (peak %.1f "
                        "MB), after the workers left %.1f MB\n",
                        Num(u["started"]["rss_kb"]) / 1024, Num(u["registered"]["rss_kb"]) / 1024,
                        Num(u["connected"]["rss_kb"]) / 1024,
                        Num(u["connected"]["hwm_kb"]) / 1024,
                        Num(u["after_leave"]["rss_kb"]) / 1024),
        absl::StrFormat("  per connected worker: %.1f KB RSS (%.1f KB still held after they "
                        "left), %.2f ms CPU to register and connect\n",
                        Num(u["rss_per_worker_kb"]), Num(u["rss_kept_after_leave_per_worker_kb"]),
                        Num(u["connect_cpu_ms_per_worker"])),
        absl::StrFormat("  idle (no heartbeats): %.2f %% of a core, %.2f us CPU per worker-second\n\n",
                        Num(u["idle_cpu_percent"]), Num(u["idle_cpu_us_per_worker_second"])));
  }
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
