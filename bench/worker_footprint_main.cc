// worker_footprint: the memory of an idle, connected edge worker as a real process.
//
// Starts a throwaway PostgreSQL, the Airflow API double and the sidecar (tests/e2e/edge_stack.h,
// TLS and a client certificate as deployed), then, one after the other, `edgectl worker` (the
// whole CLI) and `edgectl_worker worker` (the worker-only binary, //worker:edgectl_worker). Each
// registers, connects and heartbeats; once its row is `idle` its /proc is sampled every 250 ms
// for --idle_window_s and the largest values are reported:
//   RSS       resident pages (VmRSS), what `ps` and the target count;
//   file      the part of RSS that is file-backed (program and shared-library pages: clean,
//             shared with every process mapping the same files, dropped and re-read by the
//             kernel under pressure);
//   anon      private anonymous memory (heap, stacks): what the worker allocated;
//   PSS       RSS with shared pages divided among the processes sharing them;
//   private   pages no other process maps (clean + dirty);
// plus the five largest mappings of the worker-only binary. Build optimised:
// `bazel build -c opt //bench:worker_footprint` (scripts/bench does).
#include <gflags/gflags.h>
#include <stdlib.h>

#include <algorithm>
#include <fstream>
#include <iostream>
#include <map>
#include <sstream>
#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "absl/time/clock.h"
#include "bench/build_mode.h"
#include "tests/e2e/edge_stack.h"
#include "tests/e2e/local_database.h"
#include "tests/fixtures/postgres_server.h"

DEFINE_string(edgectl, "bazel-bin/cli/edgectl", "path of the edgectl binary (sidecar, CLI)");
DEFINE_string(edgectl_worker, "bazel-bin/worker/edgectl_worker",
              "path of the worker-only binary");
DEFINE_string(airflow_double, "bazel-bin/tests/airflow_double/airflow_double_main",
              "path of the Airflow API double binary");
DEFINE_string(standin, "tests/task_sdk_standin", "folder of the Task SDK stand-in (PYTHONPATH)");
DEFINE_string(make_certs, "scripts/make-certs", "the certificate helper script");
DEFINE_int32(idle_window_s, 10, "how long each idle worker is sampled");

