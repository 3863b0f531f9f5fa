#include "worker/log_shipper.h"

#include "google/protobuf/util/time_util.h"
#include "spdlog/spdlog.h"

namespace edgectl::worker {

bool SameJob(const v1::JobKey& a, const v1::JobKey& b) {
  return a.dag_id() == b.dag_id() && a.task_id() == b.task_id() && a.run_id() == b.run_id() &&
         a.try_number() == b.try_number() && a.map_index() == b.map_index();
}

absl::Status LogShipper::ShipOnce(SidecarClient& client, const std::vector<JobLog>& logs) {
  std::vector<v1::LogChunk> batch;
  size_t bytes = 0;
  bool full = false;
  for (const JobLog& log : logs) {
    for (PendingLogChunk& chunk : log.tailer->pending()) {
      if (!batch.empty() && bytes + chunk.data.size() > max_batch_bytes_) {
        full = true;
        break;
      }
      v1::LogChunk& out = batch.emplace_back();
      out.set_worker_name(worker_name_);
      *out.mutable_key() = *log.key;
      out.set_offset(chunk.offset);
      out.set_data(chunk.data);
      *out.mutable_chunk_time() = google::protobuf::util::TimeUtil::MicrosecondsToTimestamp(
          absl::ToUnixMicros(chunk.chunk_time));
      chunk.in_flight = true;
      bytes += chunk.data.size();
    }
    if (full) break;
  }
  if (batch.empty()) return absl::OkStatus();
  absl::StatusOr<v1::PushLogsReply> reply = client.PushLogs(batch);
  for (const JobLog& log : logs) {
    if (!reply.ok()) {
      log.tailer->ClearInFlight();
      continue;
    }
    uint64_t stored = 0;
    for (const v1::LogOffset& offset : reply->stored()) {
      if (SameJob(offset.key(), *log.key)) stored = std::max<uint64_t>(stored, offset.offset());
    }
    log.tailer->Acknowledge(stored);
    for (const v1::LogRefusal& refusal : reply->refused()) {
      if (!SameJob(refusal.key(), *log.key)) continue;
      // Refusals are final for the chunk (or the job): sending them again cannot succeed.
      if (refusal.code() == static_cast<int>(absl::StatusCode::kInvalidArgument)) {
        spdlog::error("Log chunk at offset {} of {} refused by the sidecar, skipped: {}",
                      refusal.offset(), log.tailer->path(), refusal.message());
        log.tailer->DropChunk(refusal.offset());
      } else {
        spdlog::error("The sidecar refused the log of {}, not sending it any more: {}",
                      log.tailer->path(), refusal.message());
        log.tailer->DropAll();
      }
    }
  }
  return reply.status();
}

}  // namespace edgectl::worker
