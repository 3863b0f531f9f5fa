#include "bridge/url_path.h"

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"

namespace edgectl::bridge {
namespace {

bool IsUnreserved(unsigned char c) {
  return absl::ascii_isalnum(c) || c == '-' || c == '.' || c == '_' || c == '~';
}

// RFC 3986 pchar minus unreserved: sub-delims, ':' and '@'; '/' separates segments.
bool IsPathDelimiter(unsigned char c) {
  return std::string_view("!$&'()*+,;=:@/").find(static_cast<char>(c)) != std::string_view::npos;
}

std::string PercentEncode(std::string_view s, bool (*keep)(unsigned char)) {
  static const char kHex[] = "0123456789ABCDEF";
  std::string out;
  out.reserve(s.size());
  for (char ch : s) {
    unsigned char c = static_cast<unsigned char>(ch);
    if (keep(c)) {
      out += ch;
    } else {
      out += '%';
      out += kHex[c >> 4];
      out += kHex[c & 15];
    }
  }
  return out;
}

std::string JobCoordinates(const JobKey& key) {
  return absl::StrCat(key.dag_id, "/", key.task_id, "/", key.run_id, "/", key.try_number, "/",
                      key.map_index);
}

// Ids go in unquoted (as edge3 does); only what a URL cannot carry is encoded on the wire.
RestPath Unquoted(std::string method, std::string query = "") {
  return RestPath{absl::StrCat(EncodePathChars(method), query), std::move(method)};
}

// Worker names are quoted by edge3; the server sees (and checks the claim against) the name.
RestPath Quoted(const std::string& prefix, const std::string& name) {
  return RestPath{absl::StrCat(prefix, PythonQuote(name)), absl::StrCat(prefix, name)};
}

}  // namespace

std::string PythonQuote(std::string_view s) {
  return PercentEncode(s, [](unsigned char c) { return IsUnreserved(c) || c == '/'; });
}

std::string EncodePathChars(std::string_view s) {
  return PercentEncode(s, [](unsigned char c) { return IsUnreserved(c) || IsPathDelimiter(c); });
}

RestPath WorkerPath(const std::string& worker_name) { return Quoted("worker/", worker_name); }
RestPath WorkerQueuesPath(const std::string& worker_name) {
  return Quoted("worker/queues/", worker_name);
}
RestPath JobsFetchPath(const std::string& worker_name) {
  return Quoted("jobs/fetch/", worker_name);
}

RestPath JobsStatePath(const JobKey& key, const std::string& state) {
  return Unquoted(absl::StrCat("jobs/state/", JobCoordinates(key), "/", state));
}

RestPath LogfilePathPath(const JobKey& key) {
  // edge3 5.0 adds the UUID as a query parameter, outside the signed method.
  std::string query;
  if (!key.task_instance_id.empty()) {
    query = absl::StrCat("?task_instance_id=", PythonQuote(key.task_instance_id));
  }
  return Unquoted(absl::StrCat("logs/logfile_path/", JobCoordinates(key)), query);
}

RestPath LogsPushPath(const JobKey& key) {
  return Unquoted(absl::StrCat("logs/push/", JobCoordinates(key)));
}

RestPath HealthPath() { return RestPath{"health", "health"}; }

absl::StatusOr<std::string> UrlJoin(const std::string& base, const std::string& relative) {
  std::string lower = absl::AsciiStrToLower(base);
  if (!absl::StartsWith(lower, "http://") && !absl::StartsWith(lower, "https://")) {
    return absl::InvalidArgumentError(absl::StrCat(
        "[edge] api_url '", base,
        "' is not an http(s) URL; set it like https://airflow.example/edge_worker/v1/rpcapi"));
  }
  std::string url = base.substr(0, base.find_first_of("?#"));
  const size_t authority = url.find("://") + 3;
  const size_t path_start = url.find('/', authority);
  if (path_start == std::string::npos) return absl::StrCat(url, "/", relative);
  // RFC 3986 merge: drop the last segment of the base path, append the reference.
  return absl::StrCat(url.substr(0, url.rfind('/') + 1), relative);
}

}  // namespace edgectl::bridge
