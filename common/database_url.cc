#include "common/database_url.h"

#include <postgresql/libpq-fe.h>

#include <cctype>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"

namespace edgectl {
namespace {

absl::StatusOr<std::string> PercentDecode(absl::string_view in) {
  std::string out;
  for (size_t i = 0; i < in.size(); ++i) {
    if (in[i] == '%') {
      if (i + 2 >= in.size() || !std::isxdigit(static_cast<unsigned char>(in[i + 1])) ||
          !std::isxdigit(static_cast<unsigned char>(in[i + 2]))) {
        return absl::InvalidArgumentError("database URL has an invalid %-escape");
      }
      out += static_cast<char>(std::stoi(std::string(in.substr(i + 1, 2)), nullptr, 16));
      i += 2;
    } else {
      out += in[i];
    }
  }
  return out;
}

std::string QuoteLibpq(const std::string& value) {
  std::string out = "'";
  for (char c : value) {
    if (c == '\'' || c == '\\') out += '\\';
    out += c;
  }
  return out + "'";
}

// A libpq keyword/value string, parsed by libpq itself (PQconninfoParse: quoting, escapes and
// keyword names exactly as the connection will read them), so it can be described without its
// password and have options added.
absl::StatusOr<DatabaseUrl> FromLibpqString(const std::string& dsn) {
  char* error = nullptr;
  PQconninfoOption* options = PQconninfoParse(dsn.c_str(), &error);
  if (options == nullptr) {
    // libpq's message may quote a fragment of the string; with a password in it, say less.
    std::string why = error != nullptr ? absl::StrCat(" (libpq: ", absl::StripTrailingAsciiWhitespace(error), ")") : "";
    if (error != nullptr) PQfreemem(error);
    if (absl::StrContains(dsn, "password")) why = "";
    return absl::InvalidArgumentError(absl::StrCat(
        "the database connection string is not a valid libpq keyword/value string", why,
        "; or give a SQLAlchemy URL postgresql://user:password@host:port/dbname"));
  }
  DatabaseUrl url;
  for (PQconninfoOption* o = options; o->keyword != nullptr; ++o) {
    if (o->val == nullptr) continue;
    const std::string key = o->keyword;
    const std::string value = o->val;
    if (key == "host" || key == "hostaddr") {
      url.host = value;
    } else if (key == "port") {
      url.port = value;
    } else if (key == "user") {
      url.user = value;
    } else if (key == "password") {
      url.password = value;
    } else if (key == "dbname") {
      url.dbname = value;
    } else {
      url.options[key] = value;
    }
  }
  PQconninfoFree(options);
  return url;
}

}  // namespace

std::string DatabaseUrl::libpq_dsn() const {
  std::string out;
  auto add = [&out](const std::string& key, const std::string& value) {
    if (value.empty()) return;
    if (!out.empty()) out += ' ';
    absl::StrAppend(&out, key, "=", QuoteLibpq(value));
  };
  add("host", host);
  add("port", port);
  add("user", user);
  add("password", password);
  add("dbname", dbname);
  for (const auto& [key, value] : options) add(key, value);
  return out;
}

std::string DatabaseUrl::Describe() const {
  return absl::StrCat("host ", host.empty() ? "(default socket)" : host, " port ",
                      port.empty() ? "5432" : port, " database ",
                      dbname.empty() ? "(default)" : dbname, " user ",
                      user.empty() ? "(default)" : user);
}

absl::StatusOr<DatabaseUrl> ParseDatabaseUrl(const std::string& raw) {
  std::string url = std::string(absl::StripAsciiWhitespace(raw));
  if (url.empty()) {
    return absl::InvalidArgumentError(
        "no database configured: set [database] sql_alchemy_conn in airflow.cfg, "
        "AIRFLOW__DATABASE__SQL_ALCHEMY_CONN, or --sql-alchemy-conn");
  }
  size_t scheme_end = url.find("://");
  if (scheme_end == std::string::npos) {
    if (url.find('=') != std::string::npos) return FromLibpqString(url);
    return absl::InvalidArgumentError(
        "database URL is neither a SQLAlchemy URL (postgresql://...) nor a libpq string");
  }
  std::string scheme = url.substr(0, scheme_end);
  std::string base_scheme = scheme.substr(0, scheme.find('+'));
  if (base_scheme != "postgresql" && base_scheme != "postgres") {
    return absl::InvalidArgumentError(absl::StrCat(
        "database URL scheme \"", scheme,
        "\" is not supported: edgectl talks to PostgreSQL only (postgresql://...)"));
  }
  absl::string_view rest = absl::string_view(url).substr(scheme_end + 3);
  absl::string_view query;
  if (size_t q = rest.find('?'); q != absl::string_view::npos) {
    query = rest.substr(q + 1);
    rest = rest.substr(0, q);
  }
  absl::string_view path;
  if (size_t slash = rest.find('/'); slash != absl::string_view::npos) {
    path = rest.substr(slash + 1);
    rest = rest.substr(0, slash);
  }
  DatabaseUrl out;
  if (size_t at = rest.rfind('@'); at != absl::string_view::npos) {
    absl::string_view userinfo = rest.substr(0, at);
    rest = rest.substr(at + 1);
    absl::string_view user = userinfo, password;
    if (size_t colon = userinfo.find(':'); colon != absl::string_view::npos) {
      user = userinfo.substr(0, colon);
      password = userinfo.substr(colon + 1);
    }
    absl::StatusOr<std::string> u = PercentDecode(user);
    if (!u.ok()) return u.status();
    absl::StatusOr<std::string> p = PercentDecode(password);
    if (!p.ok()) return p.status();
    out.user = *u;
    out.password = *p;
  }
  // host[:port], with [IPv6] literals.
  if (!rest.empty() && rest.front() == '[') {
    size_t close = rest.find(']');
    if (close == absl::string_view::npos) {
      return absl::InvalidArgumentError("database URL has an unterminated [IPv6] host");
    }
    out.host = std::string(rest.substr(1, close - 1));
    rest = rest.substr(close + 1);
    if (absl::ConsumePrefix(&rest, ":")) out.port = std::string(rest);
  } else if (size_t colon = rest.rfind(':'); colon != absl::string_view::npos) {
    out.host = std::string(rest.substr(0, colon));
    out.port = std::string(rest.substr(colon + 1));
  } else {
    out.host = std::string(rest);
  }
  if (!out.port.empty() &&
      out.port.find_first_not_of("0123456789") != std::string::npos) {
    return absl::InvalidArgumentError("database URL has a non-numeric port");
  }
  absl::StatusOr<std::string> db = PercentDecode(path);
  if (!db.ok()) return db.status();
  out.dbname = *db;
  for (absl::string_view pair : absl::StrSplit(query, '&', absl::SkipEmpty())) {
    size_t eq = pair.find('=');
    std::string key(pair.substr(0, eq));
    absl::StatusOr<std::string> value =
        PercentDecode(eq == absl::string_view::npos ? "" : pair.substr(eq + 1));
    if (!value.ok()) return value.status();
    if (key == "host") {
      out.host = *value;  // unix socket directory, as psycopg2 accepts it
    } else if (key == "port") {
      out.port = *value;
    } else if (key == "user") {
      out.user = *value;
    } else if (key == "password") {
      out.password = *value;
    } else {
      out.options[key] = *value;
    }
  }
  return out;
}

std::string PasswordOnCommandLineWarning(const std::string& flag_value) {
  if (flag_value.empty()) return "";
  absl::StatusOr<DatabaseUrl> url = ParseDatabaseUrl(flag_value);
  if (!url.ok() || url->password.empty()) return "";
  return "Warning: --sql-alchemy-conn carries a password, which every user of this machine can "
         "read in `ps`; prefer [database] sql_alchemy_conn_cmd or _secret, "
         "AIRFLOW__DATABASE__SQL_ALCHEMY_CONN, or a root-only airflow.cfg";
}

}  // namespace edgectl
