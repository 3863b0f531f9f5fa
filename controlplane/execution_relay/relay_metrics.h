// File: controlplane/execution_relay/relay_metrics.h
//
// Metrics of the Execution API relay, kept with prometheus-cpp and collected into the sidecar's
// /metrics (Metrics::scrape()):
//   edgectl_controlplane_relay_requests_total{path,status}           counter
//   edgectl_controlplane_relay_request_duration_seconds{path}        histogram (sidecar to API
//                                                                     server and back)
// `path` is a template with a bounded set of values: ids and names are replaced
// (/execution/task-instances/{id}/heartbeat, /execution/xcoms/*), unknown routes become
// /execution/other, so a worker cannot grow the label set. Thread-safe.
#ifndef EDGECTL_CONTROLPLANE_EXECUTION_RELAY_RELAY_METRICS_H_
#define EDGECTL_CONTROLPLANE_EXECUTION_RELAY_RELAY_METRICS_H_

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "prometheus/counter.h"
#include "prometheus/family.h"
#include "prometheus/histogram.h"
#include "prometheus/metric_family.h"
#include "prometheus/registry.h"

namespace edgectl::controlplane {

std::string RelayPathTemplate(absl::string_view path);

class RelayMetrics {
 public:
  RelayMetrics();

  void Record(absl::string_view path, int status, absl::Duration latency);
  uint64_t requests(const std::string& path_template, int status) const;
  std::vector<prometheus::MetricFamily> Collect() const { return registry_->Collect(); }

 private:
  std::shared_ptr<prometheus::Registry> registry_;
  prometheus::Family<prometheus::Counter>& requests_;
  prometheus::Family<prometheus::Histogram>& latency_;
};

}  // namespace edgectl::controlplane

#endif  // EDGECTL_CONTROLPLANE_EXECUTION_RELAY_RELAY_METRICS_H_
