// File: controlplane/auth/peer_credentials.h
//
// What a caller presented, read off a gRPC call before any work is done: the peer address, the
// client certificate of the TLS handshake (PEM, not yet verified: the handshake only proves the
// client holds its key; ClientCertificateVerifier decides whether the sidecar trusts it), and
// the bearer token of the `authorization` metadata. Plain data, so the Authenticator can be
// tested without gRPC.
#ifndef EDGECTL_CONTROLPLANE_AUTH_PEER_CREDENTIALS_H_
#define EDGECTL_CONTROLPLANE_AUTH_PEER_CREDENTIALS_H_

#include <grpcpp/grpcpp.h>

#include <optional>
#include <string>

namespace edgectl::auth {

struct PeerCredentials {
  std::string peer;                             // gRPC's peer URI, e.g. "ipv4:10.0.0.7:41234"
  std::optional<std::string> certificate_pem;   // the client's certificate chain, unverified
  std::optional<std::string> bearer_token;      // `authorization: Bearer <token>`
  bool malformed_authorization = false;         // an authorization header of another shape
};

PeerCredentials CredentialsOf(const grpc::ServerContextBase& context);

// The client certificate of a TLS auth context (PEM), followed by the rest of the chain the
// client sent, if any.
std::optional<std::string> CertificatePem(const grpc::AuthContext& auth);

// "ipv4:10.0.0.7:41234" -> "10.0.0.7"; "ipv6:[::1]:5" -> "::1"; anything else unchanged.
std::string PeerHost(const std::string& peer);

}  // namespace edgectl::auth

#endif  // EDGECTL_CONTROLPLANE_AUTH_PEER_CREDENTIALS_H_
