#include "worker/job_record.h"

#include <nlohmann/json.hpp>

#include "absl/strings/str_cat.h"

namespace edgectl::worker {
namespace {

using nlohmann::json;

json KeyToJson(const v1::JobKey& k) {
  return {{"dag_id", k.dag_id()},         {"task_id", k.task_id()},
          {"run_id", k.run_id()},         {"try_number", k.try_number()},
          {"map_index", k.map_index()},   {"task_instance_id", k.task_instance_id()}};
}

v1::JobKey KeyFromJson(const json& j) {
  v1::JobKey k;
  k.set_dag_id(j.at("dag_id").get<std::string>());
  k.set_task_id(j.at("task_id").get<std::string>());
  k.set_run_id(j.at("run_id").get<std::string>());
  k.set_try_number(j.at("try_number").get<int>());
  k.set_map_index(j.at("map_index").get<int>());
  k.set_task_instance_id(j.value("task_instance_id", ""));
  return k;
}

JobPhase PhaseFromName(const std::string& name) {
  if (name == "running") return JobPhase::kRunning;
  if (name == "exited") return JobPhase::kExited;
  return JobPhase::kClaiming;
}

}  // namespace

const char* PhaseName(JobPhase phase) {
  switch (phase) {
    case JobPhase::kClaiming:
      return "claiming";
    case JobPhase::kRunning:
      return "running";
    case JobPhase::kExited:
      return "exited";
  }
  return "claiming";
}

std::string JobRecordToJson(const JobRecord& r) {
  json chunks = json::array();
  for (const LogChunkRecord& c : r.log_pending) {
    json chunk = {{"offset", c.offset}, {"length", c.length}, {"time_us", c.time_us}};
    if (c.text.has_value()) chunk["text"] = *c.text;
    chunks.push_back(std::move(chunk));
  }
  json j = {{"id", r.id},
            {"key", KeyToJson(r.key)},
            {"dispatch_id", r.dispatch_id},
            {"slots", r.slots},
            {"log_file", r.log_file},
            {"phase", PhaseName(r.phase)},
            {"pid", r.pid},
            {"pid_start_ticks", r.pid_start_ticks},
            {"failure_reason", r.failure_reason},
            {"final_state", r.final_state},
            {"report_sequence", r.report_sequence},
            {"report_delivered", r.report_delivered},
            {"log_emitted", r.log_emitted},
            {"log_last_time_us", r.log_last_time_us},
            {"log_pending", std::move(chunks)},
            {"log_trailer", r.log_trailer},
            {"log_done", r.log_done}};
  if (r.exit_code.has_value()) j["exit_code"] = *r.exit_code;
  // Invalid UTF-8 in a text chunk (a task's stderr) must not make the record unwritable.
  return j.dump(-1, ' ', false, json::error_handler_t::replace);
}

absl::StatusOr<JobRecord> JobRecordFromJson(const std::string& text) {
  json j = json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (!j.is_object()) return absl::DataLossError("a journal record is not a JSON object");
  try {
    JobRecord r;
    r.id = j.at("id").get<uint64_t>();
    r.key = KeyFromJson(j.at("key"));
    r.dispatch_id = j.value("dispatch_id", uint64_t{0});
    r.slots = j.value("slots", 1);
    r.log_file = j.value("log_file", "");
    r.phase = PhaseFromName(j.value("phase", "claiming"));
    r.pid = j.value("pid", 0);
    r.pid_start_ticks = j.value("pid_start_ticks", uint64_t{0});
    if (j.contains("exit_code")) r.exit_code = j.at("exit_code").get<int>();
    r.failure_reason = j.value("failure_reason", "");
    r.final_state = j.value("final_state", "");
    r.report_sequence = j.value("report_sequence", uint64_t{0});
    r.report_delivered = j.value("report_delivered", false);
    r.log_emitted = j.value("log_emitted", uint64_t{0});
    r.log_last_time_us = j.value("log_last_time_us", int64_t{0});
    for (const json& c : j.value("log_pending", json::array())) {
      LogChunkRecord chunk;
      chunk.offset = c.at("offset").get<uint64_t>();
      chunk.length = c.at("length").get<uint64_t>();
      chunk.time_us = c.at("time_us").get<int64_t>();
      if (c.contains("text")) chunk.text = c.at("text").get<std::string>();
      r.log_pending.push_back(std::move(chunk));
    }
    r.log_trailer = j.value("log_trailer", "");
    r.log_done = j.value("log_done", false);
    return r;
  } catch (const json::exception& e) {
    return absl::DataLossError(absl::StrCat("a journal record is malformed: ", e.what()));
  }
}

std::string JobName(const v1::JobKey& key) {
  return absl::StrCat("dag_id=", key.dag_id(), " task_id=", key.task_id(), " run_id=",
                      key.run_id(), " map_index=", key.map_index(), " try_number=",
                      key.try_number());
}

}  // namespace edgectl::worker
