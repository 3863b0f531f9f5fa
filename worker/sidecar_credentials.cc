#include "worker/sidecar_credentials.h"

#include <sys/stat.h>

#include <mutex>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "common/file_stamp.h"
#include "common/tls_files.h"
#include "spdlog/spdlog.h"

namespace edgectl::worker {
namespace {

constexpr char kCaOption[] = "[edge] controlplane_tls_ca";
constexpr char kCertOption[] = "[edge] controlplane_tls_cert";
constexpr char kKeyOption[] = "[edge] controlplane_tls_key";
constexpr char kTokenOption[] = "[edge] controlplane_token_file";
constexpr size_t kMaxTokenLength = 256;

// Sends the token file's token with every call; re-reads the file when it changed.
class TokenFilePlugin : public grpc::MetadataCredentialsPlugin {
 public:
  TokenFilePlugin(std::string path, std::string token)
      : path_(std::move(path)), token_(std::move(token)), stamp_(FileStamp(path_)) {}

  grpc::Status GetMetadata(grpc::string_ref, grpc::string_ref, const grpc::AuthContext&,
                           std::multimap<grpc::string, grpc::string>* metadata) override {
    std::string token;
    {
      std::lock_guard<std::mutex> lock(mu_);
      const std::string stamp = FileStamp(path_);
      if (stamp != stamp_) {
        stamp_ = stamp;
        absl::StatusOr<std::string> fresh = ReadTokenFile(path_);
        if (fresh.ok()) {
          if (*fresh != token_) spdlog::info("Re-read the worker token from {}", path_);
          token_ = *std::move(fresh);
        } else {
          spdlog::error("Keeping the previous worker token: {}",
                        std::string(fresh.status().message()));
        }
      }
      token = token_;
    }
    metadata->insert({"authorization", "Bearer " + token});
    return grpc::Status::OK;
  }

 private:
  const std::string path_;
  std::mutex mu_;
  std::string token_;
  std::string stamp_;
};

}  // namespace

absl::StatusOr<std::string> ReadTokenFile(const std::string& path) {
  struct stat st {};
  if (stat(path.c_str(), &st) != 0) {
    return absl::FailedPreconditionError(absl::StrCat(
        "cannot read the worker token file ", path, " (", kTokenOption,
        "): check the path; issue a token with `edgectl token issue -H NAME` on the central site"));
  }
  if ((st.st_mode & 077) != 0) {
    return absl::FailedPreconditionError(absl::StrFormat(
        "the worker token file %s (%s) is readable by group or others (mode %04o): anyone on "
        "this machine could act as this worker; run chmod 600 %s",
        path, kTokenOption, st.st_mode & 07777, path));
  }
  absl::StatusOr<std::string> text = tls::ReadPemFile(path, kTokenOption);
  if (!text.ok()) return text.status();
  std::string token(absl::StripAsciiWhitespace(*text));
  if (token.empty()) {
    return absl::FailedPreconditionError(
        absl::StrCat("the worker token file ", path, " (", kTokenOption, ") is empty"));
  }
  if (token.size() > kMaxTokenLength) {
    return absl::FailedPreconditionError(absl::StrCat(
        "the worker token file ", path, " holds ", token.size(), " characters; a token has at most ",
        kMaxTokenLength, ": put only the text `edgectl token issue` printed in it"));
  }
  for (char c : token) {
    if (c < 0x21 || c > 0x7e) {
      return absl::FailedPreconditionError(absl::StrCat(
          "the worker token file ", path,
          " holds more than one token's text (spaces, line breaks or non-ASCII): put only the "
          "text `edgectl token issue` printed in it"));
    }
  }
  return token;
}

absl::Status CheckCredentialFiles(const SidecarCredentialOptions& o, absl::Time now) {
  if (o.tls_cert.empty() != o.tls_key.empty()) {
    return absl::InvalidArgumentError(absl::StrCat(
        "a client certificate needs both ", kCertOption, " and ", kKeyOption, " (or neither)"));
  }
  const bool credentials = !o.tls_cert.empty() || !o.token_file.empty();
  if (credentials && o.tls_ca.empty()) {
    return absl::InvalidArgumentError(absl::StrCat(
        "a client certificate or worker token is only sent over TLS: set ", kCaOption,
        " to the CA that signed the sidecar's certificate"));
  }
  if (!o.tls_ca.empty()) {
    if (absl::Status s = tls::CheckCaBundle(o.tls_ca, kCaOption); !s.ok()) return s;
  }
  if (!o.tls_cert.empty()) {
    if (absl::Status s = tls::CheckKeyPair(o.tls_cert, o.tls_key, kCertOption, kKeyOption);
        !s.ok()) {
      return s;
    }
    absl::StatusOr<tls::CertificateFacts> cert = tls::ReadCertificate(o.tls_cert, kCertOption);
    if (!cert.ok()) return cert.status();
    if (absl::Status s = tls::CheckValidity(*cert, now, kCertOption); !s.ok()) {
      spdlog::warn("{}", std::string(s.message()));
    }
  }
  if (!o.token_file.empty()) {
    if (absl::StatusOr<std::string> token = ReadTokenFile(o.token_file); !token.ok()) {
      return token.status();
    }
  }
  return absl::OkStatus();
}

absl::StatusOr<std::shared_ptr<grpc::ChannelCredentials>> BuildChannelCredentials(
    const SidecarCredentialOptions& o) {
  if (o.tls_ca.empty()) return grpc::InsecureChannelCredentials();
  grpc::SslCredentialsOptions ssl;
  absl::StatusOr<std::string> ca = tls::ReadPemFile(o.tls_ca, kCaOption);
  if (!ca.ok()) return ca.status();
  ssl.pem_root_certs = *ca;
  if (!o.tls_cert.empty()) {
    absl::StatusOr<std::string> cert = tls::ReadPemFile(o.tls_cert, kCertOption);
    if (!cert.ok()) return cert.status();
    absl::StatusOr<std::string> key = tls::ReadPemFile(o.tls_key, kKeyOption);
    if (!key.ok()) return key.status();
    ssl.pem_cert_chain = *cert;
    ssl.pem_private_key = *key;
  }
  std::shared_ptr<grpc::ChannelCredentials> channel = grpc::SslCredentials(ssl);
  if (o.token_file.empty()) return channel;
  absl::StatusOr<std::string> token = ReadTokenFile(o.token_file);
  if (!token.ok()) return token.status();
  return grpc::CompositeChannelCredentials(
      channel, grpc::MetadataCredentialsFromPlugin(
                   std::make_unique<TokenFilePlugin>(o.token_file, *std::move(token))));
}

std::string CredentialFilesStamp(const SidecarCredentialOptions& o) {
  return absl::StrCat(FileStamp(o.tls_ca), "|", FileStamp(o.tls_cert), "|", FileStamp(o.tls_key));
}

}  // namespace edgectl::worker
