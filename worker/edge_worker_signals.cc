// EdgeWorker, continued: signals, drain and the local status / maintenance files (edge3's
// `airflow edge stop / status / maintenance` talk to a running worker this way).
#include <signal.h>

#include <cstdio>

#include "spdlog/spdlog.h"
#include "worker/edge_worker.h"
#include "worker/local_files.h"

namespace edgectl::worker {

void EdgeWorker::HandleSignals() {
  for (int signal : SignalPipe::Drain()) {
    switch (signal) {
      case SIGINT:
        StartDrain("SIGINT");
        break;
      case SIGTERM:
        if (!state_.drain()) {
          StartDrain(nullptr);
          spdlog::info("SIGTERM received. Sending SIGTERM to all jobs and quit");
          runner_.NoticeToAll(
              "Edge worker received external SIGTERM; terminating task supervisor.");
          runner_.SignalAll(SIGTERM, /*whole_group=*/false);
        }
        break;
      case SIGUSR2:
        OnStatusSignal();
        break;
      case SIGHUP:
        // Never fatal. TLS files and the token file are re-read when they change anyway.
        spdlog::info("SIGHUP received: nothing to reload (certificate, key, CA and token files "
                     "are re-read when they change)");
        break;
      default:
        break;  // SIGCHLD only wakes the loop; the runner reaps
    }
  }
}

void EdgeWorker::StartDrain(const char* reason) {
  if (!state_.StartDrain()) return;
  drain_started_at_ = deps_.clock->Now();
  if (reason == nullptr) return;
  spdlog::info("Request to shut down Edge Worker received, waiting for jobs to complete. {}",
               drain_escalation_.PolicyDescription());
}

void EdgeWorker::OnStatusSignal() {
  absl::StatusOr<std::string> marker_text = ReadWholeFile(options_.paths.marker_file);
  if (marker_text.ok()) {
    absl::StatusOr<MaintenanceMarker> marker = MarkerFromJson(*marker_text);
    if (marker.ok()) {
      spdlog::info("Requested to set maintenance mode to {}", marker->on ? "on" : "off");
      if (marker->on && marker->comments) spdlog::info("Comments: {}", *marker->comments);
      state_.SetMaintenance(marker->on, marker->comments);
      force_heartbeat_ = true;
    } else {
      spdlog::error("Ignoring maintenance marker {}: {}", options_.paths.marker_file,
                    std::string(marker.status().message()));
    }
    std::remove(options_.paths.marker_file.c_str());
  } else {
    spdlog::info("Request to get status of Edge Worker received.");
  }
  if (force_heartbeat_ && !link_.need_register()) Heartbeat();
  WriteStatusFile();
}

WorkerStatusFile EdgeWorker::CurrentStatus() const {
  WorkerStatusFile status;
  const std::vector<v1::JobKey> keys = runner_.ActiveKeys();
  status.job_count = static_cast<int>(keys.size());
  for (const v1::JobKey& key : keys) {
    status.jobs.emplace_back(key.dag_id(), key.task_id(), key.run_id(), key.try_number(),
                             key.map_index());
  }
  status.state = state_.Reported(!keys.empty());
  status.maintenance = state_.maintenance();
  status.maintenance_comments = state_.maintenance_comments();
  status.drain = state_.drain();
  return status;
}

void EdgeWorker::WriteStatusFile() {
  if (absl::Status s =
          WriteFileAtomically(options_.paths.status_file, StatusToJson(CurrentStatus()), 0600);
      !s.ok()) {
    spdlog::error("Cannot write status file: {}", std::string(s.message()));
  }
}

void EdgeWorker::PublishStatus() {
  const bool connected = link_.connected();
  if (connected != link_was_connected_) {
    link_changed_at_ = deps_.clock->Now();
    if (!connected) ++link_disconnects_;
    link_was_connected_ = connected;
  }
  if (deps_.status_board == nullptr) return;
  WorkerSnapshot snapshot;
  snapshot.worker_name = options_.worker_name;
  snapshot.status = CurrentStatus();
  snapshot.concurrency = state_.concurrency();
  snapshot.free_slots = DispatchFreeSlots();
  snapshot.sidecar_address = options_.controlplane_address;
  snapshot.sidecar_connected = connected;
  snapshot.sidecar_changed_at = link_changed_at_;
  snapshot.sidecar_disconnects = link_disconnects_;
  snapshot.heartbeats_ok = heartbeats_ok_;
  snapshot.heartbeats_failed = heartbeats_failed_;
  snapshot.last_heartbeat_ok = last_heartbeat_ok_;
  snapshot.jobs_accepted = jobs_accepted_;
  deps_.status_board->Publish(std::move(snapshot));
}

void EdgeWorker::EnforceDrainTimeout() {
  if (!state_.drain() || runner_.Active() == 0) return;
  const DrainEscalation::Step step = drain_escalation_.Check(drain_started_at_, deps_.clock->Now());
  if (step.action == DrainEscalation::Action::kNone) return;
  const bool kill = step.action == DrainEscalation::Action::kKill;
  if (kill) {
    spdlog::warn("Drain kill grace of {}s exceeded with {} job(s) still running. Sending SIGKILL "
                 "and exiting.",
                 options_.drain_kill_grace_sec, runner_.Active());
  } else {
    spdlog::warn("Drain timeout of {}s exceeded with {} job(s) still running. Sending SIGTERM.",
                 options_.drain_timeout_sec, runner_.Active());
  }
  runner_.NoticeToAll(step.notice);
  // After SIGKILL the jobs are reaped by the next ticks, so their failure is still reported.
  runner_.SignalAll(kill ? SIGKILL : SIGTERM, /*whole_group=*/kill);
}

}  // namespace edgectl::worker
