// File: worker/worker_journal.h
//
// The worker's durable memory (docs/ARCHITECTURE.md, "Exactly once"), one directory per worker
// name under $AIRFLOW_HOME (mode 0700):
//   journal.jsonl         append-only lines: {"instance": ...} (the process that owns the
//                         journal), {"job": JobRecord} (the job's whole state; the last line of a
//                         job wins), {"forget": id} (everything about the job was delivered)
//   jobs/<id>.json        the workload handed to the task (it carries the task's Execution API
//                         token, so it is a 0600 file, never a command-line argument)
//   jobs/<id>.stderr      the task's stderr (the "Error executing job" text on failure)
//   jobs/<id>.exit        the task's exit code, written by the task keeper when it ends
// Every Save/Forget is written before it returns (it survives kill -9 of the worker) and, unless
// asked otherwise, fsync'ed (it survives power loss); Sync() fsyncs what was written without.
// Replay tolerates a torn last line. The file is compacted (rewritten with only the
// live records, then renamed) once it is much larger than they are.
//
// Disk use is bounded by the jobs the worker holds: a job enters when the sidecar pushes it and
// leaves when its final state and every log byte were acknowledged. While reports cannot be
// delivered the worker takes no new jobs beyond `max_undelivered` finished ones (worker
// options), so an outage of any length grows the journal by at most that many records; a final
// state is never dropped to make room. Log bytes are never copied (the task's log file is their
// journal). Not thread-safe: owned by the worker's loop.
#ifndef EDGECTL_WORKER_WORKER_JOURNAL_H_
#define EDGECTL_WORKER_WORKER_JOURNAL_H_

#include <sys/types.h>

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "worker/job_record.h"

namespace edgectl::worker {

// The worker process that last owned the journal.
struct InstanceRecord {
  std::string id;  // random; also sysinfo "edgectl_instance"
  pid_t pid = 0;
  uint64_t start_ticks = 0;  // /proc/<pid>/stat starttime
};

class WorkerJournal {
 public:
  // Opens (creating) the journal directory and replays journal.jsonl. The file is compacted once
  // it holds more than `compact_at_bytes` and four times what the live records need.
  static absl::StatusOr<std::unique_ptr<WorkerJournal>> Open(const std::string& dir,
                                                             uint64_t compact_at_bytes = 1 << 20);
  ~WorkerJournal();

  // The instance recorded before this process's RecordInstance (nullopt on first use).
  const std::optional<InstanceRecord>& previous_instance() const { return previous_instance_; }
  absl::Status RecordInstance(const InstanceRecord& instance);

  // Live jobs by id, as replayed and kept current by Save / Forget. The one copy of the records:
  // their owner (JobRunner) changes them in place and makes a change durable with Save.
  std::map<uint64_t, JobRecord>& jobs() { return jobs_; }
  // `sync` false: written, not yet fsync'ed (for progress a later Sync() or a re-send covers).
  absl::Status Save(const JobRecord& record, bool sync = true);
  absl::Status Sync();
  // Forgets the job and removes its files.
  absl::Status Forget(uint64_t id);

  uint64_t NextJobId() { return next_job_id_++; }
  // Report sequence numbers: strictly increasing across restarts of this worker (at least the
  // wall clock in microseconds, and above every sequence journaled).
  uint64_t NextSequence();

  const std::string& dir() const { return dir_; }
  std::string WorkloadPath(uint64_t id) const;
  std::string StderrPath(uint64_t id) const;
  std::string ExitPath(uint64_t id) const;

 private:
  WorkerJournal(std::string dir, uint64_t compact_at_bytes)
      : dir_(std::move(dir)), compact_at_bytes_(compact_at_bytes) {}
  absl::Status Replay();
  absl::Status Append(const std::string& line, bool sync = true);
  absl::Status MaybeCompact();

  const std::string dir_;
  const uint64_t compact_at_bytes_;
  int fd_ = -1;
  uint64_t file_bytes_ = 0;
  std::optional<InstanceRecord> previous_instance_;
  std::optional<InstanceRecord> instance_;
  std::map<uint64_t, JobRecord> jobs_;
  uint64_t next_job_id_ = 1;
  uint64_t last_sequence_ = 0;
};

// The directory of worker `worker_name`'s journal under `airflow_home`.
std::string JournalDirFor(const std::string& airflow_home, const std::string& worker_name);

}  // namespace edgectl::worker

#endif  // EDGECTL_WORKER_WORKER_JOURNAL_H_
