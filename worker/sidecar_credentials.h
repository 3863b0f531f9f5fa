// File: worker/sidecar_credentials.h
//
// How the worker proves who it is to the sidecar (docs/ARCHITECTURE.md, "Security"):
//   [edge] controlplane_tls_ca      the CA that signed the sidecar's certificate (TLS on; required
//                                   for the two below: credentials never travel in plaintext)
//   [edge] controlplane_tls_cert    a client certificate naming this worker (mutual TLS), with
//   [edge] controlplane_tls_key     its private key
//   [edge] controlplane_token_file  a per-worker token (`edgectl token issue -H NAME`), sent as
//                                   `authorization: Bearer <token>` call metadata; the file must
//                                   not be readable by group or others
// The worker never needs Airflow's [api_auth] jwt_secret.
//
// CheckCredentialFiles() runs once at start and turns a wrong path, a key of another
// certificate, a loose token file mode or a missing CA into a message naming the option and the
// fix. Rotation without restart: the token file is re-read on every call whenever it changed
// (a changed file that is now invalid keeps the previous token, logged); certificate, key and CA
// files are re-read when GrpcSidecarClient opens a new connection after they changed.
#ifndef EDGECTL_WORKER_SIDECAR_CREDENTIALS_H_
#define EDGECTL_WORKER_SIDECAR_CREDENTIALS_H_

#include <grpcpp/grpcpp.h>

#include <memory>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"

namespace edgectl::worker {

struct SidecarCredentialOptions {
  std::string tls_ca;
  std::string tls_cert;
  std::string tls_key;
  std::string token_file;
};

// Start-up checks (see above). A client certificate outside its validity is only a warning
// here: the sidecar's clock decides, and its refusal names the cause.
absl::Status CheckCredentialFiles(const SidecarCredentialOptions& options, absl::Time now);

// The token in `path`: refused when group/world-readable or not one line of printable ASCII.
// Messages never contain the token.
absl::StatusOr<std::string> ReadTokenFile(const std::string& path);

// Channel credentials for the options as the files are now: plaintext without a CA; TLS with
// the client certificate when set; the token file as per-call credentials when set.
absl::StatusOr<std::shared_ptr<grpc::ChannelCredentials>> BuildChannelCredentials(
    const SidecarCredentialOptions& options);

// A fingerprint of the certificate, key and CA files (inode, size, mtime) to notice rotation.
std::string CredentialFilesStamp(const SidecarCredentialOptions& options);

}  // namespace edgectl::worker

#endif  // EDGECTL_WORKER_SIDECAR_CREDENTIALS_H_
