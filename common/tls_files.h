// File: common/tls_files.h
//
// PEM certificate and key files as both processes need them before gRPC sees them: read and
// parsed once at start so a wrong path, a key of another certificate or an expired certificate is
// a clear message naming the file and the fix (gRPC would only fail handshakes later), and the
// facts a worker needs to explain a refused handshake (validity, issuer, self-signed). OpenSSL.
#ifndef EDGECTL_COMMON_TLS_FILES_H_
#define EDGECTL_COMMON_TLS_FILES_H_

#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"

namespace edgectl::tls {

struct CertificateFacts {
  std::string subject;     // one-line form, e.g. "CN = worker-1"
  std::string issuer;
  std::string common_name;
  std::vector<std::string> dns_names;  // SAN DNS entries
  absl::Time not_before;
  absl::Time not_after;
  bool self_signed = false;  // issuer == subject and its own key verifies it
};

// The first certificate of a PEM file. `what` names the option in messages.
absl::StatusOr<CertificateFacts> ReadCertificate(const std::string& path, const std::string& what);

// The certificate parses, the key parses and belongs to it. Messages name both options.
absl::Status CheckKeyPair(const std::string& cert_path, const std::string& key_path,
                          const std::string& cert_option, const std::string& key_option);

// At least one certificate parses.
absl::Status CheckCaBundle(const std::string& path, const std::string& option);

// FAILED_PRECONDITION when `now` is outside the certificate's validity, naming which end.
absl::Status CheckValidity(const CertificateFacts& cert, absl::Time now, const std::string& what);

// Reads a whole (small) file; FAILED_PRECONDITION naming the option when it cannot.
absl::StatusOr<std::string> ReadPemFile(const std::string& path, const std::string& option);

}  // namespace edgectl::tls

#endif  // EDGECTL_COMMON_TLS_FILES_H_
