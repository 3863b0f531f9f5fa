#include "controlplane/maintenance_comment_relay.h"

#include <spdlog/spdlog.h>

namespace edgectl::controlplane {

std::optional<std::string> MaintenanceCommentRelay::ToSend(
    const std::string& worker_name, const std::optional<std::string>& reported,
    bool force_read_stored) {
  if (!reported.has_value() || reported->empty()) {
    absl::MutexLock lock(&mu_);
    known_[worker_name].delivered.reset();  // a later identical comment is a new one
    return std::nullopt;
  }
  bool read = force_read_stored;
  {
    absl::MutexLock lock(&mu_);
    const Known& known = known_[worker_name];
    if (known.delivered == reported) return std::nullopt;
    if (known.stored_known && !force_read_stored) {
      return known.stored == reported ? std::nullopt : reported;
    }
    read = true;
  }
  if (read) {
    absl::StatusOr<std::optional<std::string>> stored = read_stored_(worker_name);
    if (!stored.ok()) {
      // Better a comment stored twice than one lost.
      spdlog::warn("worker {}: cannot read its stored maintenance comment ({}); sending it",
                   worker_name, stored.status().ToString());
      return reported;
    }
    absl::MutexLock lock(&mu_);
    Known& known = known_[worker_name];
    known.stored_known = true;
    known.stored = *stored;
    if (known.stored == reported) return std::nullopt;
  }
  return reported;
}

void MaintenanceCommentRelay::Delivered(
    const std::string& worker_name, const std::optional<std::string>& sent,
    const std::optional<std::optional<std::string>>& stored_now) {
  absl::MutexLock lock(&mu_);
  Known& known = known_[worker_name];
  if (sent.has_value()) known.delivered = sent;
  known.stored_known = stored_now.has_value();
  if (stored_now.has_value()) known.stored = *stored_now;
}

absl::StatusOr<bridge::WorkerRegistrationReturn> MaintenanceCommentRelay::RegisterWorker(
    const std::string& worker_name, const bridge::WorkerStateBody& body) {
  bridge::WorkerStateBody filtered = body;
  // A (re)starting worker: what Airflow stores may have changed while it was away.
  filtered.maintenance_comments =
      ToSend(worker_name, body.maintenance_comments, /*force_read_stored=*/true);
  absl::StatusOr<bridge::WorkerRegistrationReturn> reply =
      inner_->RegisterWorker(worker_name, filtered);
  // The reply does not say what Airflow stored now: read it again next time.
  if (reply.ok()) Delivered(worker_name, filtered.maintenance_comments, std::nullopt);
  return reply;
}

absl::StatusOr<bridge::WorkerSetStateReturn> MaintenanceCommentRelay::SetState(
    const std::string& worker_name, const bridge::WorkerStateBody& body) {
  bridge::WorkerStateBody filtered = body;
  filtered.maintenance_comments =
      ToSend(worker_name, body.maintenance_comments, /*force_read_stored=*/false);
  absl::StatusOr<bridge::WorkerSetStateReturn> reply = inner_->SetState(worker_name, filtered);
  if (reply.ok()) Delivered(worker_name, filtered.maintenance_comments, reply->maintenance_comments);
  return reply;
}

}  // namespace edgectl::controlplane
