// File: controlplane/dispatch_counters.h
//
// What the dispatcher's loop did and why (rendered on /metrics by Metrics): how often it woke
// and for what (a NOTIFY from the edge_job trigger, a worker event that may have freed slots,
// or its timer), how many queued-work queries it sent to PostgreSQL, and whether the
// notification listener is up. Lets operators (and tests) see that an idle sidecar with the
// trigger costs the database nothing. Lock-free counters; safe from any thread.
#ifndef EDGECTL_CONTROLPLANE_DISPATCH_COUNTERS_H_
#define EDGECTL_CONTROLPLANE_DISPATCH_COUNTERS_H_

#include <atomic>
#include <cstdint>
#include <string>

#include <vector>

#include "common/metrics/scrape_registry.h"
#include "prometheus/metric_family.h"

namespace edgectl::controlplane {

enum class WakeCause { kNotify, kEvent, kTimer };

class DispatchCounters {
 public:
  void Woke(WakeCause cause) { wakeups_[static_cast<int>(cause)].fetch_add(1); }
  void Queried() { queries_.fetch_add(1); }
  void NotificationReceived() { notifications_.fetch_add(1); }
  void SetListening(bool listening) { listening_.store(listening); }

  uint64_t wakeups(WakeCause cause) const { return wakeups_[static_cast<int>(cause)].load(); }
  uint64_t queries() const { return queries_.load(); }
  uint64_t notifications() const { return notifications_.load(); }
  bool listening() const { return listening_.load(); }

  // The counters as Prometheus families (Metrics collects them at scrape time).
  std::vector<prometheus::MetricFamily> Collect() const {
    prometheus::MetricFamily wakeups = metrics::CounterFamily(
        "edgectl_controlplane_dispatch_wakeups_total", "Dispatch rounds, by what started them.");
    static constexpr const char* kCauses[] = {"notify", "event", "timer"};
    for (int i = 0; i < 3; ++i) {
      metrics::AddSample(wakeups, {{"cause", kCauses[i]}}, static_cast<double>(wakeups_[i].load()));
    }
    prometheus::MetricFamily queries = metrics::CounterFamily(
        "edgectl_controlplane_dispatch_queries_total", "Queued-work queries sent to PostgreSQL.");
    metrics::AddSample(queries, {}, static_cast<double>(queries_.load()));
    prometheus::MetricFamily notifications =
        metrics::CounterFamily("edgectl_controlplane_dispatch_notifications_total",
                               "NOTIFYs received from the edge_job trigger.");
    metrics::AddSample(notifications, {}, static_cast<double>(notifications_.load()));
    prometheus::MetricFamily listening = metrics::GaugeFamily(
        "edgectl_controlplane_dispatch_notify_listening",
        "1 while dispatch is driven by the edge_job trigger (listener connected and trigger "
        "installed), 0 while polling.");
    metrics::AddSample(listening, {}, listening_.load() ? 1 : 0);
    std::vector<prometheus::MetricFamily> out;
    out.push_back(std::move(wakeups));
    out.push_back(std::move(queries));
    out.push_back(std::move(notifications));
    out.push_back(std::move(listening));
    return out;
  }

 private:
  std::atomic<uint64_t> wakeups_[3] = {};
  std::atomic<uint64_t> queries_{0};
  std::atomic<uint64_t> notifications_{0};
  std::atomic<bool> listening_{false};
};

}  // namespace edgectl::controlplane

#endif  // EDGECTL_CONTROLPLANE_DISPATCH_COUNTERS_H_
