#include "worker/worker_journal.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cctype>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <nlohmann/json.hpp>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/time/clock.h"
#include "spdlog/spdlog.h"
#include "worker/local_files.h"

namespace edgectl::worker {
namespace {

using nlohmann::json;

constexpr char kJournalFile[] = "journal.jsonl";

absl::Status Errno(const std::string& what, const std::string& path) {
  return absl::UnavailableError(absl::StrCat(what, " ", path, ": ", std::strerror(errno)));
}

absl::Status MakeDir(const std::string& path) {
  if (mkdir(path.c_str(), 0700) != 0 && errno != EEXIST) return Errno("cannot create", path);
  return absl::OkStatus();
}

std::string InstanceLine(const InstanceRecord& i) {
  return json{{"instance", {{"id", i.id}, {"pid", i.pid}, {"start_ticks", i.start_ticks}}}}
      .dump();
}

// Worker names may hold any character; file names get [A-Za-z0-9._-] and %XX for the rest.
std::string FileSafe(const std::string& name) {
  std::string out;
  for (unsigned char c : name) {
    if (std::isalnum(c) || c == '.' || c == '_' || c == '-') {
      out += static_cast<char>(c);
    } else {
      absl::StrAppend(&out, absl::StrFormat("%%%02X", c));
    }
  }
  return out == "." || out == ".." ? "%2E" + out.substr(1) : out;
}

}  // namespace

std::string JournalDirFor(const std::string& airflow_home, const std::string& worker_name) {
  return absl::StrCat(airflow_home, "/edgectl-worker/", FileSafe(worker_name));
}

absl::StatusOr<std::unique_ptr<WorkerJournal>> WorkerJournal::Open(const std::string& dir,
                                                                    uint64_t compact_at_bytes) {
  const size_t slash = dir.rfind('/');
  if (slash != std::string::npos && slash > 0) {
    if (absl::Status s = MakeDir(dir.substr(0, slash)); !s.ok()) return s;
  }
  if (absl::Status s = MakeDir(dir); !s.ok()) return s;
  if (absl::Status s = MakeDir(dir + "/jobs"); !s.ok()) return s;
  std::unique_ptr<WorkerJournal> journal(new WorkerJournal(dir, compact_at_bytes));
  if (absl::Status s = journal->Replay(); !s.ok()) return s;
  const std::string path = dir + "/" + kJournalFile;
  journal->fd_ = open(path.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
  if (journal->fd_ < 0) return Errno("cannot open the worker journal", path);
  return journal;
}

WorkerJournal::~WorkerJournal() {
  if (fd_ >= 0) close(fd_);
}

absl::Status WorkerJournal::Replay() {
  const std::string path = dir_ + "/" + kJournalFile;
  std::ifstream in(path, std::ios::binary);
  if (!in) return absl::OkStatus();  // first use
  std::string line;
  size_t torn = 0;
  while (std::getline(in, line)) {
    file_bytes_ += line.size() + 1;
    if (line.empty()) continue;
    json j = json::parse(line, nullptr, /*allow_exceptions=*/false);
    if (!j.is_object()) {
      ++torn;  // a line cut by a crash mid-write; the records before it stand
      continue;
    }
    if (j.contains("instance")) {
      const json& i = j["instance"];
      previous_instance_ = InstanceRecord{i.value("id", ""), i.value("pid", 0),
                                          i.value("start_ticks", uint64_t{0})};
    } else if (j.contains("job")) {
      absl::StatusOr<JobRecord> record = JobRecordFromJson(j["job"].dump());
      if (!record.ok()) {
        ++torn;
        continue;
      }
      next_job_id_ = std::max(next_job_id_, record->id + 1);
      last_sequence_ = std::max(last_sequence_, record->report_sequence);
      jobs_[record->id] = *std::move(record);
    } else if (j.contains("forget")) {
      const uint64_t id = j["forget"].get<uint64_t>();
      next_job_id_ = std::max(next_job_id_, id + 1);
      jobs_.erase(id);
    }
  }
  if (torn > 0) spdlog::warn("Worker journal {}: skipped {} unreadable line(s)", path, torn);
  return absl::OkStatus();
}

absl::Status WorkerJournal::Append(const std::string& line, bool sync) {
  const std::string path = dir_ + "/" + kJournalFile;
  if (absl::Status s = WriteFully(fd_, line + "\n", path); !s.ok()) return s;
  if (sync && fdatasync(fd_) != 0) return Errno("cannot sync", path);
  file_bytes_ += line.size() + 1;
  return MaybeCompact();
}

absl::Status WorkerJournal::RecordInstance(const InstanceRecord& instance) {
  instance_ = instance;
  return Append(InstanceLine(instance));
}

absl::Status WorkerJournal::Save(const JobRecord& record, bool sync) {
  last_sequence_ = std::max(last_sequence_, record.report_sequence);
  next_job_id_ = std::max(next_job_id_, record.id + 1);
  JobRecord& kept = jobs_[record.id];
  if (&kept != &record) kept = record;  // the owner usually saves the kept record itself
  return Append(absl::StrCat("{\"job\":", JobRecordToJson(record), "}"), sync);
}

absl::Status WorkerJournal::Sync() {
  if (fdatasync(fd_) != 0) return Errno("cannot sync", dir_ + "/" + kJournalFile);
  return absl::OkStatus();
}

absl::Status WorkerJournal::Forget(uint64_t id) {
  jobs_.erase(id);
  absl::Status s = Append(absl::StrCat("{\"forget\":", id, "}"));
  // After the line is durable: a crash in between leaves files of a forgotten job, which the
  // next Forget of a reused id or a compaction does not mind.
  for (const std::string& file : {WorkloadPath(id), StderrPath(id), ExitPath(id)}) {
    std::remove(file.c_str());
  }
  return s;
}

uint64_t WorkerJournal::NextSequence() {
  const uint64_t now = static_cast<uint64_t>(absl::ToUnixMicros(absl::Now()));
  last_sequence_ = std::max(last_sequence_ + 1, now);
  return last_sequence_;
}

absl::Status WorkerJournal::MaybeCompact() {
  if (file_bytes_ < compact_at_bytes_) return absl::OkStatus();
  std::string live;
  if (instance_.has_value()) absl::StrAppend(&live, InstanceLine(*instance_), "\n");
  for (const auto& [id, record] : jobs_) {
    absl::StrAppend(&live, "{\"job\":", JobRecordToJson(record), "}\n");
  }
  if (file_bytes_ < 4 * live.size()) return absl::OkStatus();
  const std::string path = dir_ + "/" + kJournalFile;
  if (absl::Status s = WriteFileAtomically(path, live, 0600); !s.ok()) return s;
  const int fresh = open(path.c_str(), O_WRONLY | O_APPEND | O_CLOEXEC);
  if (fresh < 0) return Errno("cannot reopen", path);
  close(fd_);
  fd_ = fresh;
  file_bytes_ = live.size();
  return absl::OkStatus();
}

std::string WorkerJournal::WorkloadPath(uint64_t id) const {
  return absl::StrCat(dir_, "/jobs/", id, ".json");
}
std::string WorkerJournal::StderrPath(uint64_t id) const {
  return absl::StrCat(dir_, "/jobs/", id, ".stderr");
}
std::string WorkerJournal::ExitPath(uint64_t id) const {
  return absl::StrCat(dir_, "/jobs/", id, ".exit");
}

}  // namespace edgectl::worker
