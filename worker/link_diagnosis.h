// File: worker/link_diagnosis.h
//
// Why the worker cannot reach the sidecar, in words an operator can act on. gRPC reports a
// failed TLS handshake or a plaintext/TLS mismatch only as "failed to connect" or a deadline, so
// when registration keeps failing that way the worker probes the address itself (blocking; a few
// seconds at most): TCP connect, then a TLS handshake with OpenSSL under the worker's own
// settings, and names the first thing that fails: nothing listening, the sidecar serving TLS to
// a worker configured for plaintext (or the reverse), the sidecar's certificate not signed by
// [edge] controlplane_tls_ca or not naming the host. Returns "" when the probe finds nothing
// wrong (the sidecar may simply be busy or restarting).
#ifndef EDGECTL_WORKER_LINK_DIAGNOSIS_H_
#define EDGECTL_WORKER_LINK_DIAGNOSIS_H_

#include <string>

#include "absl/time/time.h"
#include "worker/sidecar_credentials.h"

namespace edgectl::worker {

std::string DiagnoseSidecarLink(const std::string& address,
                                const SidecarCredentialOptions& credentials,
                                absl::Duration timeout = absl::Seconds(3));

}  // namespace edgectl::worker

#endif  // EDGECTL_WORKER_LINK_DIAGNOSIS_H_
