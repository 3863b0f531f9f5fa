#include "controlplane/admin/worker_listing.h"

#include <algorithm>
#include <cstdint>
#include <string>

namespace edgectl::admin {
namespace {

FieldValue HeartbeatAge(const WorkerRecord& w) {
  if (!w.heartbeat_age_seconds.has_value()) return FieldValue::None();
  // A heartbeat stamped a moment after now() (another transaction) is 0 s old, not -0.
  return FieldValue::Text(std::to_string(std::max<int64_t>(
      0, static_cast<int64_t>(*w.heartbeat_age_seconds))));
}

}  // namespace

std::vector<Record> WorkerListingRecords(const std::vector<WorkerRecord>& workers) {
  std::vector<Record> records;
  records.reserve(workers.size());
  for (const WorkerRecord& w : workers) {
    records.push_back({
        {"worker_name", FieldValue::Text(w.worker_name)},
        {"state", FieldValue::Text(w.state)},
        {"queues", w.queues.has_value() ? FieldValue::List(*w.queues) : FieldValue::None()},
        {"jobs_active", FieldValue::Text(std::to_string(w.jobs_active))},
        {"concurrency", FieldValue::OptionalText(w.concurrency)},
        {"free_concurrency", FieldValue::OptionalText(w.free_concurrency)},
        {"maintenance_comment", FieldValue::OptionalText(w.maintenance_comment)},
        {"heartbeat_age_sec", HeartbeatAge(w)},
        {"airflow_version", FieldValue::OptionalText(w.airflow_version)},
        {"edge_provider_version", FieldValue::OptionalText(w.edge_provider_version)},
        {"edgectl_version", FieldValue::OptionalText(w.edgectl_version)},
    });
  }
  return records;
}

}  // namespace edgectl::admin
