#include "controlplane/auth/client_certificate_verifier.h"

#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509_vfy.h>
#include <openssl/x509v3.h>
#include <spdlog/spdlog.h>

#include <vector>

#include "absl/strings/str_cat.h"
#include "common/file_stamp.h"
#include "common/tls_files.h"
#include "controlplane/auth/authenticator.h"
#include "controlplane/auth/worker_token.h"

namespace edgectl::auth {
namespace {

constexpr size_t kMaxCached = 100000;
constexpr char kOption[] = "[edge] controlplane_tls_client_ca";

struct X509Free {
  void operator()(X509* x) const { X509_free(x); }
};
struct StoreFree {
  void operator()(X509_STORE* s) const { X509_STORE_free(s); }
};
struct CtxFree {
  void operator()(X509_STORE_CTX* c) const { X509_STORE_CTX_free(c); }
};
struct StackFree {
  void operator()(STACK_OF(X509) * s) const { sk_X509_pop_free(s, X509_free); }
};
using X509Ptr = std::unique_ptr<X509, X509Free>;

std::vector<X509Ptr> ParsePem(absl::string_view pem) {
  std::vector<X509Ptr> certs;
  BIO* bio = BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size()));
  while (X509* cert = PEM_read_bio_X509(bio, nullptr, nullptr, nullptr)) certs.emplace_back(cert);
  BIO_free(bio);
  ERR_clear_error();  // the loop ends on "no start line"
  return certs;
}

std::string Text(const unsigned char* data, int length) {
  return std::string(reinterpret_cast<const char*>(data), static_cast<size_t>(length));
}

// First SAN DNS name, else the subject CN; "" when the certificate names neither.
std::string WorkerNameOf(X509* cert) {
  std::string name;
  if (auto* sans = static_cast<GENERAL_NAMES*>(
          X509_get_ext_d2i(cert, NID_subject_alt_name, nullptr, nullptr))) {
    for (int i = 0; i < sk_GENERAL_NAME_num(sans) && name.empty(); ++i) {
      const GENERAL_NAME* n = sk_GENERAL_NAME_value(sans, i);
      if (n->type == GEN_DNS) {
        name = Text(ASN1_STRING_get0_data(n->d.dNSName), ASN1_STRING_length(n->d.dNSName));
      }
    }
    GENERAL_NAMES_free(sans);
  }
  if (!name.empty()) return name;
  X509_NAME* subject = X509_get_subject_name(cert);
  const int index = X509_NAME_get_index_by_NID(subject, NID_commonName, -1);
  if (index < 0) return "";
  ASN1_STRING* cn = X509_NAME_ENTRY_get_data(X509_NAME_get_entry(subject, index));
  return Text(ASN1_STRING_get0_data(cn), ASN1_STRING_length(cn));
}

std::string IssuerOf(X509* cert) {
  X509_NAME* issuer = X509_get_issuer_name(cert);
  const int index = X509_NAME_get_index_by_NID(issuer, NID_commonName, -1);
  if (index < 0) return "an unnamed issuer";
  ASN1_STRING* cn = X509_NAME_ENTRY_get_data(X509_NAME_get_entry(issuer, index));
  return "CN " + QuotePrefix(Text(ASN1_STRING_get0_data(cn), ASN1_STRING_length(cn)));
}

std::string FormatAsn1Time(const ASN1_TIME* t) {
  struct tm tm {};
  if (ASN1_TIME_to_tm(t, &tm) != 1) return "an unreadable date";
  return absl::FormatTime("%Y-%m-%d %H:%M:%S UTC", absl::FromTM(tm, absl::UTCTimeZone()),
                          absl::UTCTimeZone());
}

absl::Time AsTime(const ASN1_TIME* t) {
  struct tm tm {};
  if (ASN1_TIME_to_tm(t, &tm) != 1) return absl::InfinitePast();
  return absl::FromTM(tm, absl::UTCTimeZone());
}

absl::Status Refused(X509* leaf, int error) {
  const std::string which =
      absl::StrCat("the worker's client certificate (", QuotePrefix(WorkerNameOf(leaf)), ")");
  switch (error) {
    case X509_V_ERR_CERT_HAS_EXPIRED:
      return absl::UnauthenticatedError(absl::StrCat(
          which, " expired on ", FormatAsn1Time(X509_get0_notAfter(leaf)),
          ": issue a new one signed by the sidecar's client CA and put it in [edge] "
          "controlplane_tls_cert (the worker re-reads it)"));
    case X509_V_ERR_CERT_NOT_YET_VALID:
      return absl::UnauthenticatedError(absl::StrCat(
          which, " is not valid before ", FormatAsn1Time(X509_get0_notBefore(leaf)),
          " by the sidecar's clock: check the clocks of both machines, or wait"));
    case X509_V_ERR_DEPTH_ZERO_SELF_SIGNED_CERT:
      return absl::UnauthenticatedError(absl::StrCat(
          which, " is self-signed; the sidecar accepts only certificates signed by its client "
          "CA (", kOption, "): have the certificate issued by that CA"));
    case X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT:
    case X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT_LOCALLY:
    case X509_V_ERR_UNABLE_TO_VERIFY_LEAF_SIGNATURE:
    case X509_V_ERR_SELF_SIGNED_CERT_IN_CHAIN:
    case X509_V_ERR_CERT_SIGNATURE_FAILURE:
      return absl::UnauthenticatedError(absl::StrCat(
          which, " was issued by ", IssuerOf(leaf),
          ", which is not a CA this sidecar trusts for workers (", kOption,
          "): have the certificate issued by the sidecar's client CA"));
    case X509_V_ERR_INVALID_PURPOSE:
      return absl::UnauthenticatedError(absl::StrCat(
          which, " is not meant for client authentication (its extended key usage lacks "
          "clientAuth): issue a client certificate"));
    default:
      return absl::UnauthenticatedError(absl::StrCat(which, " was refused: ",
                                                     X509_verify_cert_error_string(error)));
  }
}

}  // namespace

