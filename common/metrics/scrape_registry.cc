#include "common/metrics/scrape_registry.h"

#include "prometheus/text_serializer.h"

namespace edgectl::metrics {

void ScrapeRegistry::AddCollector(Collector collector) {
  absl::MutexLock lock(&mu_);
  collectors_.push_back(std::move(collector));
}

std::vector<prometheus::MetricFamily> ScrapeRegistry::Collect() const {
  std::vector<prometheus::MetricFamily> families = registry_->Collect();
  std::vector<Collector> collectors;
  {
    absl::MutexLock lock(&mu_);
    collectors = collectors_;
  }
  for (const Collector& collect : collectors) {
    for (prometheus::MetricFamily& family : collect()) families.push_back(std::move(family));
  }
  return families;
}

std::string ScrapeRegistry::RenderText() const {
  return prometheus::TextSerializer().Serialize(Collect());
}

prometheus::MetricFamily GaugeFamily(std::string name, std::string help) {
  prometheus::MetricFamily family;
  family.name = std::move(name);
  family.help = std::move(help);
  family.type = prometheus::MetricType::Gauge;
  return family;
}

prometheus::MetricFamily CounterFamily(std::string name, std::string help) {
  prometheus::MetricFamily family = GaugeFamily(std::move(name), std::move(help));
  family.type = prometheus::MetricType::Counter;
  return family;
}

void AddSample(prometheus::MetricFamily& family, const Labels& labels, double value) {
  prometheus::ClientMetric sample;
  for (const auto& [name, label_value] : labels) sample.label.push_back({name, label_value});
  if (family.type == prometheus::MetricType::Counter) {
    sample.counter.value = value;
  } else {
    sample.gauge.value = value;
  }
  family.metric.push_back(std::move(sample));
}

}  // namespace edgectl::metrics
