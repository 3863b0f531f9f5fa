#include "controlplane/web/fleet_api.h"

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "controlplane/web/fleet_assets.h"
#include "controlplane/web/fleet_json.h"
#include "controlplane/web/gzip.h"

namespace edgectl::web {
namespace {

// Only this origin's files and fetches; no inline script or style, no plugins, no framing.
constexpr char kContentSecurityPolicy[] =
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self'; "
    "connect-src 'self'; object-src 'none'; base-uri 'none'; form-action 'none'; "
    "frame-ancestors 'none'";

using StatusOrBody = absl::StatusOr<std::string>;

constexpr size_t kMaxParameterBytes = 250;  // edge_job's id columns are VARCHAR(250)

void Json(httplib::Response& res, int status, const std::string& body) {
  res.status = status;
  res.set_header("Cache-Control", "no-store");
  res.set_content(body, "application/json; charset=utf-8");
}

void Error(httplib::Response& res, int status, const std::string& message) {
  Json(res, status, Dump(nlohmann::json{{"error", message}}));
}

// The cached answer, gzip-compressed when the viewer accepts it (the Content-Type carries a
// charset, so cpp-httplib does not compress it again per request); the database could not
// answer: 503 with the reason (never credentials: pg_status.h).
void Answer(const httplib::Request& req, httplib::Response& res,
            const absl::StatusOr<std::shared_ptr<const CachedAnswer>>& answer) {
  if (!answer.ok()) {
    Error(res, 503, answer.status().ToString());
    return;
  }
  res.set_header("Vary", "Accept-Encoding");
  if (!(*answer)->gzip.empty() && AcceptsGzip(req.get_header_value("Accept-Encoding"))) {
    res.set_header("Content-Encoding", "gzip");
    Json(res, 200, (*answer)->gzip);
  } else {
    Json(res, 200, (*answer)->body);
  }
}

// A text parameter; false (and a 400) when it is too long.
bool Text(const httplib::Request& req, const char* name, std::string* out,
          httplib::Response& res) {
  *out = req.get_param_value(name);
  if (out->size() <= kMaxParameterBytes) return true;
  Error(res, 400, absl::StrCat(name, " is longer than ", kMaxParameterBytes, " bytes"));
  return false;
}

// An integer parameter (`fallback` when absent); false (and a 400) when it is not a number.
bool Integer(const httplib::Request& req, const char* name, int64_t fallback, int64_t* out,
             httplib::Response& res) {
  if (!req.has_param(name)) {
    *out = fallback;
    return true;
  }
  if (absl::SimpleAtoi(req.get_param_value(name), out)) return true;
  Error(res, 400, absl::StrCat(name, " must be an integer"));
  return false;
}

std::string Key(std::initializer_list<std::string> parts) {
  std::string key;
  for (const std::string& part : parts) absl::StrAppend(&key, part.size(), ":", part, ";");
  return key;
}

}  // namespace

FleetApi::FleetApi(FleetApiOptions options, const controlplane::WorkerRegistry& registry,
                   const controlplane::Metrics& metrics, const controlplane::Clock& clock)
    : options_(std::move(options)),
      registry_(registry),
      metrics_(metrics),
      clock_(clock),
      reader_(options_.libpq_dsn, options_.cache_ttl, clock) {}

void FleetApi::Mount(httplib::Server& server) {
  server.set_default_headers({{"Content-Security-Policy", kContentSecurityPolicy},
                              {"X-Content-Type-Options", "nosniff"},
                              {"X-Frame-Options", "DENY"},
                              {"Referrer-Policy", "no-referrer"}});
  server.Get("/", [this](const httplib::Request&, httplib::Response& res) {
    ServeAsset("index.html", res);
  });
  server.Get(R"(/assets/([a-z0-9_.-]+))", [this](const httplib::Request& req,
                                                 httplib::Response& res) {
    ServeAsset(req.matches[1], res);
  });
  server.Get("/api/workers", [this](const httplib::Request& req, httplib::Response& res) {
    Workers(req, res);
  });
  server.Get("/api/jobs", [this](const httplib::Request& req, httplib::Response& res) {
    Jobs(req, res);
  });
  server.Get("/api/log", [this](const httplib::Request& req, httplib::Response& res) {
    Log(req, res);
  });
  server.Get("/api/summary", [this](const httplib::Request& req, httplib::Response& res) {
    Summary(req, res);
  });
  // Read-only: nothing changes state through this server, whatever the path.
  auto refuse = [](const httplib::Request&, httplib::Response& res) {
    res.set_header("Allow", "GET, HEAD");
    Error(res, 405, "read-only: only GET and HEAD are served");
  };
  server.Post(".*", refuse);
  server.Put(".*", refuse);
  server.Patch(".*", refuse);
  server.Delete(".*", refuse);
  server.Options(".*", refuse);
}

void FleetApi::ServeAsset(const std::string& name, httplib::Response& res) const {
  const Asset* asset = FindAsset(name);
  if (asset == nullptr) {
    res.status = 404;
    res.set_content("not found\n", "text/plain; charset=utf-8");
    return;
  }
  // Revalidated on every load, so a new sidecar binary's page is picked up at once.
  res.set_header("Cache-Control", "no-cache");
  res.set_content(std::string(asset->body), std::string(asset->content_type));
}

void FleetApi::Workers(const httplib::Request& req, httplib::Response& res) {
  Answer(req, res, reader_.Get("workers", [this](FleetQueries& q) -> StatusOrBody {
    absl::StatusOr<WorkerList> list = q.Workers();
    if (!list.ok()) return list.status();
    return Dump(WorkersJson(*list, registry_.Sessions(), clock_.Now()));
  }));
}

void FleetApi::Jobs(const httplib::Request& req, httplib::Response& res) {
  JobFilter filter;
  int64_t limit = 0;
  if (!Text(req, "state", &filter.state, res) || !Text(req, "queue", &filter.queue, res) ||
      !Text(req, "worker", &filter.worker, res) || !Text(req, "dag", &filter.dag, res) ||
      !Integer(req, "limit", 200, &limit, res)) {
    return;
  }
  filter.limit = static_cast<int>(std::clamp<int64_t>(limit, 1, 1000));
  const std::string key = Key({"jobs", filter.state, filter.queue, filter.worker, filter.dag,
                               std::to_string(filter.limit)});
  Answer(req, res, reader_.Get(key, [this, &filter](FleetQueries& q) -> StatusOrBody {
    absl::StatusOr<JobList> list = q.Jobs(filter);
    if (!list.ok()) return list.status();
    return Dump(JobsJson(*list, metrics_.dispatch_latency(), clock_.Now()));
  }));
}

void FleetApi::Log(const httplib::Request& req, httplib::Response& res) {
  JobRef job;
  int64_t map_index = 0;
  int64_t try_number = 0;
  int64_t offset = 0;
  if (!Text(req, "dag_id", &job.dag_id, res) || !Text(req, "task_id", &job.task_id, res) ||
      !Text(req, "run_id", &job.run_id, res) ||
      !Integer(req, "map_index", -1, &map_index, res) ||
      !Integer(req, "try_number", 1, &try_number, res) ||
      !Integer(req, "offset", 0, &offset, res)) {
    return;
  }
  if (job.dag_id.empty() || job.task_id.empty() || job.run_id.empty()) {
    Error(res, 400, "dag_id, task_id and run_id are required");
    return;
  }
  job.map_index = static_cast<int>(map_index);
  job.try_number = static_cast<int>(try_number);
  const std::string key = Key({"log", job.dag_id, job.task_id, job.run_id,
                               std::to_string(job.map_index), std::to_string(job.try_number),
                               std::to_string(offset)});
  Answer(req, res, reader_.Get(key, [&](FleetQueries& q) -> StatusOrBody {
    absl::StatusOr<LogSlice> slice = q.Log(job, offset, options_.max_log_bytes);
    if (!slice.ok()) return slice.status();
    return Dump(LogJson(job, *slice));
  }));
}

void FleetApi::Summary(const httplib::Request& req, httplib::Response& res) {
  Answer(req, res, reader_.Get("summary", [this](FleetQueries& q) -> StatusOrBody {
    absl::StatusOr<WorkerList> workers = q.Workers();
    if (!workers.ok()) return workers.status();
    absl::StatusOr<JobCounts> counts = q.Counts();
    if (!counts.ok()) return counts.status();
    return Dump(SummaryJson(*workers, *counts, metrics_, clock_.Now()));
  }));
}

}  // namespace edgectl::web
