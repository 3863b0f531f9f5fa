#include "controlplane/auth/authenticator.h"

#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "common/utf8.h"
#include "controlplane/auth/worker_token.h"

namespace edgectl::auth {

const char* AuthMethodName(AuthMethod method) {
  switch (method) {
    case AuthMethod::kCertificate:
      return "certificate";
    case AuthMethod::kToken:
      return "token";
    case AuthMethod::kInsecure:
      return "none";
  }
  return "none";
}

std::string AuthPolicy::Describe() const {
  std::vector<std::string> methods;
  if (certificates) methods.push_back("mutual TLS (client certificates)");
  if (tokens) methods.push_back("per-worker tokens");
  if (insecure) methods.push_back("UNAUTHENTICATED workers (--insecure-allow-unauthenticated)");
  return methods.empty() ? "nothing" : absl::StrJoin(methods, " and ");
}

std::string QuotePrefix(absl::string_view value) {
  // Characters, not bytes, and only valid UTF-8 passes: the result goes into status messages
  // and proto string fields, which must stay valid UTF-8.
  constexpr size_t kMaxChars = 40;
  std::string out = "\"";
  size_t shown = 0;
  size_t i = 0;
  const std::string_view text(value.data(), value.size());
  for (; i < value.size() && shown < kMaxChars; ++shown) {
    const DecodedChar c = DecodeUtf8At(text, i);
    const unsigned char first = static_cast<unsigned char>(value[i]);
    if (!c.valid) {
      absl::StrAppend(&out, absl::StrFormat("\\x%02x", first));
      i += 1;
      continue;
    }
    if (c.code_point < 0x20 || c.code_point == 0x7f || first == '"' || first == '\\') {
      absl::StrAppend(&out, absl::StrFormat("\\x%02x", first));
    } else {
      out.append(value.data() + i, c.length);
    }
    i += c.length;
  }
  out += '"';
  if (i < value.size()) absl::StrAppend(&out, "... (", value.size(), " bytes)");
  return out;
}

absl::StatusOr<Identity> Authenticator::Authenticate(const PeerCredentials& peer,
                                                     absl::string_view claimed_name,
                                                     absl::Time now) const {
  Identity id;
  id.peer = peer.peer;
  if (policy_.certificates && peer.certificate_pem.has_value()) {
    absl::StatusOr<std::string> name = certificates_->Verify(*peer.certificate_pem, now);
    if (!name.ok()) return name.status();
    id.worker_name = *std::move(name);
    id.method = AuthMethod::kCertificate;
    return id;
  }
  if (peer.malformed_authorization) {
    return absl::UnauthenticatedError(
        "the authorization metadata is not \"Bearer <token>\": send the worker token as edgectl "
        "worker does ([edge] controlplane_token_file)");
  }
  if (policy_.tokens && peer.bearer_token.has_value()) {
    if (absl::Status s = ValidateTokenText(*peer.bearer_token); !s.ok()) return s;
    const std::string hash = TokenSha256Hex(*peer.bearer_token);
    absl::StatusOr<std::optional<std::string>> worker = tokens_->WorkerForToken(hash);
    if (!worker.ok()) {
      return absl::UnavailableError(
          absl::StrCat("cannot check the worker token now: ", worker.status().message()));
    }
    if (!worker->has_value()) {
      return absl::UnauthenticatedError(absl::StrCat(
          "the worker token ", TokenId(hash),
          "... is not valid (revoked, or never issued for this Airflow database): issue one "
          "with `edgectl token issue -H NAME` and put it in the worker's "
          "[edge] controlplane_token_file"));
    }
    id.worker_name = **worker;
    id.method = AuthMethod::kToken;
    id.token_sha256 = hash;
    return id;
  }
  if (policy_.insecure) {
    id.worker_name = std::string(claimed_name);
    id.method = AuthMethod::kInsecure;
    return id;
  }
  if (peer.bearer_token.has_value()) {
    return absl::UnauthenticatedError(
        "this sidecar does not accept worker tokens (it accepts " + policy_.Describe() +
        "): give the worker a client certificate ([edge] controlplane_tls_cert / "
        "controlplane_tls_key), or start the sidecar with --worker-tokens");
  }
  return absl::UnauthenticatedError(absl::StrCat(
      "no client certificate or worker token was presented; this sidecar accepts ",
      policy_.Describe(),
      ": set [edge] controlplane_tls_cert / controlplane_tls_key or controlplane_token_file on "
      "the worker"));
}

std::string Authenticator::FairShareKey(const PeerCredentials& peer,
                                        absl::string_view claimed_name) const {
  if (policy_.certificates && peer.certificate_pem.has_value()) {
    return "c:" + TokenSha256Hex(*peer.certificate_pem).substr(0, 16);
  }
  if (peer.bearer_token.has_value() && policy_.tokens) {
    return "t:" + TokenSha256Hex(*peer.bearer_token).substr(0, 16);
  }
  return absl::StrCat("n:", claimed_name.substr(0, 64));
}

absl::Status AuthorizeWorker(const Identity& identity, absl::string_view claimed_name) {
  if (identity.worker_name == claimed_name) return absl::OkStatus();
  return absl::PermissionDeniedError(absl::StrCat(
      "authenticated as worker ", QuotePrefix(identity.worker_name), " (",
      AuthMethodName(identity.method), "), but the call names worker ", QuotePrefix(claimed_name),
      ": a worker may act only as itself; set the worker's name (-H/--edge-hostname) to the name "
      "in its certificate or token"));
}

}  // namespace edgectl::auth
