// File: common/metrics/scrape_registry.h
//
// What a process exposes on /metrics. Two kinds of values meet here:
//   - metrics its components update as things happen (counters, histograms), kept in one
//     prometheus::Registry (prometheus-cpp: thread-safe, label sets created on first use);
//   - values that are read rather than counted (connected workers, the fleet's workers by state,
//     process memory), computed by collectors at scrape time so they are never stale.
// RenderText() serialises both with prometheus-cpp's TextSerializer (exposition format 0.0.4),
// so no component writes the text format by hand. Thread-safe; collectors run outside the lock,
// on the scraping thread, and must be cheap or cache what they read.
#ifndef EDGECTL_COMMON_METRICS_SCRAPE_REGISTRY_H_
#define EDGECTL_COMMON_METRICS_SCRAPE_REGISTRY_H_

#include <functional>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/synchronization/mutex.h"
#include "prometheus/metric_family.h"
#include "prometheus/registry.h"

namespace edgectl::metrics {

class ScrapeRegistry {
 public:
  using Collector = std::function<std::vector<prometheus::MetricFamily>()>;

  ScrapeRegistry() : registry_(std::make_shared<prometheus::Registry>()) {}

  prometheus::Registry& registry() { return *registry_; }
  void AddCollector(Collector collector);
  // Every family: the registry's, then each collector's in the order they were added.
  std::vector<prometheus::MetricFamily> Collect() const;
  std::string RenderText() const;

 private:
  std::shared_ptr<prometheus::Registry> registry_;
  mutable absl::Mutex mu_;
  std::vector<Collector> collectors_ ABSL_GUARDED_BY(mu_);
};

using Labels = std::vector<std::pair<std::string, std::string>>;

// Scrape-time families: a gauge or counter family, and one sample in it.
prometheus::MetricFamily GaugeFamily(std::string name, std::string help);
prometheus::MetricFamily CounterFamily(std::string name, std::string help);
void AddSample(prometheus::MetricFamily& family, const Labels& labels, double value);

// The text format's content type, for the HTTP answer.
inline constexpr char kTextContentType[] = "text/plain; version=0.0.4; charset=utf-8";

}  // namespace edgectl::metrics

#endif  // EDGECTL_COMMON_METRICS_SCRAPE_REGISTRY_H_
