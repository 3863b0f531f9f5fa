#include "controlplane/admin/worker_listing.h"

#include <string>

namespace edgectl::admin {

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
    });
  }
  return records;
}

}  // namespace edgectl::admin
