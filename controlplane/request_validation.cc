#include "controlplane/request_validation.h"

#include "absl/strings/str_cat.h"
#include "common/edge_states.h"
#include "common/python_list_repr.h"
#include "common/utf8.h"
#include "controlplane/auth/authenticator.h"

namespace edgectl::controlplane {
namespace {

using auth::QuotePrefix;

// edge3 limits count characters (Python str length), i.e. UTF-8 code points. The byte bound is
// checked first so a huge value costs nothing to refuse.
absl::Status CheckText(const char* what, const std::string& value, size_t max_chars,
                       bool is_name, const char* fix) {
  if (value.size() > 4 * max_chars || CodePointCount(value) > max_chars) {
    return absl::InvalidArgumentError(absl::StrCat(what, " ", QuotePrefix(value), " is longer than ",
                                                   max_chars, " characters: ", fix));
  }
  for (size_t i = 0; i < value.size();) {
    const DecodedChar c = DecodeUtf8At(value, i);
    if (!c.valid) {
      return absl::InvalidArgumentError(
          absl::StrCat(what, " ", QuotePrefix(value), " is not valid UTF-8: ", fix));
    }
    if (is_name && (c.code_point < 0x20 || c.code_point == 0x7f)) {
      return absl::InvalidArgumentError(absl::StrCat(
          what, " ", QuotePrefix(value), " contains a NUL or control character: ", fix));
    }
    if (c.code_point == 0) {
      // PostgreSQL text cannot hold NUL: refused here rather than failing later at Airflow.
      return absl::InvalidArgumentError(
          absl::StrCat(what, " ", QuotePrefix(value), " contains a NUL character: ", fix));
    }
    i += c.length;
  }
  return absl::OkStatus();
}

absl::Status First(std::initializer_list<absl::Status> checks) {
  for (const absl::Status& s : checks) {
    if (!s.ok()) return s;
  }
  return absl::OkStatus();
}

std::optional<std::vector<std::string>> QueuesOf(const v1::QueueList* list) {
  if (list == nullptr) return std::nullopt;
  return std::vector<std::string>(list->names().begin(), list->names().end());
}

}  // namespace

absl::Status ValidateProtocolVersion(v1::ProtocolVersion version) {
  if (version == v1::PROTOCOL_VERSION_1 || version == v1::PROTOCOL_VERSION_2) {
    return absl::OkStatus();
  }
  return absl::FailedPreconditionError(absl::StrCat(
      "the worker speaks edgectl protocol version ", static_cast<int>(version),
      ", this control plane speaks versions 1 to ", static_cast<int>(v1::PROTOCOL_VERSION_2),
      "; run edgectl worker and controlplane of compatible releases"));
}

absl::Status ValidateWorkerName(const std::string& worker_name) {
  if (worker_name.empty()) {
    return absl::InvalidArgumentError("worker_name is empty; set --edge-hostname or the hostname");
  }
  return CheckText("worker name", worker_name, states::kMaxWorkerNameLength, /*is_name=*/true,
                   "edge3 allows at most 64 characters (edge_worker.worker_name) of printable "
                   "UTF-8; choose another --edge-hostname");
}

absl::Status ValidateQueues(const std::optional<std::vector<std::string>>& queues) {
  if (!queues) return absl::OkStatus();
  constexpr size_t kMaxQueues = 256;
  if (queues->size() > kMaxQueues) {
    return absl::InvalidArgumentError(absl::StrCat(queues->size(),
                                                   " queues; at most 256 fit edge_worker.queues: "
                                                   "serve fewer queues (--queues)"));
  }
  for (const std::string& queue : *queues) {
    if (absl::Status s = CheckText("queue name", queue, states::kMaxQueueNameLength, true,
                                   "edge3 allows at most 256 characters; shorten it in --queues");
        !s.ok()) {
      return s;
    }
  }
  // edge_worker.queues is VARCHAR(256) holding Python's str(list).
  const std::string repr = FormatPythonStrList(*queues);
  if (CodePointCount(repr) > 256) {
    return absl::InvalidArgumentError(absl::StrCat(
        "the queue list is ", CodePointCount(repr),
        " characters as edge3 stores it (edge_worker.queues holds 256): serve fewer or shorter "
        "queues (--queues)"));
  }
  return absl::OkStatus();
}

absl::Status ValidateStateBody(const v1::WorkerStateBody& body) {
  absl::Status checks = First(
      {CheckText("worker state", body.state(), 20, true, "send an edge3 worker state"),
       ValidateQueues(QueuesOf(body.has_queues() ? &body.queues() : nullptr)),
       body.has_maintenance_comments()
           ? CheckText("maintenance comment", body.maintenance_comments(), 1024, false,
                       "edge3 stores at most 1024 characters (edge_worker.maintenance_comment)")
           : absl::OkStatus(),
       body.has_team_name()
           ? CheckText("team name", body.team_name(), 64, true, "edge3 allows 64 characters")
           : absl::OkStatus()});
  if (!checks.ok()) return checks;
  if (body.jobs_active() < 0 || body.jobs_active() > 100000) {
    return absl::InvalidArgumentError(
        absl::StrCat("jobs_active ", body.jobs_active(), " is out of range (0..100000)"));
  }
  constexpr size_t kMaxSysinfoEntries = 64;
  if (static_cast<size_t>(body.sysinfo_size()) > kMaxSysinfoEntries) {
    return absl::InvalidArgumentError(absl::StrCat("sysinfo has ", body.sysinfo_size(),
                                                   " entries; at most 64 are accepted"));
  }
  for (const auto& [key, value] : body.sysinfo()) {
    if (absl::Status s = CheckText("sysinfo key", key, 64, true, "use short keys"); !s.ok()) {
      return s;
    }
    if (value.has_string_value()) {
      if (absl::Status s = CheckText("sysinfo value", value.string_value(), 1024, false,
                                     "keep sysinfo values under 1024 characters");
          !s.ok()) {
        return s;
      }
    }
  }
  return absl::OkStatus();
}

absl::Status ValidateJobKey(const v1::JobKey& key) {
  absl::Status checks =
      First({CheckText("dag_id", key.dag_id(), 250, true, "edge_job.dag_id holds 250"),
             CheckText("task_id", key.task_id(), 250, true, "edge_job.task_id holds 250"),
             CheckText("run_id", key.run_id(), 250, true, "edge_job.run_id holds 250"),
             CheckText("task_instance_id", key.task_instance_id(), 36, true,
                       "a task-instance UUID has 36 characters")});
  if (!checks.ok()) return checks;
  if (key.dag_id().empty() || key.task_id().empty() || key.run_id().empty()) {
    return absl::InvalidArgumentError("a job key needs dag_id, task_id and run_id");
  }
  if (key.try_number() < 0 || key.map_index() < -1) {
    return absl::InvalidArgumentError(absl::StrCat("try_number ", key.try_number(), " / map_index ",
                                                   key.map_index(), " are out of range"));
  }
  return absl::OkStatus();
}

absl::Status ValidateRegister(const v1::RegisterRequest& r) {
  return First({ValidateProtocolVersion(r.protocol_version()), ValidateWorkerName(r.worker_name()),
                CheckText("client_version", r.client_version(), 64, true, "a version string"),
                CheckText("instance_id", r.instance_id(), 64, true, "an edgectl instance id"),
                CheckText("previous_instance_id", r.previous_instance_id(), 64, true,
                          "an edgectl instance id"),
                ValidateStateBody(r.body())});
}

absl::Status ValidateHeartbeat(const v1::HeartbeatRequest& r) {
  return First({ValidateWorkerName(r.worker_name()), ValidateStateBody(r.body())});
}

absl::Status ValidateConnect(const v1::ConnectRequest& r) {
  absl::Status checks = First({ValidateWorkerName(r.worker_name()),
                               ValidateQueues(QueuesOf(r.has_queues() ? &r.queues() : nullptr))});
  if (!checks.ok()) return checks;
  if (r.running_jobs_size() > 10000) {
    return absl::InvalidArgumentError("a Connect may list at most 10000 running jobs");
  }
  for (const v1::JobKey& key : r.running_jobs()) {
    if (absl::Status s = ValidateJobKey(key); !s.ok()) return s;
  }
  return absl::OkStatus();
}

absl::Status ValidateClaim(const v1::JobClaim& c) {
  absl::Status checks = First({ValidateWorkerName(c.worker_name()), ValidateJobKey(c.key())});
  if (!checks.ok()) return checks;
  if (c.free_concurrency() < 0 || c.free_concurrency() > 100000) {
    return absl::InvalidArgumentError(absl::StrCat(
        "free_concurrency ", c.free_concurrency(), " is out of range (0 to 100000)"));
  }
  return absl::OkStatus();
}

absl::Status ValidateJobStateReport(const v1::JobStateReport& r) {
  absl::Status checks = First({ValidateWorkerName(r.worker_name()), ValidateJobKey(r.key())});
  if (!checks.ok()) return checks;
  if (r.sequence() > kMaxSequence) {
    return absl::InvalidArgumentError(
        absl::StrCat("sequence ", r.sequence(), " is out of range (at most 2^62)"));
  }
  return absl::OkStatus();
}

absl::Status ValidateLogChunk(const v1::LogChunk& c, size_t max_data_bytes) {
  absl::Status checks = First({ValidateWorkerName(c.worker_name()), ValidateJobKey(c.key())});
  if (!checks.ok()) return checks;
  if (c.offset() > kMaxLogOffset || c.data().size() > max_data_bytes) {
    return absl::InvalidArgumentError(absl::StrCat(
        "log chunk at offset ", c.offset(), " with ", c.data().size(),
        " bytes is out of range (offset at most 2^50, at most ", max_data_bytes,
        " bytes per chunk)"));
  }
  if (c.chunk_time().seconds() <= 0 || c.chunk_time().nanos() < 0 ||
      c.chunk_time().nanos() > 999999999 || c.chunk_time().seconds() > 253402300799) {
    return absl::InvalidArgumentError("log chunk_time is missing or not a valid time");
  }
  return absl::OkStatus();
}

}  // namespace edgectl::controlplane
