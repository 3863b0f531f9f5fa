// JobRunner, continued: delivering what ended jobs report (final states and log bytes), until
// the sidecar acknowledges that Airflow has them.
#include "absl/strings/str_cat.h"
#include "google/protobuf/util/time_util.h"
#include "spdlog/spdlog.h"
#include "worker/job_keys.h"
#include "worker/job_runner.h"
#include "worker/log_chunk_reader.h"

namespace edgectl::worker {

void JobRunner::ReportNext() {
  if (!reports_.Ready()) return;
  for (auto& [id, r] : jobs_) {
    if (r.phase != JobPhase::kExited || r.report_delivered || !r.log_done) continue;
    if (r.report_sequence == 0) {
      r.report_sequence = deps_.journal->NextSequence();
      Save(r);
    }
    v1::JobStateReport report;
    report.set_worker_name(options_.worker_name);
    *report.mutable_key() = r.key;
    report.set_state(r.final_state);
    report.set_sequence(r.report_sequence);
    report.set_free_concurrency(free_slots_(r.slots));
    SidecarClient* sidecar = deps_.sidecar;
    const uint64_t job_id = id;
    reports_.Submit([this, sidecar, report, job_id]() -> CallLane::Completion {
      absl::StatusOr<v1::JobStateAck> ack = sidecar->ReportJobState(report);
      return [this, job_id, ack] { OnReported(job_id, ack); };
    });
    return;
  }
}

void JobRunner::OnReported(uint64_t id, const absl::StatusOr<v1::JobStateAck>& ack) {
  auto it = jobs_.find(id);
  if (it == jobs_.end()) return;
  JobRecord& r = it->second;
  if (!ack.ok()) {
    if (!CallFailed(reports_, ack.status(), "Reporting " + JobName(r.key))) return;
    // Another worker's job now, or a report the sidecar can never take: sending it again
    // cannot succeed.
    spdlog::error("Job state report {} of {} refused, not sent again: {}", r.final_state,
                  JobName(r.key), ack.status().ToString());
  } else {
    reports_.Succeeded();
    if (ack->superseded()) {
      spdlog::warn("Job state {} of {} not applied: Airflow has moved on (the job is {} now)",
                   r.final_state, JobName(r.key),
                   ack->current_state().empty() ? "gone" : ack->current_state());
    }
  }
  r.report_delivered = true;
  Save(r);
  ForgetIfDelivered(id);
}

void JobRunner::ShipLogs() {
  const absl::Time now = deps_.clock->Now();
  if (now - last_log_ship_ < options_.log_push_interval || !logs_.Ready()) return;
  last_log_ship_ = now;
  const bool text_only = !options_.push_logs;
  size_t budget = options_.max_log_batch_bytes;
  std::map<uint64_t, std::vector<OutgoingChunk>> batch;
  std::vector<uint64_t> finished;
  for (auto& [id, r] : jobs_) {
    if (r.phase == JobPhase::kClaiming || r.log_done) continue;
    const bool final = r.phase == JobPhase::kExited;
    absl::StatusOr<std::vector<OutgoingChunk>> chunks =
        tailer_.NextBatch(r, budget, final, text_only);
    if (!chunks.ok()) {
      spdlog::warn("Log of {} could not be read: {}", JobName(r.key),
                   std::string(chunks.status().message()));
      continue;
    }
    if (chunks->empty()) {
      if (final && tailer_.Complete(r, text_only)) {
        r.log_done = true;
        Save(r);
        finished.push_back(id);
      }
      continue;
    }
    Save(r, /*sync=*/false);  // synced once for the batch, below
    size_t bytes = 0;
    for (const OutgoingChunk& c : *chunks) bytes += c.size();
    batch[id] = *std::move(chunks);
    if (bytes >= budget) break;
    budget -= bytes;
  }
  for (uint64_t id : finished) ForgetIfDelivered(id);
  if (batch.empty()) return;
  // New chunks are durable before they can reach the sidecar: one fsync for the whole batch.
  if (absl::Status s = deps_.journal->Sync(); !s.ok()) {
    spdlog::error("Cannot sync the worker journal: {}", std::string(s.message()));
  }
  // What goes on the stream, in order; file bytes are read one chunk at a time as they are
  // written (LogChunkReader), so the batch budget bounds unacknowledged chunks, not memory.
  struct Planned {
    v1::JobKey key;
    std::string path;
    OutgoingChunk chunk;
  };
  auto plan = std::make_shared<std::vector<Planned>>();
  for (const auto& [id, sent] : batch) {
    const JobRecord& r = jobs_[id];
    for (const OutgoingChunk& c : sent) plan->push_back({r.key, r.log_file, c});
  }
  SidecarClient* sidecar = deps_.sidecar;
  logs_.Submit([this, sidecar, plan, worker = options_.worker_name,
                batch = std::move(batch)]() -> CallLane::Completion {
    LogChunkReader reader;
    size_t next = 0;
    absl::StatusOr<v1::PushLogsReply> reply = sidecar->PushLogsFrom([&](v1::LogChunk& out) {
      while (next < plan->size()) {
        const Planned& p = (*plan)[next++];
        // A chunk whose bytes are gone (the file shrank) is not sent; NextBatch forgets it.
        if (!reader.Read(p.path, p.chunk, out.mutable_data())) continue;
        out.set_worker_name(worker);
        *out.mutable_key() = p.key;
        out.set_offset(p.chunk.offset);
        *out.mutable_chunk_time() =
            google::protobuf::util::TimeUtil::MicrosecondsToTimestamp(p.chunk.time_us);
        return true;
      }
      return false;
    });
    return [this, batch, reply] { OnLogsShipped(batch, reply); };
  });
}

void JobRunner::OnLogsShipped(const std::map<uint64_t, std::vector<OutgoingChunk>>& sent,
                              const absl::StatusOr<v1::PushLogsReply>& reply) {
  if (!reply.ok()) {
    if (CallFailed(logs_, reply.status(), "Log push")) {
      // The whole batch was refused (malformed for the sidecar): it can never be stored.
      spdlog::error("Log push refused for good, dropping the chunks it carried: {}",
                    reply.status().ToString());
      for (const auto& [id, chunks] : sent) {
        auto it = jobs_.find(id);
        if (it == jobs_.end()) continue;
        for (const OutgoingChunk& c : chunks) LogTailer::DropChunk(it->second, c.offset);
        Save(it->second);
      }
    }
    return;
  }
  logs_.Succeeded();
  bool more = false;
  for (const auto& [id, chunks] : sent) {
    auto it = jobs_.find(id);
    if (it == jobs_.end()) continue;
    JobRecord& r = it->second;
    uint64_t stored = 0;
    for (const v1::LogOffset& offset : reply->stored()) {
      if (SameJob(offset.key(), r.key)) stored = std::max<uint64_t>(stored, offset.offset());
    }
    LogTailer::Acknowledge(r, chunks, stored);
    for (const v1::LogRefusal& refusal : reply->refused()) {
      if (!SameJob(refusal.key(), r.key)) continue;
      if (refusal.code() == static_cast<int>(absl::StatusCode::kInvalidArgument)) {
        spdlog::error("Log chunk at offset {} of {} refused by the sidecar, skipped: {}",
                      refusal.offset(), JobName(r.key), refusal.message());
        LogTailer::DropChunk(r, refusal.offset());
      } else {
        spdlog::error("The sidecar refused the log of {}; not sending it any more: {}",
                      JobName(r.key), refusal.message());
        r.log_pending.clear();
        r.log_done = true;
      }
    }
    if (!r.log_done && r.phase == JobPhase::kExited && tailer_.Complete(r, !options_.push_logs)) {
      r.log_done = true;
    }
    more = more || !r.log_pending.empty() ||
           (r.phase == JobPhase::kExited && !r.log_done) ||
           (options_.push_logs && FileSize(r.log_file) > r.log_emitted);
    // Not fsync'ed: an acknowledgement lost with the machine only means a re-send, which the
    // sidecar recognises by chunk_time.
    Save(r, /*sync=*/false);
    ForgetIfDelivered(id);
  }
  // A backlog (a chatty task, a long outage) is sent back to back, not one batch per interval.
  if (more) last_log_ship_ = absl::InfinitePast();
}

void JobRunner::ForgetIfDelivered(uint64_t id) {
  auto it = jobs_.find(id);
  if (it == jobs_.end()) return;
  const JobRecord& r = it->second;
  if (r.phase != JobPhase::kExited || !r.report_delivered || !r.log_done) return;
  const std::string name = JobName(r.key);
  adopted_.erase(id);
  if (absl::Status s = deps_.journal->Forget(id); !s.ok()) {  // the record is gone after this
    spdlog::warn("Cannot journal the end of job {}: {}", name, std::string(s.message()));
  }
}

}  // namespace edgectl::worker
