#include "controlplane/auth/worker_token.h"

#include <openssl/rand.h>
#include <openssl/sha.h>

#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"

namespace edgectl::auth {

absl::StatusOr<std::string> NewWorkerToken() {
  unsigned char bytes[32];
  if (RAND_bytes(bytes, sizeof bytes) != 1) {
    return absl::UnavailableError("the system's random number generator gave no bytes; retry");
  }
  std::string encoded;
  absl::WebSafeBase64Escape(
      absl::string_view(reinterpret_cast<const char*>(bytes), sizeof bytes), &encoded);
  return absl::StrCat(kWorkerTokenPrefix, encoded);
}

std::string TokenSha256Hex(absl::string_view token) {
  unsigned char digest[SHA256_DIGEST_LENGTH];
  SHA256(reinterpret_cast<const unsigned char*>(token.data()), token.size(), digest);
  return absl::BytesToHexString(
      absl::string_view(reinterpret_cast<const char*>(digest), sizeof digest));
}

absl::Status ValidateTokenText(absl::string_view token) {
  if (token.empty()) return absl::UnauthenticatedError("the worker token is empty");
  if (token.size() > kMaxTokenLength) {
    return absl::UnauthenticatedError(absl::StrCat(
        "the worker token is ", token.size(), " characters long; tokens have at most ",
        kMaxTokenLength, " (use the text `edgectl token issue` printed)"));
  }
  for (char c : token) {
    if (c < 0x21 || c > 0x7e) {
      return absl::UnauthenticatedError(
          "the worker token contains spaces or non-printable characters (use the text `edgectl "
          "token issue` printed, without line breaks)");
    }
  }
  return absl::OkStatus();
}

std::string TokenId(absl::string_view token_sha256) {
  return std::string(token_sha256.substr(0, 12));
}

}  // namespace edgectl::auth