struct ClientCertificateVerifier::Bundle {
  std::unique_ptr<X509_STORE, StoreFree> store;
  std::string stamp;  // FileStamp of the CA file when it was read
  uint64_t generation = 0;
};

ClientCertificateVerifier::ClientCertificateVerifier(std::string ca_file,
                                                     absl::Duration reload_interval)
    : ca_file_(std::move(ca_file)), reload_interval_(reload_interval) {}

ClientCertificateVerifier::~ClientCertificateVerifier() = default;

absl::StatusOr<std::shared_ptr<const ClientCertificateVerifier::Bundle>>
ClientCertificateVerifier::ReadBundle() const {
  const std::string stamp = FileStamp(ca_file_);
  absl::StatusOr<std::string> pem = tls::ReadPemFile(ca_file_, kOption);
  if (!pem.ok()) return pem.status();
  std::vector<X509Ptr> certs = ParsePem(*pem);
  if (certs.empty()) {
    return absl::FailedPreconditionError(absl::StrCat(
        kOption, " file ", ca_file_, " holds no PEM certificate: give the CA bundle (PEM) that "
        "signs the workers' client certificates"));
  }
  auto bundle = std::make_shared<Bundle>();
  bundle->store.reset(X509_STORE_new());
  for (const X509Ptr& cert : certs) X509_STORE_add_cert(bundle->store.get(), cert.get());
  ERR_clear_error();  // a certificate listed twice is not an error
  bundle->stamp = stamp;
  return std::shared_ptr<const Bundle>(std::move(bundle));
}

absl::Status ClientCertificateVerifier::Load() {
  absl::StatusOr<std::shared_ptr<const Bundle>> bundle = ReadBundle();
  if (!bundle.ok()) return bundle.status();
  absl::MutexLock lock(&mu_);
  bundle_ = *std::move(bundle);
  return absl::OkStatus();
}

std::shared_ptr<const ClientCertificateVerifier::Bundle> ClientCertificateVerifier::Current(
    absl::Time now) {
  absl::MutexLock lock(&mu_);
  if (bundle_ != nullptr && now - checked_at_ < reload_interval_) return bundle_;
  checked_at_ = now;
  if (bundle_ != nullptr && FileStamp(ca_file_) == bundle_->stamp) return bundle_;
  absl::StatusOr<std::shared_ptr<const Bundle>> fresh = ReadBundle();
  if (!fresh.ok()) {
    spdlog::warn("auth: keeping the previous client CA bundle: {}", std::string(fresh.status().message()));
    return bundle_;
  }
  auto next = std::const_pointer_cast<Bundle>(*fresh);
  next->generation = bundle_ == nullptr ? 0 : bundle_->generation + 1;
  if (bundle_ != nullptr) spdlog::info("auth: re-read the client CA bundle {}", ca_file_);
  bundle_ = std::move(next);
  cache_.clear();
  return bundle_;
}

absl::StatusOr<std::string> ClientCertificateVerifier::Verify(absl::string_view pem_chain,
                                                              absl::Time now) {
  std::shared_ptr<const Bundle> bundle = Current(now);
  if (bundle == nullptr) {
    return absl::UnavailableError("the sidecar has no client CA bundle loaded; retry later");
  }
  const std::string fingerprint = TokenSha256Hex(pem_chain);
  {
    absl::MutexLock lock(&mu_);
    auto it = cache_.find(fingerprint);
    if (it != cache_.end() && it->second.generation == bundle->generation &&
        now < it->second.not_after) {
      return it->second.worker_name;
    }
  }
  std::vector<X509Ptr> certs = ParsePem(pem_chain);
  if (certs.empty()) {
    return absl::UnauthenticatedError("the client certificate is not a PEM certificate");
  }
  X509* leaf = certs.front().get();
  std::unique_ptr<STACK_OF(X509), StackFree> intermediates(sk_X509_new_null());
  for (size_t i = 1; i < certs.size(); ++i) {
    sk_X509_push(intermediates.get(), certs[i].release());
  }
  std::unique_ptr<X509_STORE_CTX, CtxFree> ctx(X509_STORE_CTX_new());
  if (!ctx || X509_STORE_CTX_init(ctx.get(), bundle->store.get(), leaf, intermediates.get()) != 1) {
    ERR_clear_error();
    return absl::UnavailableError("the sidecar could not set up certificate verification; retry");
  }
  X509_STORE_CTX_set_purpose(ctx.get(), X509_PURPOSE_SSL_CLIENT);
  X509_VERIFY_PARAM_set_time(X509_STORE_CTX_get0_param(ctx.get()), absl::ToTimeT(now));
  const bool ok = X509_verify_cert(ctx.get()) == 1;
  const int error = X509_STORE_CTX_get_error(ctx.get());
  ERR_clear_error();
  if (!ok) return Refused(leaf, error);
  std::string name = WorkerNameOf(leaf);
  if (name.empty()) {
    return absl::UnauthenticatedError(
        "the worker's client certificate names no worker: put the worker name in its first "
        "subjectAltName DNS entry or its subject CN");
  }
  absl::MutexLock lock(&mu_);
  if (cache_.size() >= kMaxCached) cache_.clear();
  cache_[fingerprint] = Cached{name, AsTime(X509_get0_notAfter(leaf)), bundle->generation};
  return name;
}

}  // namespace edgectl::auth
