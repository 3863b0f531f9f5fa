#include "controlplane/execution_relay/relay_metrics.h"

#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "prometheus/labels.h"
#include "absl/strings/str_split.h"

namespace edgectl::controlplane {
namespace {

bool OneOf(absl::string_view value, std::initializer_list<absl::string_view> known) {
  for (absl::string_view k : known) {
    if (value == k) return true;
  }
  return false;
}

}  // namespace

std::string RelayPathTemplate(absl::string_view path) {
  if (!absl::ConsumePrefix(&path, "/execution/")) return "other";
  std::vector<absl::string_view> parts = absl::StrSplit(path, '/');
  const absl::string_view route = parts.empty() ? "" : parts[0];
  if (route == "task-instances") {
    // /task-instances/{id}/<action>, or a collection route (/task-instances/count, ...).
    if (parts.size() == 3 &&
        OneOf(parts[2], {"run", "state", "heartbeat", "rtif", "skip-downstream", "reschedule",
                         "previous-successful-dagrun", "validate-inlets-and-outlets",
                         "breadcrumbs", "previous"})) {
      return absl::StrCat("/execution/task-instances/{id}/", parts[2]);
    }
    if (parts.size() == 2 && OneOf(parts[1], {"count", "states"})) {
      return absl::StrCat("/execution/task-instances/", parts[1]);
    }
    return "/execution/task-instances/*";
  }
  if (OneOf(route, {"xcoms", "variables", "connections", "assets", "asset-events", "dag-runs",
                    "dags", "task-reschedules", "hitl-details", "health", "task-states",
                    "asset-states"})) {
    return parts.size() == 1 ? absl::StrCat("/execution/", route)
                             : absl::StrCat("/execution/", route, "/*");
  }
  return "/execution/other";
}

RelayMetrics::RelayMetrics()
    : registry_(std::make_shared<prometheus::Registry>()),
      requests_(prometheus::BuildCounter()
                    .Name("edgectl_controlplane_relay_requests_total")
                    .Help("Execution API requests relayed for task processes, by route and HTTP "
                          "status.")
                    .Register(*registry_)),
      latency_(prometheus::BuildHistogram()
                   .Name("edgectl_controlplane_relay_request_duration_seconds")
                   .Help("Time from the sidecar forwarding a relayed request to the API server's "
                         "answer.")
                   .Register(*registry_)) {}

void RelayMetrics::Record(absl::string_view path, int status, absl::Duration latency) {
  static const auto* buckets = new prometheus::Histogram::BucketBoundaries{
      0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 10};
  const std::string route = RelayPathTemplate(path);
  requests_.Add({{"path", route}, {"status", std::to_string(status)}}).Increment();
  latency_.Add({{"path", route}}, *buckets).Observe(absl::ToDoubleSeconds(latency));
}

uint64_t RelayMetrics::requests(const std::string& path_template, int status) const {
  const prometheus::Labels labels = {{"path", path_template}, {"status", std::to_string(status)}};
  if (!requests_.Has(labels)) return 0;
  return static_cast<uint64_t>(requests_.Add(labels).Value());
}

}  // namespace edgectl::controlplane
