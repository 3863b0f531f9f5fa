// File: worker/job_record.h
//
// Everything the worker must remember about one job to keep the two promises across a crash or
// restart (docs/ARCHITECTURE.md, "Exactly once"): whether the centre confirmed its claim (only
// then is it started), which process runs it, how it ended, the final state report and whether
// the sidecar acknowledged it, and how far its log reached edge_logs. Log bytes are not copied:
// the task's log file is their journal; a record keeps offsets and the chunks in flight (offset,
// length, chunk_time) so a re-send after a restart is byte-for-byte the chunk that may already be
// stored. Text that is not in the file (the "Error executing job" text, drain notices) is kept
// in the record itself. Plain data with a JSON form for the journal.
#ifndef EDGECTL_WORKER_JOB_RECORD_H_
#define EDGECTL_WORKER_JOB_RECORD_H_

#include <sys/types.h>

#include <cstdint>
#include <deque>
#include <optional>
#include <string>

#include "absl/status/statusor.h"
#include "proto/edge_worker.pb.h"

namespace edgectl::worker {

enum class JobPhase {
  kClaiming,  // pushed to this worker; waiting for the centre to confirm the claim
  kRunning,   // claim confirmed and the task process started (or being started)
  kExited,    // the process ended (or could not start): its final state is being delivered
};

const char* PhaseName(JobPhase phase);

// One log chunk sent (or about to be sent) and not yet acknowledged.
struct LogChunkRecord {
  uint64_t offset = 0;   // file offset of its first byte
  uint64_t length = 0;   // bytes of the file it covers (0 for text)
  int64_t time_us = 0;   // chunk_time, microseconds since the epoch
  std::optional<std::string> text;  // set for text that is not in the file
};

struct JobRecord {
  uint64_t id = 0;  // the worker's own number for the job (its files are named after it)
  v1::JobKey key;
  uint64_t dispatch_id = 0;
  int slots = 1;
  std::string log_file;  // absolute path of the task's log; "" when the workload names none
  JobPhase phase = JobPhase::kClaiming;

  // The task keeper process (worker/task_keeper.h), and its start time from /proc so a reused
  // pid is not mistaken for it.
  pid_t pid = 0;
  uint64_t pid_start_ticks = 0;

  // How it ended: the exit code, or (no code) why it did not run to an exit code.
  std::optional<int> exit_code;
  std::string failure_reason;

  // The final state report ("success" / "failed"), its sequence, and whether it was delivered.
  std::string final_state;
  uint64_t report_sequence = 0;
  bool report_delivered = false;

  // Log delivery: file bytes below log_emitted are in chunks (acknowledged or in `log_pending`);
  // log_last_time_us is the last chunk_time used (new chunks come strictly after it).
  uint64_t log_emitted = 0;
  int64_t log_last_time_us = 0;
  std::deque<LogChunkRecord> log_pending;
  // Text to add after the last byte of the file once the job has ended (the failure text).
  std::string log_trailer;
  bool log_done = false;  // nothing more will be sent (all acknowledged after exit, or refused)
};

std::string JobRecordToJson(const JobRecord& record);
absl::StatusOr<JobRecord> JobRecordFromJson(const std::string& json);

// "dag_id=... task_id=... run_id=... map_index=... try_number=..." for log lines.
std::string JobName(const v1::JobKey& key);

}  // namespace edgectl::worker

#endif  // EDGECTL_WORKER_JOB_RECORD_H_
