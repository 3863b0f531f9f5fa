// File: controlplane/auth/client_certificate_verifier.h
//
// Verifies a worker's client certificate against the sidecar's client CA bundle
// ([edge] controlplane_tls_client_ca) and names the worker it identifies: the first SAN DNS name,
// else the subject CN.
//
// Why not let the TLS handshake verify it: a handshake the server refuses reaches the worker as
// "Socket closed" or a deadline, with no cause. So the sidecar's handshake only requests the
// certificate (the TLS handshake still proves the client holds its private key), and every call
// is verified here, where a refusal is an UNAUTHENTICATED answer naming the cause: expired, not
// valid yet, self-signed, signed by another CA, not meant for client authentication. The
// unverified certificate's fields are never used for anything but that message.
//
// The CA file is re-read when it changes (checked at most once per `reload_interval`), so a CA
// rotation needs no restart; a file that no longer parses keeps the previous bundle (logged).
// Verdicts for valid certificates are cached by certificate fingerprint until the certificate
// expires or the bundle changes. Thread-safe.
#ifndef EDGECTL_CONTROLPLANE_AUTH_CLIENT_CERTIFICATE_VERIFIER_H_
#define EDGECTL_CONTROLPLANE_AUTH_CLIENT_CERTIFICATE_VERIFIER_H_

#include <sys/types.h>

#include <cstdint>
#include <map>
#include <memory>
#include <string>

#include "absl/base/thread_annotations.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"

namespace edgectl::auth {

class ClientCertificateVerifier {
 public:
  ClientCertificateVerifier(std::string ca_file, absl::Duration reload_interval);
  ~ClientCertificateVerifier();

  // Reads the bundle; FAILED_PRECONDITION naming the file when it holds no certificate.
  absl::Status Load();

  // `pem_chain` is the client's certificate (PEM), optionally followed by intermediates. Returns
  // the worker name, or UNAUTHENTICATED with the cause and the fix.
  absl::StatusOr<std::string> Verify(absl::string_view pem_chain, absl::Time now);

 private:
  struct Bundle;
  struct Cached {
    std::string worker_name;
    absl::Time not_after;
    uint64_t generation;
  };
  // The current bundle, re-read first when the file changed and the interval has passed.
  std::shared_ptr<const Bundle> Current(absl::Time now);
  absl::StatusOr<std::shared_ptr<const Bundle>> ReadBundle() const;

  const std::string ca_file_;
  const absl::Duration reload_interval_;
  absl::Mutex mu_;
  std::shared_ptr<const Bundle> bundle_ ABSL_GUARDED_BY(mu_);
  absl::Time checked_at_ ABSL_GUARDED_BY(mu_) = absl::InfinitePast();
  std::map<std::string, Cached> cache_ ABSL_GUARDED_BY(mu_);  // by SHA-256 of the chain
};

}  // namespace edgectl::auth

#endif  // EDGECTL_CONTROLPLANE_AUTH_CLIENT_CERTIFICATE_VERIFIER_H_
