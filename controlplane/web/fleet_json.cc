#include "controlplane/web/fleet_json.h"

#include <map>

#include "controlplane/admin/worker_listing.h"

namespace edgectl::web {
namespace {

using nlohmann::json;

json FieldJson(const admin::FieldValue& value) {
  switch (value.kind) {
    case admin::FieldValue::Kind::kText:
      return value.text;
    case admin::FieldValue::Kind::kList:
      return value.items;
    case admin::FieldValue::Kind::kNone:
      break;
  }
  return nullptr;
}

json OptionalText(const std::optional<std::string>& text) {
  return text.has_value() ? json(*text) : json(nullptr);
}

json EpochTime(const std::optional<double>& seconds) {
  if (!seconds.has_value()) return nullptr;
  return IsoTime(absl::FromUnixMicros(static_cast<int64_t>(*seconds * 1e6)));
}

json AgeSeconds(const std::optional<double>& since, double now) {
  if (!since.has_value()) return nullptr;
  return std::max(0.0, now - *since);
}

double Millis(double seconds) { return seconds * 1000.0; }

json LinkJson(const controlplane::SessionView& s, absl::Time now) {
  return json{{"auth_method", s.info.auth_method},
              {"peer", s.info.peer},
              {"connected_since", IsoTime(s.info.connected_since)},
              {"connected_seconds", absl::ToDoubleSeconds(now - s.info.connected_since)},
              {"state_seen", s.state},
              {"free_slots", s.reported_free},
              {"stalled", s.stalled}};
}

}  // namespace

std::string IsoTime(absl::Time t) {
  return absl::FormatTime("%Y-%m-%dT%H:%M:%E3SZ", t, absl::UTCTimeZone());
}

json WorkersJson(const WorkerList& list, const std::vector<controlplane::SessionView>& sessions,
                 absl::Time now) {
  std::map<std::string, const controlplane::SessionView*> live;
  for (const controlplane::SessionView& s : sessions) live[s.worker_name] = &s;
  const std::vector<admin::Record> records = admin::WorkerListingRecords(list.workers);
  json workers = json::array();
  for (size_t i = 0; i < records.size(); ++i) {
    const admin::WorkerRecord& w = list.workers[i];
    json entry = json::object();
    for (const auto& [name, value] : records[i]) entry[name] = FieldJson(value);
    entry["first_online"] = EpochTime(w.first_online);
    entry["last_heartbeat"] = EpochTime(w.last_update);
    entry["heartbeat_age_seconds"] = AgeSeconds(w.last_update, list.db_now);
    auto it = live.find(w.worker_name);
    entry["link"] = it == live.end() ? json(nullptr) : LinkJson(*it->second, now);
    workers.push_back(std::move(entry));
  }
  return json{{"generated_at", IsoTime(now)},
              {"connected_here", sessions.size()},
              {"workers", std::move(workers)}};
}

json JobsJson(const JobList& list, const controlplane::DispatchLatencyLog& latency,
              absl::Time now) {
  json jobs = json::array();
  for (const JobView& j : list.jobs) {
    std::optional<absl::Duration> dispatch = latency.ForJob(controlplane::DispatchJobId(
        j.dag_id, j.task_id, j.run_id, j.map_index, j.try_number));
    jobs.push_back(json{
        {"dag_id", j.dag_id},
        {"task_id", j.task_id},
        {"run_id", j.run_id},
        {"map_index", j.map_index},
        {"try_number", j.try_number},
        {"state", j.state},
        {"queue", j.queue},
        {"concurrency_slots", j.concurrency_slots},
        {"edge_worker", OptionalText(j.edge_worker)},
        {"queued_dttm", EpochTime(j.queued_dttm)},
        {"last_update", EpochTime(j.last_update)},
        {"queued_age_seconds", AgeSeconds(j.queued_dttm, list.db_now)},
        {"dispatch_latency_ms", dispatch.has_value()
                                    ? json(absl::ToDoubleMilliseconds(*dispatch))
                                    : json(nullptr)},
    });
  }
  return json{{"generated_at", IsoTime(now)},
              {"truncated", list.truncated},
              {"jobs", std::move(jobs)}};
}

json LogJson(const JobRef& job, const LogSlice& slice) {
  return json{{"dag_id", job.dag_id},
              {"task_id", job.task_id},
              {"run_id", job.run_id},
              {"map_index", job.map_index},
              {"try_number", job.try_number},
              {"job_state", OptionalText(slice.job_state)},
              {"offset", slice.offset},
              {"next_offset", slice.next_offset},
              {"more", slice.more},
              {"text", slice.text}};
}

json SummaryJson(const WorkerList& workers, const JobCounts& counts,
                 const controlplane::Metrics& metrics, absl::Time now) {
  json by_state = json::object();
  for (const admin::WorkerRecord& w : workers.workers) {
    by_state[w.state] = by_state.value(w.state, 0) + 1;
  }
  json queued = json::array();
  for (const QueueBacklog& q : counts.queued) {
    queued.push_back(
        json{{"queue", q.queue}, {"jobs", q.jobs}, {"oldest_age_seconds", q.oldest_age_seconds}});
  }
  const controlplane::DispatchLatencyLog& log = metrics.dispatch_latency();
  json minutes = json::array();
  for (const controlplane::LatencyMinute& m : log.LastHour(now)) {
    minutes.push_back(json{{"minute", IsoTime(m.minute)},
                           {"count", m.count},
                           {"p50_ms", Millis(m.p50_seconds)},
                           {"p99_ms", Millis(m.p99_seconds)},
                           {"max_ms", Millis(m.max_seconds)}});
  }
  const controlplane::LatencyMinute hour = log.HourTotal(now);
  return json{
      {"generated_at", IsoTime(now)},
      {"workers",
       {{"total", workers.workers.size()},
        {"by_state", std::move(by_state)},
        {"connected_here", metrics.connected_workers()}}},
      {"jobs", {{"by_state", counts.by_state}, {"queued_by_queue", std::move(queued)}}},
      {"dispatch",
       {{"last_hour",
         {{"count", hour.count},
          {"p50_ms", Millis(hour.p50_seconds)},
          {"p99_ms", Millis(hour.p99_seconds)},
          {"max_ms", Millis(hour.max_seconds)},
          {"mean_ms", hour.count ? Millis(hour.sum_seconds / hour.count) : 0.0}}},
        {"minutes", std::move(minutes)},
        {"dispatched_total", metrics.jobs_dispatched()},
        {"requeued_total", metrics.dispatches_requeued()},
        {"claims_granted_total", metrics.claims_granted()},
        {"claims_refused_total", metrics.claims_refused()}}}};
}

std::string Dump(const json& value) {
  return value.dump(-1, ' ', false, json::error_handler_t::replace);
}

}  // namespace edgectl::web
