#include "common/metrics/process_metrics.h"

#include <unistd.h>

#include <fstream>
#include <optional>
#include <sstream>
#include <string>

#include "absl/strings/numbers.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "common/build_info.h"
#include "common/metrics/scrape_registry.h"
#include "common/process_descriptors.h"

namespace edgectl::metrics {
namespace {

std::string ReadFile(const char* path) {
  std::ifstream in(path);
  std::stringstream out;
  out << in.rdbuf();
  return out.str();
}

// Seconds since the epoch at which the system booted (/proc/stat "btime").
bool BootTime(double* seconds) {
  std::istringstream stat(ReadFile("/proc/stat"));
  std::string line;
  while (std::getline(stat, line)) {
    absl::string_view view(line);
    if (absl::ConsumePrefix(&view, "btime ")) return absl::SimpleAtod(view, seconds);
  }
  return false;
}

}  // namespace

std::vector<prometheus::MetricFamily> CollectProcessMetrics() {
  std::vector<prometheus::MetricFamily> out;
  const double ticks = static_cast<double>(sysconf(_SC_CLK_TCK));
  const double page = static_cast<double>(sysconf(_SC_PAGESIZE));
  // /proc/self/stat: the command name (field 2) may hold spaces, so split after its ')'.
  const std::string stat = ReadFile("/proc/self/stat");
  const size_t close = stat.rfind(')');
  if (close != std::string::npos && ticks > 0) {
    std::vector<std::string> f = absl::StrSplit(stat.substr(close + 2), ' ');
    // After ')': f[0] is field 3 (state); utime=14, stime=15, starttime=22, vsize=23, rss=24.
    double utime, stime, start, vsize, rss;
    if (f.size() > 21 && absl::SimpleAtod(f[11], &utime) && absl::SimpleAtod(f[12], &stime) &&
        absl::SimpleAtod(f[19], &start) && absl::SimpleAtod(f[20], &vsize) &&
        absl::SimpleAtod(f[21], &rss)) {
      prometheus::MetricFamily cpu = CounterFamily(
          "process_cpu_seconds_total", "Total user and system CPU time spent in seconds.");
      AddSample(cpu, {}, (utime + stime) / ticks);
      out.push_back(std::move(cpu));
      prometheus::MetricFamily resident =
          GaugeFamily("process_resident_memory_bytes", "Resident memory size in bytes.");
      AddSample(resident, {}, rss * page);
      out.push_back(std::move(resident));
      prometheus::MetricFamily virt =
          GaugeFamily("process_virtual_memory_bytes", "Virtual memory size in bytes.");
      AddSample(virt, {}, vsize);
      out.push_back(std::move(virt));
      double boot;
      if (BootTime(&boot)) {
        prometheus::MetricFamily started = GaugeFamily(
            "process_start_time_seconds", "Start time of the process since unix epoch in seconds.");
        AddSample(started, {}, boot + start / ticks);
        out.push_back(std::move(started));
      }
    }
  }
  if (std::optional<size_t> fds = OpenDescriptorCount(); fds.has_value()) {
    prometheus::MetricFamily open = GaugeFamily("process_open_fds", "Number of open file descriptors.");
    AddSample(open, {}, static_cast<double>(*fds));
    out.push_back(std::move(open));
  }
  if (std::optional<size_t> limit = SoftDescriptorLimit(); limit.has_value()) {
    prometheus::MetricFamily max =
        GaugeFamily("process_max_fds", "Maximum number of open file descriptors.");
    AddSample(max, {}, static_cast<double>(*limit));
    out.push_back(std::move(max));
  }
  return out;
}

prometheus::MetricFamily BuildInfoFamily(const std::string& prefix) {
  prometheus::MetricFamily info = GaugeFamily(
      prefix + "_build_info", "Always 1; the labels say which edgectl version and commit run here.");
  AddSample(info, {{"version", kEdgectlVersion}, {"commit", GitCommit()}}, 1);
  return info;
}

}  // namespace edgectl::metrics
