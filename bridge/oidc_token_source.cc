#include "bridge/oidc_token_source.h"

#include <pthread.h>
#include <signal.h>

#include <algorithm>
#include <nlohmann/json.hpp>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/escaping.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_replace.h"
#include "absl/strings/str_split.h"
#include "bridge/jwt_signer.h"
#include "spdlog/spdlog.h"

namespace edgectl::bridge {
namespace {

using nlohmann::json;

// Used when the issuer states no lifetime and the token is not a JWT with `exp`.
constexpr absl::Duration kDefaultLifetime = absl::Minutes(5);

// application/x-www-form-urlencoded, as RFC 6749 Appendix B asks for the form and Basic auth.
std::string FormEncode(const std::string& text) {
  std::string out;
  for (unsigned char c : text) {
    if (absl::ascii_isalnum(c) || c == '-' || c == '.' || c == '_' || c == '*') {
      out.push_back(static_cast<char>(c));
    } else if (c == ' ') {
      out.push_back('+');
    } else {
      absl::StrAppend(&out, "%", absl::AsciiStrToUpper(absl::BytesToHexString(
                                     std::string(1, static_cast<char>(c)))));
    }
  }
  return out;
}

// The `exp` claim of a JWT access token, when it is one.
std::optional<absl::Time> JwtExpiry(const std::string& token) {
  std::vector<std::string> parts = absl::StrSplit(token, '.');
  if (parts.size() != 3) return std::nullopt;
  absl::StatusOr<std::string> payload = Base64UrlDecode(parts[1]);
  if (!payload.ok()) return std::nullopt;
  json claims = json::parse(*payload, nullptr, false);
  if (!claims.is_object() || !claims.contains("exp") || !claims["exp"].is_number()) {
    return std::nullopt;
  }
  return absl::FromUnixSeconds(claims["exp"].get<int64_t>());
}

std::optional<absl::Duration> ExpiresIn(const json& reply) {
  if (!reply.contains("expires_in")) return std::nullopt;
  const json& v = reply["expires_in"];
  double seconds = 0;
  if (v.is_number()) {
    seconds = v.get<double>();
  } else if (!v.is_string() || !absl::SimpleAtod(v.get<std::string>(), &seconds)) {
    return std::nullopt;
  }
  if (seconds <= 0) return std::nullopt;
  return absl::Seconds(seconds);
}

bool IsClientRefusal(int status, const std::string& error) {
  if (status == 401 || status == 403) return true;
  return status == 400 && (error == "invalid_client" || error == "unauthorized_client" ||
                           error == "invalid_grant" || error == "invalid_scope");
}

}  // namespace

absl::Status OidcClientCredentialsOptions::Validate() const {
  if (!absl::StartsWith(token_url, "https://") && !absl::StartsWith(token_url, "http://")) {
    return absl::InvalidArgumentError(absl::StrCat(
        "[edge] controlplane_oidc_token_url must be an http(s) URL of the issuer's token "
        "endpoint, got '",
        token_url, "'"));
  }
  if (client_id.empty() || client_secret.empty()) {
    return absl::InvalidArgumentError(
        "[edge] controlplane_oidc_client_id and controlplane_oidc_client_secret (or "
        "controlplane_oidc_client_secret_cmd / _secret) must be set when "
        "controlplane_oidc_token_url is");
  }
  if (retry_min <= absl::ZeroDuration() || retry_max < retry_min) {
    return absl::InvalidArgumentError("OIDC token retry backoff must be positive");
  }
  return absl::OkStatus();
}

absl::StatusOr<std::unique_ptr<OidcClientCredentialsTokenSource>>
OidcClientCredentialsTokenSource::Create(OidcClientCredentialsOptions options,
                                         std::unique_ptr<HttpTransport> transport, Clock clock) {
  if (absl::Status s = options.Validate(); !s.ok()) return s;
  std::unique_ptr<OidcClientCredentialsTokenSource> source(new OidcClientCredentialsTokenSource(
      std::move(options), std::move(transport), std::move(clock)));
  // The refresher blocks every signal: processes that take signals with sigwait (the sidecar)
  // need all their threads to block them.
  sigset_t all, previous;
  sigfillset(&all);
  pthread_sigmask(SIG_BLOCK, &all, &previous);
  source->refresher_ = std::thread([s = source.get()] { s->RefreshLoop(); });
  pthread_sigmask(SIG_SETMASK, &previous, nullptr);
  return source;
}

OidcClientCredentialsTokenSource::OidcClientCredentialsTokenSource(
    OidcClientCredentialsOptions options, std::unique_ptr<HttpTransport> transport, Clock clock)
    : options_(std::move(options)), transport_(std::move(transport)), clock_(std::move(clock)) {}

OidcClientCredentialsTokenSource::~OidcClientCredentialsTokenSource() {
  {
    absl::MutexLock lock(&mu_);
    stop_ = true;
  }
  if (refresher_.joinable()) refresher_.join();
}

int OidcClientCredentialsTokenSource::fetches() const {
  absl::MutexLock lock(&mu_);
  return fetches_;
}

std::string OidcClientCredentialsTokenSource::Scrub(std::string text) const {
  // An issuer's error text could quote what it was sent; the secret must not travel on.
  if (!options_.client_secret.empty()) {
    absl::StrReplaceAll({{options_.client_secret, "***"}}, &text);
  }
  if (text.size() > 300) text = text.substr(0, 300) + "...";
  return text;
}

absl::StatusOr<OidcClientCredentialsTokenSource::Cached>
OidcClientCredentialsTokenSource::RequestToken() {
  HttpRequest request;
  request.method = "POST";
  request.url = options_.token_url;
  request.headers.emplace_back("Content-Type", "application/x-www-form-urlencoded");
  request.headers.emplace_back("Accept", "application/json");
  request.headers.emplace_back(
      "Authorization",
      absl::StrCat("Basic ", absl::Base64Escape(absl::StrCat(FormEncode(options_.client_id), ":",
                                                             FormEncode(options_.client_secret)))));
  std::string form = "grant_type=client_credentials";
  if (!options_.scope.empty()) absl::StrAppend(&form, "&scope=", FormEncode(options_.scope));
  if (!options_.audience.empty()) {
    absl::StrAppend(&form, "&audience=", FormEncode(options_.audience));
  }
  request.body = form;
  const absl::Time sent_at = clock_();
  absl::StatusOr<HttpResponse> response = transport_->Send(request);
  if (!response.ok()) {
    return absl::UnavailableError(absl::StrCat("could not reach the OIDC token endpoint ",
                                               options_.token_url, ": ",
                                               Scrub(std::string(response.status().message()))));
  }
  json reply = json::parse(response->body, nullptr, false);
  if (response->status < 200 || response->status >= 300) {
    std::string error, description;
    if (reply.is_object()) {
      if (reply.contains("error") && reply["error"].is_string()) error = reply["error"];
      if (reply.contains("error_description") && reply["error_description"].is_string()) {
        description = reply["error_description"];
      }
    }
    const std::string what = absl::StrCat(
        "HTTP ", response->status, error.empty() ? "" : ", ", error,
        description.empty() ? "" : ": ", Scrub(description));
    if (IsClientRefusal(response->status, error)) {
      return absl::PermissionDeniedError(absl::StrCat(
          "the OIDC token endpoint ", options_.token_url, " refused client id '",
          options_.client_id, "' (", what,
          "); check [edge] controlplane_oidc_client_id and controlplane_oidc_client_secret "
          "against the client registered at the identity provider"));
    }
    return absl::UnavailableError(absl::StrCat("the OIDC token endpoint ", options_.token_url,
                                               " answered ", what, " for client id '",
                                               options_.client_id, "'"));
  }
  if (!reply.is_object() || !reply.contains("access_token") ||
      !reply["access_token"].is_string() || reply["access_token"].get<std::string>().empty()) {
    return absl::UnavailableError(absl::StrCat("the OIDC token endpoint ", options_.token_url,
                                               " answered without an access_token"));
  }
  Cached cached;
  cached.token = reply["access_token"].get<std::string>();
  absl::Time expires_at = sent_at + kDefaultLifetime;
  if (std::optional<absl::Duration> in = ExpiresIn(reply)) {
    expires_at = sent_at + *in;
  } else if (std::optional<absl::Time> exp = JwtExpiry(cached.token)) {
    expires_at = *exp;
  }
  const absl::Duration lifetime = std::max(expires_at - sent_at, absl::Seconds(1));
  // Refresh at 3/4 of the lifetime (at most 5 minutes early); stop using it a little before the
  // end (at most 30 s early) so a token never arrives expired after the request's own travel.
  cached.refresh_at = expires_at - std::min(lifetime / 4, absl::Minutes(5));
  cached.usable_until = expires_at - std::min(lifetime / 10, absl::Seconds(30));
  return cached;
}

absl::Status OidcClientCredentialsTokenSource::FetchAndStore() {
  absl::StatusOr<Cached> fetched = RequestToken();
  absl::MutexLock lock(&mu_);
  ++fetches_;
  if (!fetched.ok()) {
    last_error_ = fetched.status();
    last_failure_at_ = clock_();
    return last_error_;
  }
  cached_ = *std::move(fetched);
  last_error_ = absl::OkStatus();
  spdlog::debug("obtained a token from {} for client id '{}', refreshed in {}",
                options_.token_url, options_.client_id,
                absl::FormatDuration(cached_->refresh_at - clock_()));
  return absl::OkStatus();
}

absl::StatusOr<std::string> OidcClientCredentialsTokenSource::Token(const std::string&) {
  {
    absl::MutexLock lock(&mu_);
    if (cached_.has_value() && clock_() < cached_->usable_until) return cached_->token;
  }
  absl::MutexLock fetching(&fetch_mu_);
  {
    absl::MutexLock lock(&mu_);
    if (cached_.has_value() && clock_() < cached_->usable_until) return cached_->token;
    // A refused or unreachable issuer is asked again only after the backoff's first step, not
    // by every call in between.
    if (!last_error_.ok() && clock_() - last_failure_at_ < options_.retry_min) return last_error_;
  }
  if (absl::Status s = FetchAndStore(); !s.ok()) return s;
  absl::MutexLock lock(&mu_);
  return cached_->token;
}

void OidcClientCredentialsTokenSource::RefreshLoop() {
  absl::Duration backoff = options_.retry_min;
  absl::Time next = clock_();  // the first token at once
  absl::Status last_logged;
  while (true) {
    {
      absl::MutexLock lock(&mu_);
      mu_.AwaitWithTimeout(absl::Condition(&stop_), next - clock_());
      if (stop_) return;
      if (clock_() < next) continue;
      // A call may have fetched in line meanwhile.
      if (cached_.has_value() && clock_() < cached_->refresh_at && last_error_.ok()) {
        next = cached_->refresh_at;
        continue;
      }
    }
    absl::Status fetched;
    {
      absl::MutexLock fetching(&fetch_mu_);
      bool still_due;
      {
        absl::MutexLock lock(&mu_);  // a call may have fetched while this thread waited
        still_due = !cached_.has_value() || clock_() >= cached_->refresh_at;
      }
      if (still_due) fetched = FetchAndStore();
    }
    if (fetched.ok()) {
      if (!last_logged.ok()) spdlog::info("obtained a token from {} again", options_.token_url);
      last_logged = absl::OkStatus();
      backoff = options_.retry_min;
      absl::MutexLock lock(&mu_);
      next = cached_->refresh_at;
    } else {
      // Logged when the reason changes, not on every retry.
      if (fetched != last_logged) {
        spdlog::error("Could not refresh the token for Airflow's API: {}; retrying in {}",
                      std::string(fetched.message()), absl::FormatDuration(backoff));
      }
      last_logged = fetched;
      next = clock_() + backoff;
      backoff = std::min(backoff * 2, options_.retry_max);
    }
  }
}

}  // namespace edgectl::bridge
