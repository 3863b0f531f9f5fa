#include "controlplane/admin/worker_admin.h"

#include <algorithm>
#include <functional>

#include <nlohmann/json.hpp>

#include "absl/strings/str_cat.h"
#include "common/edge_states.h"
#include "controlplane/admin/name_pattern.h"
#include "common/python_list_repr.h"
#include "common/utf8.h"
#include "controlplane/db/pg_status.h"

namespace edgectl::admin {
namespace {

namespace st = ::edgectl::states;

constexpr size_t kQueuesColumnWidth = 256;   // edge_worker.queues VARCHAR(256)
constexpr size_t kCommentColumnWidth = 1024;  // edge_worker.maintenance_comment VARCHAR(1024)

absl::Status ValidateComment(const std::string& comment) {
  if (CodePointCount(comment) <= kCommentColumnWidth) return absl::OkStatus();
  return absl::InvalidArgumentError(absl::StrCat(
      "maintenance comment is ", CodePointCount(comment),
      " characters long; edge_worker.maintenance_comment holds at most ", kCommentColumnWidth));
}

absl::Status UnknownWorker(const std::string& name) {
  return absl::NotFoundError(absl::StrCat("Edge Worker ", name, " is unknown!"));
}

// Python's str() of a JSON value, which is how edge3 prints sysinfo's concurrency fields.
std::optional<std::string> PythonStrOfJson(const nlohmann::json& value) {
  if (value.is_null()) return std::nullopt;
  if (value.is_string()) return value.get<std::string>();
  if (value.is_boolean()) return value.get<bool>() ? "True" : "False";
  return value.dump();
}

void ReadSysinfo(const pqxx::field& field, WorkerRecord* record) {
  if (field.is_null()) return;
  nlohmann::json sysinfo =
      nlohmann::json::parse(field.c_str(), nullptr, /*allow_exceptions=*/false);
  if (!sysinfo.is_object()) return;  // edge3 prints None for unreadable sysinfo
  if (auto it = sysinfo.find("concurrency"); it != sysinfo.end()) {
    record->concurrency = PythonStrOfJson(*it);
  }
  if (auto it = sysinfo.find("free_concurrency"); it != sysinfo.end()) {
    record->free_concurrency = PythonStrOfJson(*it);
  }
  for (auto [key, field] : {std::pair{"airflow_version", &WorkerRecord::airflow_version},
                            std::pair{"edge_provider_version", &WorkerRecord::edge_provider_version},
                            std::pair{"edgectl_version", &WorkerRecord::edgectl_version}}) {
    if (auto it = sysinfo.find(key); it != sysinfo.end() && !it->is_null()) {
      record->*field = PythonStrOfJson(*it);
    }
  }
}

std::optional<std::vector<std::string>> ReadQueues(const pqxx::field& field) {
  if (field.is_null() || std::string_view(field.c_str()).empty()) return std::nullopt;
  absl::StatusOr<std::vector<std::string>> parsed = ParsePythonStrList(field.c_str());
  // Shown as stored rather than hiding the worker when someone wrote a value edge3 cannot read.
  if (!parsed.ok()) return std::vector<std::string>{field.c_str()};
  return *parsed;
}

bool ServesAnyOf(const WorkerRecord& record, const std::vector<std::string>& wanted) {
  if (wanted.empty() || !record.queues.has_value()) return true;
  for (const std::string& queue : *record.queues) {
    if (std::find(wanted.begin(), wanted.end(), queue) != wanted.end()) return true;
  }
  return false;
}

// edge3 stores an empty list as NULL ("all queues").
std::optional<std::string> QueuesColumnValue(const std::vector<std::string>& queues) {
  if (queues.empty()) return std::nullopt;
  return FormatPythonStrList(queues);
}

absl::Status CheckFitsQueuesColumn(const std::string& name,
                                   const std::optional<std::string>& text) {
  if (!text.has_value() || CodePointCount(*text) <= kQueuesColumnWidth) return absl::OkStatus();
  return absl::InvalidArgumentError(absl::StrCat(
      "the queues of edge worker ", name, " would be stored as ", CodePointCount(*text),
      " characters (", *text, "), but edge_worker.queues holds at most ", kQueuesColumnWidth,
      "; remove queues first or use shorter names"));
}

absl::StatusOr<std::vector<std::string>> CurrentQueues(const std::string& name,
                                                       const std::optional<std::string>& text) {
  if (!text.has_value() || text->empty()) return std::vector<std::string>{};
  absl::StatusOr<std::vector<std::string>> parsed = ParsePythonStrList(*text);
  if (!parsed.ok()) {
    return absl::FailedPreconditionError(absl::StrCat(
        "edge_worker.queues of edge worker ", name, " holds ", *text,
        ", which is ", parsed.status().message(), "; fix the row before changing its queues"));
  }
  return parsed;
}

void WriteQueues(pqxx::work& tx, const std::string& name, const std::optional<std::string>& text) {
  if (text.has_value()) {
    tx.exec_params0("UPDATE edge_worker SET queues = $2 WHERE worker_name = $1", name, *text);
  } else {
    tx.exec_params0("UPDATE edge_worker SET queues = NULL WHERE worker_name = $1", name);
  }
}

}  // namespace

absl::Status ValidateQueueNames(const std::vector<std::string>& queues) {
  if (queues.empty()) return absl::InvalidArgumentError("no queues given");
  for (const std::string& queue : queues) {
    if (queue.empty()) {
      return absl::InvalidArgumentError(
          "empty queue name in the list: give queue names separated by single commas");
    }
    if (CodePointCount(queue) > st::kMaxQueueNameLength) {
      return absl::InvalidArgumentError(absl::StrCat(
          "queue name is ", CodePointCount(queue),
          " characters long; queue names may have at most ",
          st::kMaxQueueNameLength, " characters: ", queue.substr(0, 40), "..."));
    }
  }
  return absl::OkStatus();
}

absl::StatusOr<std::vector<WorkerRecord>> WorkerAdmin::List(const WorkerFilter& filter) {
  std::string sql =
      "SELECT worker_name, state, queues, jobs_active, sysinfo::text, maintenance_comment, "
      "concurrency, extract(epoch FROM first_online), extract(epoch FROM last_update), "
      "extract(epoch FROM now() - last_update) "
      "FROM edge_worker WHERE TRUE";
  std::vector<std::string> params;
  if (!filter.states.empty()) {
    sql += " AND state IN (";
    for (size_t i = 0; i < filter.states.size(); ++i) {
      params.push_back(filter.states[i]);
      absl::StrAppend(&sql, i == 0 ? "" : ", ", "$", params.size());
    }
    sql += ")";
  }
  if (filter.name_glob.has_value()) {
    params.push_back(GlobToLikePattern(*filter.name_glob));
    absl::StrAppend(&sql, " AND worker_name LIKE $", params.size(), " ", kLikeEscapeClause);
  }
  sql += " ORDER BY worker_name";
  try {
    pqxx::read_transaction tx(conn_);
    pqxx::result rows = tx.exec_params(sql, pqxx::prepare::make_dynamic_params(params));
    std::vector<WorkerRecord> out;
    for (const pqxx::row& row : rows) {
      WorkerRecord record;
      record.worker_name = row[0].as<std::string>();
      record.state = row[1].as<std::string>();
      record.queues = ReadQueues(row[2]);
      record.jobs_active = row[3].as<int>();
      ReadSysinfo(row[4], &record);
      if (!row[5].is_null()) record.maintenance_comment = row[5].as<std::string>();
      if (!row[6].is_null()) record.concurrency_override = row[6].as<int>();
      if (!row[7].is_null()) record.first_online = row[7].as<double>();
      if (!row[8].is_null()) record.last_update = row[8].as<double>();
      if (!row[9].is_null()) record.heartbeat_age_seconds = row[9].as<double>();
      if (ServesAnyOf(record, filter.queues)) out.push_back(std::move(record));
    }
    return out;
  } catch (...) {
    return db::StatusFromCurrentException("list workers");
  }
}

absl::StatusOr<AdminDecision> WorkerAdmin::WithLockedWorker(AdminAction action,
                                                           const std::string& name,
                                                           const Change& change) {
  try {
    pqxx::work tx(conn_);
    pqxx::result found = tx.exec_params(
        "SELECT state, queues FROM edge_worker WHERE worker_name = $1 FOR UPDATE", name);
    if (found.empty()) return UnknownWorker(name);
    LockedWorker worker;
    worker.state = found[0][0].as<std::string>();
    if (!found[0][1].is_null()) worker.queues_text = found[0][1].as<std::string>();
    AdminDecision decision = Decide(action, name, worker.state);
    if (decision.kind == AdminDecision::Kind::kRefuse) {
      return absl::FailedPreconditionError(decision.message);
    }
    if (decision.kind == AdminDecision::Kind::kApply) {
      absl::Status status = change(tx, worker, decision);
      if (!status.ok()) return status;  // tx rolls back on destruction
      tx.commit();
    }
    return decision;
  } catch (...) {
    return db::StatusFromCurrentException(absl::StrCat("edge worker ", name));
  }
}

absl::Status WorkerAdmin::RequestMaintenance(const std::string& name, const std::string& comment) {
  if (absl::Status valid = ValidateComment(comment); !valid.ok()) return valid;
  return WithLockedWorker(AdminAction::kRequestMaintenance, name,
                          [&](pqxx::work& tx, const LockedWorker&, const AdminDecision& d) {
                            tx.exec_params0(
                                "UPDATE edge_worker SET state = $2, maintenance_comment = $3 "
                                "WHERE worker_name = $1",
                                name, d.new_state, comment);
                            return absl::OkStatus();
                          })
      .status();
}

absl::Status WorkerAdmin::ExitMaintenance(const std::string& name) {
  return WithLockedWorker(AdminAction::kExitMaintenance, name,
                          [&](pqxx::work& tx, const LockedWorker&, const AdminDecision& d) {
                            tx.exec_params0(
                                "UPDATE edge_worker SET state = $2, maintenance_comment = NULL "
                                "WHERE worker_name = $1",
                                name, d.new_state);
                            return absl::OkStatus();
                          })
      .status();
}

absl::Status WorkerAdmin::UpdateMaintenanceComment(const std::string& name,
                                                   const std::string& comment) {
  if (absl::Status valid = ValidateComment(comment); !valid.ok()) return valid;
  return WithLockedWorker(AdminAction::kUpdateMaintenanceComment, name,
                          [&](pqxx::work& tx, const LockedWorker&, const AdminDecision&) {
                            tx.exec_params0(
                                "UPDATE edge_worker SET maintenance_comment = $2 "
                                "WHERE worker_name = $1",
                                name, comment);
                            return absl::OkStatus();
                          })
      .status();
}

absl::StatusOr<AdminDecision> WorkerAdmin::RequestShutdown(const std::string& name) {
  return WithLockedWorker(AdminAction::kRequestShutdown, name,
                          [&](pqxx::work& tx, const LockedWorker&, const AdminDecision& d) {
                            tx.exec_params0(
                                "UPDATE edge_worker SET state = $2 WHERE worker_name = $1", name,
                                d.new_state);
                            return absl::OkStatus();
                          });
}

absl::StatusOr<ShutdownAllResult> WorkerAdmin::RequestShutdownAll() {
  try {
    pqxx::work tx(conn_);
    // One statement: the state test and the write happen under the row lock the UPDATE takes,
    // so a worker going offline concurrently is never flipped back to "shutdown request".
    pqxx::result changed = tx.exec_params(
        "UPDATE edge_worker SET state = $1 WHERE state NOT IN ($2, $3, $4) "
        "RETURNING worker_name",
        st::kShutdownRequest, st::kOffline, st::kUnknown, st::kOfflineMaintenance);
    pqxx::result offline = tx.exec_params(
        "SELECT worker_name FROM edge_worker WHERE state IN ($1, $2, $3) ORDER BY worker_name",
        st::kOffline, st::kUnknown, st::kOfflineMaintenance);
    tx.commit();
    ShutdownAllResult result;
    for (const pqxx::row& row : changed) result.requested.push_back(row[0].as<std::string>());
    std::sort(result.requested.begin(), result.requested.end());
    for (const pqxx::row& row : offline) {
      result.already_offline.push_back(row[0].as<std::string>());
    }
    return result;
  } catch (...) {
    return db::StatusFromCurrentException("shutdown all workers");
  }
}

absl::Status WorkerAdmin::Remove(const std::string& name) {
  return WithLockedWorker(AdminAction::kRemove, name,
                          [&](pqxx::work& tx, const LockedWorker&, const AdminDecision&) {
                            tx.exec_params0("DELETE FROM edge_worker WHERE worker_name = $1",
                                            name);
                            return absl::OkStatus();
                          })
      .status();
}

absl::Status WorkerAdmin::AddQueues(const std::string& name,
                                    const std::vector<std::string>& queues) {
  if (absl::Status valid = ValidateQueueNames(queues); !valid.ok()) return valid;
  return WithLockedWorker(
             AdminAction::kAddQueues, name,
             [&](pqxx::work& tx, const LockedWorker& worker, const AdminDecision&) {
               absl::StatusOr<std::vector<std::string>> current =
                   CurrentQueues(name, worker.queues_text);
               if (!current.ok()) return current.status();
               std::vector<std::string> merged = *current;
               for (const std::string& queue : queues) {
                 if (std::find(merged.begin(), merged.end(), queue) == merged.end()) {
                   merged.push_back(queue);
                 }
               }
               std::optional<std::string> text = QueuesColumnValue(merged);
               if (absl::Status fits = CheckFitsQueuesColumn(name, text); !fits.ok()) return fits;
               WriteQueues(tx, name, text);
               return absl::OkStatus();
             })
      .status();
}

absl::Status WorkerAdmin::RemoveQueues(const std::string& name,
                                       const std::vector<std::string>& queues) {
  if (absl::Status valid = ValidateQueueNames(queues); !valid.ok()) return valid;
  return WithLockedWorker(
             AdminAction::kRemoveQueues, name,
             [&](pqxx::work& tx, const LockedWorker& worker, const AdminDecision&) {
               absl::StatusOr<std::vector<std::string>> current =
                   CurrentQueues(name, worker.queues_text);
               if (!current.ok()) return current.status();
               std::vector<std::string> remaining;
               for (const std::string& queue : *current) {
                 if (std::find(queues.begin(), queues.end(), queue) == queues.end()) {
                   remaining.push_back(queue);
                 }
               }
               // As edge3: removing the last queue stores NULL, which means "all queues".
               WriteQueues(tx, name, QueuesColumnValue(remaining));
               return absl::OkStatus();
             })
      .status();
}

absl::Status WorkerAdmin::SetConcurrency(const std::string& name, int concurrency) {
  if (concurrency <= 0) {
    return absl::InvalidArgumentError(absl::StrCat(
        "concurrency must be a positive number of slots, got ", concurrency));
  }
  return WithLockedWorker(AdminAction::kSetConcurrency, name,
                          [&](pqxx::work& tx, const LockedWorker&, const AdminDecision&) {
                            tx.exec_params0(
                                "UPDATE edge_worker SET concurrency = $2 WHERE worker_name = $1",
                                name, concurrency);
                            return absl::OkStatus();
                          })
      .status();
}

}  // namespace edgectl::admin