namespace edgectl::bench {
namespace {

// kB values of /proc/PID/status and /proc/PID/smaps_rollup, by field name.
std::map<std::string, int64_t> ReadKb(const std::string& path) {
  std::map<std::string, int64_t> values;
  std::ifstream in(path);
  std::string line;
  while (std::getline(in, line)) {
    std::vector<std::string> parts = absl::StrSplit(line, absl::ByAnyChar(" \t"), absl::SkipEmpty());
    if (parts.size() < 3 || parts.back() != "kB") continue;
    int64_t kb = 0;
    if (absl::SimpleAtoi(parts[parts.size() - 2], &kb)) {
      std::string key = parts[0];
      if (!key.empty() && key.back() == ':') key.pop_back();
      values[key] = kb;
    }
  }
  return values;
}

struct Footprint {
  int64_t rss = 0, file = 0, anon = 0, pss = 0, priv = 0;
  int threads = 0;
};

Footprint Sample(pid_t pid) {
  const std::string dir = absl::StrCat("/proc/", pid);
  std::map<std::string, int64_t> status = ReadKb(dir + "/status");
  std::map<std::string, int64_t> rollup = ReadKb(dir + "/smaps_rollup");
  Footprint f;
  f.rss = status["VmRSS"];
  f.file = status["RssFile"];
  f.anon = status["RssAnon"];
  f.pss = rollup["Pss"];
  f.priv = rollup["Private_Clean"] + rollup["Private_Dirty"];
  std::ifstream in(dir + "/status");
  std::string line;
  while (std::getline(in, line)) {
    if (absl::StartsWith(line, "Threads:")) {
      absl::SimpleAtoi(absl::StripAsciiWhitespace(line.substr(8)), &f.threads);
    }
  }
  return f;
}

// The largest mappings by RSS (file name or [heap]/[anon]).
std::vector<std::pair<int64_t, std::string>> LargestMappings(pid_t pid, size_t n) {
  std::map<std::string, int64_t> by_name;
  std::ifstream in(absl::StrCat("/proc/", pid, "/smaps"));
  std::string line, name;
  while (std::getline(in, line)) {
    std::vector<std::string> parts = absl::StrSplit(line, absl::ByAnyChar(" \t"), absl::SkipEmpty());
    if (!parts.empty() && parts[0].find('-') != std::string::npos && parts[0].back() != ':') {
      name = parts.size() >= 6 ? parts[5] : "[anon]";
    } else if (parts.size() >= 2 && parts[0] == "Rss:") {
      int64_t kb = 0;
      if (absl::SimpleAtoi(parts[1], &kb)) by_name[name] += kb;
    }
  }
  std::vector<std::pair<int64_t, std::string>> sorted;
  for (const auto& [mapping, kb] : by_name) sorted.push_back({kb, mapping});
  std::sort(sorted.rbegin(), sorted.rend());
  if (sorted.size() > n) sorted.resize(n);
  return sorted;
}

std::string Mb(int64_t kb) { return absl::StrFormat("%.1f MB", kb / 1024.0); }

absl::StatusOr<Footprint> MeasureIdle(e2e::EdgeStack& stack, const std::string& name,
                                      bool show_mappings) {
  auto worker = stack.StartWorker(name);
  if (!worker.ok()) return worker.status();
  const absl::Time deadline = absl::Now() + absl::Seconds(60);
  while (e2e::QueryValue(stack.dsn(), "SELECT state FROM edge_worker WHERE worker_name = '" +
                                          name + "'") != "idle") {
    if (absl::Now() > deadline) return absl::DeadlineExceededError(name + " never became idle");
    absl::SleepFor(absl::Milliseconds(100));
  }
  Footprint most;
  const absl::Time end = absl::Now() + absl::Seconds(FLAGS_idle_window_s);
  while (absl::Now() < end) {
    const Footprint f = Sample((*worker)->pid());
    most.rss = std::max(most.rss, f.rss);
    most.file = std::max(most.file, f.file);
    most.anon = std::max(most.anon, f.anon);
    most.pss = std::max(most.pss, f.pss);
    most.priv = std::max(most.priv, f.priv);
    most.threads = std::max(most.threads, f.threads);
    absl::SleepFor(absl::Milliseconds(250));
  }
  if (show_mappings) {
    std::cout << "  largest mappings of " << name << ":\n";
    for (const auto& [kb, mapping] : LargestMappings((*worker)->pid(), 6)) {
      std::cout << absl::StrFormat("    %8s  %s\n", Mb(kb), mapping);
    }
  }
  return most;
}

int Run() {
  char work_template[] = "/tmp/edgectl-footprint-XXXXXX";
  if (mkdtemp(work_template) == nullptr) return 1;
  testing::PostgresServer postgres;
  absl::StatusOr<std::string> dsn = e2e::StartEdgeDatabase(postgres, "footprint");
  if (!dsn.ok()) {
    std::cerr << "worker_footprint: " << dsn.status() << "\n";
    return 1;
  }
  e2e::EdgeStackOptions options;
  options.dsn = *dsn;
  options.work_dir = work_template;
  options.edgectl_binary = FLAGS_edgectl;
  options.double_binary = FLAGS_airflow_double;
  options.standin_dir = FLAGS_standin;
  options.make_certs_script = FLAGS_make_certs;
  options.heartbeat_interval_sec = 2;
  auto stack = e2e::EdgeStack::Start(options);
  if (!stack.ok()) {
    std::cerr << "worker_footprint: " << stack.status() << "\n";
    return 1;
  }
  std::cout << "4. Worker idle memory (real process, connected over TLS, heartbeating every 2 s; "
               "largest values over "
            << FLAGS_idle_window_s << " s; build " << BuildMode() << ")\n";
  absl::StatusOr<Footprint> full = MeasureIdle(**stack, "footprint-cli", false);
  // The worker-only binary: same stack, same flags.
  (*stack)->set_worker_binary(FLAGS_edgectl_worker);
  absl::StatusOr<Footprint> small = MeasureIdle(**stack, "footprint-worker", true);
  if (!full.ok() || !small.ok()) {
    std::cerr << "worker_footprint: " << (full.ok() ? small.status() : full.status()) << "\n";
    return 1;
  }
  auto row = [](const std::string& what, const Footprint& f) {
    std::cout << absl::StrFormat(
        "  %-30s RSS %8s (file %8s, anon %7s)  PSS %8s  private %7s  threads %d\n", what,
        Mb(f.rss), Mb(f.file), Mb(f.anon), Mb(f.pss), Mb(f.priv), f.threads);
  };
  row("edgectl worker (whole CLI)", *full);
  row("edgectl_worker (worker-only)", *small);
  std::cout << absl::StrFormat(
      "  target: idle RSS <= 10 MB: %s (anonymous memory %s; the rest is program and shared "
      "library pages)\n",
      small->rss <= 10 * 1024 ? "met" : "missed", Mb(small->anon));
  return 0;
}

}  // namespace
}  // namespace edgectl::bench

int main(int argc, char** argv) {
  gflags::ParseCommandLineFlags(&argc, &argv, true);
  return edgectl::bench::Run();
}
