#include "controlplane/execution_relay/relay_metrics.h"

#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
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

void RelayMetrics::Record(absl::string_view path, int status, absl::Duration latency) {
  const std::string route = RelayPathTemplate(path);
  const double seconds = absl::ToDoubleSeconds(latency);
  absl::MutexLock lock(&mu_);
  ++requests_[{route, status}];
  Histogram& h = latency_[route];
  for (size_t i = 0; i < kBuckets.size(); ++i) {
    if (seconds <= kBuckets[i]) ++h.buckets[i];
  }
  ++h.count;
  h.sum += seconds;
}

uint64_t RelayMetrics::requests(const std::string& path_template, int status) const {
  absl::MutexLock lock(&mu_);
  auto it = requests_.find({path_template, status});
  return it == requests_.end() ? 0 : it->second;
}

void RelayMetrics::AppendPrometheusText(std::string* out) const {
  absl::MutexLock lock(&mu_);
  absl::StrAppend(out,
                  "# HELP edgectl_controlplane_relay_requests_total Execution API requests "
                  "relayed for task processes, by route and HTTP status.\n",
                  "# TYPE edgectl_controlplane_relay_requests_total counter\n");
  for (const auto& [key, count] : requests_) {
    absl::StrAppend(out, "edgectl_controlplane_relay_requests_total{path=\"", key.first,
                    "\",status=\"", key.second, "\"} ", count, "\n");
  }
  absl::StrAppend(out,
                  "# HELP edgectl_controlplane_relay_request_duration_seconds Time from the "
                  "sidecar forwarding a relayed request to the API server's answer.\n",
                  "# TYPE edgectl_controlplane_relay_request_duration_seconds histogram\n");
  for (const auto& [route, h] : latency_) {
    for (size_t i = 0; i < kBuckets.size(); ++i) {
      absl::StrAppend(out, "edgectl_controlplane_relay_request_duration_seconds_bucket{path=\"",
                      route, "\",le=\"", kBuckets[i], "\"} ", h.buckets[i], "\n");
    }
    absl::StrAppend(out, "edgectl_controlplane_relay_request_duration_seconds_bucket{path=\"",
                    route, "\",le=\"+Inf\"} ", h.count, "\n",
                    "edgectl_controlplane_relay_request_duration_seconds_sum{path=\"", route,
                    "\"} ", h.sum, "\n",
                    "edgectl_controlplane_relay_request_duration_seconds_count{path=\"", route,
                    "\"} ", h.count, "\n");
  }
}

}  // namespace edgectl::controlplane
