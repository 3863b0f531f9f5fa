#include "worker/job_state_outbox.h"

#include "spdlog/spdlog.h"

namespace edgectl::worker {

void JobStateOutbox::Enqueue(v1::JobStateReport report) {
  report.set_sequence(next_sequence_++);
  queue_.push_back(std::move(report));
}

absl::Status JobStateOutbox::Flush(SidecarClient& client) {
  while (!queue_.empty()) {
    const v1::JobStateReport& report = queue_.front();
    absl::StatusOr<v1::JobStateAck> ack = client.ReportJobState(report);
    if (!ack.ok()) {
      const absl::StatusCode code = ack.status().code();
      if (code == absl::StatusCode::kUnavailable || code == absl::StatusCode::kNotFound ||
          code == absl::StatusCode::kDeadlineExceeded) {
        return ack.status();
      }
      spdlog::error("Dropping job state report {} of {}.{} run {}: {}", report.state(),
                    report.key().dag_id(), report.key().task_id(), report.key().run_id(),
                    ack.status().ToString());
    }
    queue_.pop_front();
  }
  return absl::OkStatus();
}

}  // namespace edgectl::worker
