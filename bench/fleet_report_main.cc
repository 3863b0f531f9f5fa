// fleet_report: turns the JSON reports of several edge_bench runs (one per fleet size N, as
// `scripts/bench --fleet` makes them) into report.md (one Markdown table per side) and the
// inputs of chart.png (chart.dat, chart.gp for gnuplot), in the output directory.
//   fleet_report OUT_DIR run-100.json run-1000.json ...
// Exit status 1 when a file cannot be read or written.
#include <fstream>
#include <iostream>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "nlohmann/json.hpp"

namespace {

using nlohmann::json;

double Num(const json& j, const std::vector<std::string>& path) {
  const json* at = &j;
  for (const std::string& key : path) {
    if (!at->is_object() || !at->contains(key)) return 0;
    at = &(*at)[key];
  }
  return at->is_number() ? at->get<double>() : 0;
}

std::string F(double v, const char* format = "%.1f") { return absl::StrFormat(format, v); }

std::string Table(const std::vector<json>& runs) {
  const json& first = runs.front();
  std::string out = absl::StrCat(
      "edge_bench fleet sweep, ", first.value("date", std::string("?")), ", host `",
      first["machine"].value("hostname", std::string("?")), "`: ",
      first["machine"].value("cores", 0), " cores (", first["machine"].value("cpu", std::string("?")),
      "), ", F(Num(first, {"machine", "memory_mb"}) / 1024, "%.0f"), " GB RAM, build ",
      first.value("build", std::string("?")), ".\n\n");
  absl::StrAppend(
      &out,
      "### edgectl (push over gRPC; sidecar `edgectl controlplane` in its own process, TLS, "
      "per-worker tokens, NOTIFY trigger)\n\n"
      "| workers | connections | dispatch p50 / p99 ms | burst jobs/s (2,000 jobs) | REST calls "
      "per idle worker-minute | PG statements/s idle: sidecar / with heartbeats | PG "
      "statements/s under load | sidecar RSS KB per worker (kept after leave) | sidecar CPU to "
      "connect, ms per worker | sidecar idle CPU % |\n"
      "|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n");
  for (const json& r : runs) {
    const json& p = r["parameters"];
    absl::StrAppend(
        &out, "| ", p.value("edgectl_workers", 0), " | ", r["sidecar"].value("connections", 0),
        " | ", F(Num(r, {"dispatch_latency", "edgectl", "queued_to_delivered", "p50_ms"})), " / ",
        F(Num(r, {"dispatch_latency", "edgectl", "queued_to_delivered", "p99_ms"})), " | ",
        F(Num(r, {"burst", "jobs_per_second"}), "%.0f"),
        Num(r, {"burst", "missing"}) > 0
            ? absl::StrCat(" (", F(Num(r, {"burst", "missing"}), "%.0f"), " missing)")
            : "",
        " | ", F(Num(r, {"idle_rest_calls", "edgectl", "per_worker_minute_at_default_intervals"}),
                 "%.2f"),
        " | ", F(Num(r, {"idle_postgres", "statements_per_second"})), " / ",
        F(Num(r, {"idle_postgres", "edgectl_with_heartbeats_per_second"})), " | ",
        F(Num(r, {"burst", "pg_statements_per_second"}), "%.0f"), " | ",
        F(Num(r, {"sidecar", "rss_per_worker_kb"})), " (",
        F(Num(r, {"sidecar", "rss_kept_after_leave_per_worker_kb"})), ") | ",
        F(Num(r, {"sidecar", "connect_cpu_ms_per_worker"}), "%.2f"), " | ",
        F(Num(r, {"sidecar", "idle_cpu_percent"}), "%.2f"), " |\n");
  }
  absl::StrAppend(
      &out,
      "\n### edge3 protocol baseline (polling REST workers, same run, same PostgreSQL and "
      "Airflow double)\n\n"
      "| edgectl run at | edge3 workers | queued -> fetched p50 / p99 ms | REST calls per idle "
      "worker-minute | PG statements/s idle |\n|---:|---:|---:|---:|---:|\n");
  for (const json& r : runs) {
    const json& p = r["parameters"];
    if (p.value("edge3_workers", 0) == 0) {
      absl::StrAppend(&out, "| ", p.value("edgectl_workers", 0),
                      " | not run (a thread per edge3 worker) | | | |\n");
      continue;
    }
    absl::StrAppend(
        &out, "| ", p.value("edgectl_workers", 0), " | ", p.value("edge3_workers", 0), " | ",
        F(Num(r, {"dispatch_latency", "edge3", "queued_to_fetched", "p50_ms"}), "%.0f"), " / ",
        F(Num(r, {"dispatch_latency", "edge3", "queued_to_fetched", "p99_ms"}), "%.0f"), " | ",
        F(Num(r, {"idle_rest_calls", "edge3", "per_worker_minute_at_default_intervals"}), "%.2f"),
        " | ", F(Num(r, {"idle_postgres", "edge3_per_second"})), " |\n");
  }
  absl::StrAppend(&out, "\n![dispatch latency and idle cost against N](chart.png)\n");
  return out;
}

// Columns: N, edgectl p50, p99, edgectl idle PG/s, edgectl REST/idle worker-minute,
// edge3 workers, edge3 p50, edge3 idle PG/s, edge3 REST/idle worker-minute, workers per
// connection.
std::string ChartData(const std::vector<json>& runs) {
  std::string out = "# N edgectl_p50 edgectl_p99 edgectl_pg edgectl_rest edge3_n edge3_p50 "
                    "edge3_pg edge3_rest per_connection\n";
  for (const json& r : runs) {
    if (r["parameters"].value("edge3_workers", 0) == 0) {
      absl::StrAppend(
          &out, r["parameters"].value("edgectl_workers", 0), " ",
          Num(r, {"dispatch_latency", "edgectl", "queued_to_delivered", "p50_ms"}), " ",
          Num(r, {"dispatch_latency", "edgectl", "queued_to_delivered", "p99_ms"}), " ",
          Num(r, {"idle_postgres", "edgectl_with_heartbeats_per_second"}), " ",
          Num(r, {"idle_rest_calls", "edgectl", "per_worker_minute_at_default_intervals"}),
          " NaN NaN NaN NaN ", r["parameters"].value("workers_per_connection", 1), "\n");
      continue;
    }
    absl::StrAppend(
        &out, r["parameters"].value("edgectl_workers", 0), " ",
        Num(r, {"dispatch_latency", "edgectl", "queued_to_delivered", "p50_ms"}), " ",
        Num(r, {"dispatch_latency", "edgectl", "queued_to_delivered", "p99_ms"}), " ",
        Num(r, {"idle_postgres", "edgectl_with_heartbeats_per_second"}), " ",
        Num(r, {"idle_rest_calls", "edgectl", "per_worker_minute_at_default_intervals"}), " ",
        r["parameters"].value("edge3_workers", 0), " ",
        Num(r, {"dispatch_latency", "edge3", "queued_to_fetched", "p50_ms"}), " ",
        Num(r, {"idle_postgres", "edge3_per_second"}), " ",
        Num(r, {"idle_rest_calls", "edge3", "per_worker_minute_at_default_intervals"}), " ",
        r["parameters"].value("workers_per_connection", 1), "\n");
  }
  return out;
}

// `terminal`: pngcairo when gnuplot has it, else png (scripts/bench checks).
std::string ChartScript() {
  return R"gp(if (!exists("term")) term = "pngcairo"
if (term eq "pngcairo") set terminal pngcairo size 1400,520 font "sans,10"; else set terminal png size 1400,520
set output "chart.png"
set termoption noenhanced
set multiplot layout 1,2 title "edgectl push vs edge3 polling protocol (edge_bench fleet sweep)"
set logscale xy
set grid
set key top left
set xlabel "workers (N)"
set ylabel "queued -> worker has the job, ms"
set title "Dispatch latency"
plot "chart.dat" using 1:($10 == 1 ? $2 : 1/0) with linespoints lw 2 pt 7 lc 1 title "edgectl p50, a connection per worker", \
     "" using 1:($10 == 1 ? $3 : 1/0) with linespoints lw 2 pt 5 lc 2 title "edgectl p99, a connection per worker", \
     "" using 1:($10 > 1 ? $2 : 1/0) with linespoints lw 1 dt 2 pt 6 lc 1 title "edgectl p50, workers share connections", \
     "" using 1:($10 > 1 ? $3 : 1/0) with linespoints lw 1 dt 2 pt 4 lc 2 title "edgectl p99, workers share connections", \
     "" using 6:7 with points pt 9 ps 2 title "edge3 p50 (poll 5 s)"
set title "Idle cost (nothing queued, heartbeats 30 s, edge3 poll 5 s)"
set ylabel "per second / per worker-minute"
plot "chart.dat" using 1:4 with linespoints lw 2 pt 7 title "edgectl PostgreSQL statements/s", \
     "" using 6:8 with points pt 9 ps 2 title "edge3 PostgreSQL statements/s", \
     "" using 1:5 with linespoints lw 2 pt 5 title "edgectl REST calls / idle worker-minute", \
     "" using 6:9 with points pt 11 ps 2 title "edge3 REST calls / idle worker-minute"
unset multiplot
)gp";
}

bool Write(const std::string& path, const std::string& text) {
  std::ofstream out(path);
  out << text;
  if (!out) std::cerr << "fleet_report: cannot write " << path << "\n";
  return static_cast<bool>(out);
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 3) {
    std::cerr << "usage: fleet_report OUT_DIR RUN.json...\n";
    return 1;
  }
  const std::string dir = argv[1];
  std::vector<json> runs;
  for (int i = 2; i < argc; ++i) {
    std::ifstream in(argv[i]);
    json j = json::parse(in, nullptr, /*allow_exceptions=*/false);
    if (j.is_discarded()) {
      std::cerr << "fleet_report: cannot read " << argv[i] << "\n";
      return 1;
    }
    runs.push_back(std::move(j));
  }
  const bool ok = Write(dir + "/report.md", Table(runs)) &&
                  Write(dir + "/chart.dat", ChartData(runs)) &&
                  Write(dir + "/chart.gp", ChartScript());
  if (ok) std::cout << Table(runs);
  return ok ? 0 : 1;
}
