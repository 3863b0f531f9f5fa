// File: controlplane/execution_relay/relay_metrics.h
//
// Metrics of the Execution API relay, rendered into the sidecar's /metrics:
//   edgectl_controlplane_relay_requests_total{path,status}           counter
//   edgectl_controlplane_relay_request_duration_seconds{path}        histogram (sidecar to API
//                                                                     server and back)
// `path` is a template with a bounded set of values: ids and names are replaced
// (/execution/task-instances/{id}/heartbeat, /execution/xcoms/*), unknown routes become
// /execution/other, so a worker cannot grow the label set. Thread-safe.
#ifndef EDGECTL_CONTROLPLANE_EXECUTION_RELAY_RELAY_METRICS_H_
#define EDGECTL_CONTROLPLANE_EXECUTION_RELAY_RELAY_METRICS_H_

#include <array>
#include <cstdint>
#include <map>
#include <string>
#include <utility>

#include "absl/base/thread_annotations.h"
#include "absl/strings/string_view.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"

namespace edgectl::controlplane {

std::string RelayPathTemplate(absl::string_view path);

class RelayMetrics {
 public:
  static constexpr std::array<double, 12> kBuckets = {
      0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 10};

  void Record(absl::string_view path, int status, absl::Duration latency);
  uint64_t requests(const std::string& path_template, int status) const;
  void AppendPrometheusText(std::string* out) const;

 private:
  struct Histogram {
    std::array<uint64_t, kBuckets.size()> buckets{};
    uint64_t count = 0;
    double sum = 0;
  };
  mutable absl::Mutex mu_;
  std::map<std::pair<std::string, int>, uint64_t> requests_ ABSL_GUARDED_BY(mu_);
  std::map<std::string, Histogram> latency_ ABSL_GUARDED_BY(mu_);
};

}  // namespace edgectl::controlplane

#endif  // EDGECTL_CONTROLPLANE_EXECUTION_RELAY_RELAY_METRICS_H_
