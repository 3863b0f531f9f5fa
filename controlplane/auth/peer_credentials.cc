#include "controlplane/auth/peer_credentials.h"

#include "absl/strings/match.h"
#include "absl/strings/string_view.h"

namespace edgectl::auth {
namespace {

std::optional<std::string> FirstValue(const grpc::AuthContext& auth, const char* property) {
  for (const grpc::string_ref& value : auth.FindPropertyValues(property)) {
    if (value.size() > 0) return std::string(value.data(), value.size());
  }
  return std::nullopt;
}

}  // namespace

std::optional<std::string> CertificatePem(const grpc::AuthContext& auth) {
  // Only the PEM: the name properties gRPC derives from it are set whether or not anything
  // verified the certificate (the sidecar's handshake does not), so they are never trusted.
  // The leaf first, then what else the client sent (gRPC's chain property need not start with
  // the leaf), so the verifier can use the rest as intermediates.
  std::optional<std::string> leaf = FirstValue(auth, "x509_pem_cert");
  if (!leaf.has_value()) return std::nullopt;
  if (std::optional<std::string> chain = FirstValue(auth, "x509_pem_cert_chain")) {
    return *leaf + "\n" + *chain;
  }
  return leaf;
}

PeerCredentials CredentialsOf(const grpc::ServerContextBase& context) {
  PeerCredentials c;
  c.peer = context.peer();
  if (std::shared_ptr<const grpc::AuthContext> auth = context.auth_context()) {
    c.certificate_pem = CertificatePem(*auth);
  }
  const auto& metadata = context.client_metadata();
  auto it = metadata.find("authorization");
  if (it != metadata.end()) {
    absl::string_view value(it->second.data(), it->second.size());
    constexpr absl::string_view kBearer = "Bearer ";
    if (absl::StartsWithIgnoreCase(value, kBearer)) {
      c.bearer_token = std::string(value.substr(kBearer.size()));
    } else {
      c.malformed_authorization = true;
    }
  }
  return c;
}

std::string PeerHost(const std::string& peer) {
  absl::string_view p = peer;
  for (absl::string_view scheme : {"ipv4:", "ipv6:"}) {
    if (absl::StartsWith(p, scheme)) {
      p.remove_prefix(scheme.size());
      const size_t colon = p.rfind(':');
      if (colon != absl::string_view::npos) p = p.substr(0, colon);
      if (p.size() >= 2 && p.front() == '[' && p.back() == ']') p = p.substr(1, p.size() - 2);
      return std::string(p);
    }
  }
  return peer;
}

}  // namespace edgectl::auth
