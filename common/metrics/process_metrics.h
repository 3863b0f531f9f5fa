// File: common/metrics/process_metrics.h
//
// The standard process metrics every Prometheus client library exports (process_cpu_seconds_total,
// process_resident_memory_bytes, process_virtual_memory_bytes, process_open_fds, process_max_fds,
// process_start_time_seconds), read from /proc/self at scrape time, so dashboards written for
// other services work unchanged; and `<prefix>_build_info{version,commit} 1`, which says what
// runs where across a fleet. Linux only; a value /proc cannot give is left out, not invented.
#ifndef EDGECTL_COMMON_METRICS_PROCESS_METRICS_H_
#define EDGECTL_COMMON_METRICS_PROCESS_METRICS_H_

#include <string>
#include <vector>

#include "prometheus/metric_family.h"

namespace edgectl::metrics {

std::vector<prometheus::MetricFamily> CollectProcessMetrics();

// e.g. prefix "edgectl_controlplane" -> edgectl_controlplane_build_info{version="0.2.0",commit="..."} 1
prometheus::MetricFamily BuildInfoFamily(const std::string& prefix);

}  // namespace edgectl::metrics

#endif  // EDGECTL_COMMON_METRICS_PROCESS_METRICS_H_
