#include "common/tls_files.h"

#include <openssl/asn1.h>
#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include <fstream>
#include <memory>
#include <sstream>

#include "absl/strings/str_cat.h"

namespace edgectl::tls {
namespace {

struct BioFree {
  void operator()(BIO* b) const { BIO_free(b); }
};
struct X509Free {
  void operator()(X509* x) const { X509_free(x); }
};
struct KeyFree {
  void operator()(EVP_PKEY* k) const { EVP_PKEY_free(k); }
};

std::unique_ptr<BIO, BioFree> MemoryBio(const std::string& text) {
  return std::unique_ptr<BIO, BioFree>(BIO_new_mem_buf(text.data(), static_cast<int>(text.size())));
}

std::string NameLine(X509_NAME* name) {
  std::unique_ptr<BIO, BioFree> out(BIO_new(BIO_s_mem()));
  X509_NAME_print_ex(out.get(), name, 0, XN_FLAG_ONELINE & ~ASN1_STRFLGS_ESC_MSB);
  char* data = nullptr;
  const long len = BIO_get_mem_data(out.get(), &data);
  return std::string(data, static_cast<size_t>(len));
}

absl::Time AsnTime(const ASN1_TIME* t) {
  struct tm tm {};
  if (ASN1_TIME_to_tm(t, &tm) != 1) return absl::InfinitePast();
  return absl::FromTM(tm, absl::UTCTimeZone());
}

std::string OpenSslError() {
  const unsigned long e = ERR_get_error();
  ERR_clear_error();
  if (e == 0) return "not PEM";
  char buf[256];
  ERR_error_string_n(e, buf, sizeof buf);
  return buf;
}

}  // namespace

absl::StatusOr<std::string> ReadPemFile(const std::string& path, const std::string& option) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    return absl::FailedPreconditionError(
        absl::StrCat("cannot read ", option, " file ", path, ": check the path and permissions"));
  }
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

absl::StatusOr<CertificateFacts> ReadCertificate(const std::string& path,
                                                 const std::string& what) {
  absl::StatusOr<std::string> pem = ReadPemFile(path, what);
  if (!pem.ok()) return pem.status();
  auto bio = MemoryBio(*pem);
  std::unique_ptr<X509, X509Free> cert(PEM_read_bio_X509(bio.get(), nullptr, nullptr, nullptr));
  if (!cert) {
    return absl::FailedPreconditionError(absl::StrCat(
        what, " file ", path, " holds no PEM certificate (", OpenSslError(), ")"));
  }
  CertificateFacts f;
  f.subject = NameLine(X509_get_subject_name(cert.get()));
  f.issuer = NameLine(X509_get_issuer_name(cert.get()));
  char cn[256] = {0};
  if (X509_NAME_get_text_by_NID(X509_get_subject_name(cert.get()), NID_commonName, cn,
                                sizeof cn) > 0) {
    f.common_name = cn;
  }
  if (auto* sans = static_cast<GENERAL_NAMES*>(
          X509_get_ext_d2i(cert.get(), NID_subject_alt_name, nullptr, nullptr))) {
    for (int i = 0; i < sk_GENERAL_NAME_num(sans); ++i) {
      const GENERAL_NAME* n = sk_GENERAL_NAME_value(sans, i);
      if (n->type == GEN_DNS) {
        const ASN1_IA5STRING* s = n->d.dNSName;
        f.dns_names.emplace_back(reinterpret_cast<const char*>(ASN1_STRING_get0_data(s)),
                                 static_cast<size_t>(ASN1_STRING_length(s)));
      }
    }
    GENERAL_NAMES_free(sans);
  }
  f.not_before = AsnTime(X509_get0_notBefore(cert.get()));
  f.not_after = AsnTime(X509_get0_notAfter(cert.get()));
  if (X509_NAME_cmp(X509_get_subject_name(cert.get()), X509_get_issuer_name(cert.get())) == 0) {
    EVP_PKEY* own = X509_get0_pubkey(cert.get());
    f.self_signed = own != nullptr && X509_verify(cert.get(), own) == 1;
    ERR_clear_error();
  }
  return f;
}

absl::Status CheckKeyPair(const std::string& cert_path, const std::string& key_path,
                          const std::string& cert_option, const std::string& key_option) {
  absl::StatusOr<std::string> cert_pem = ReadPemFile(cert_path, cert_option);
  if (!cert_pem.ok()) return cert_pem.status();
  absl::StatusOr<std::string> key_pem = ReadPemFile(key_path, key_option);
  if (!key_pem.ok()) return key_pem.status();
  auto cert_bio = MemoryBio(*cert_pem);
  std::unique_ptr<X509, X509Free> cert(
      PEM_read_bio_X509(cert_bio.get(), nullptr, nullptr, nullptr));
  if (!cert) {
    return absl::FailedPreconditionError(absl::StrCat(
        cert_option, " file ", cert_path, " holds no PEM certificate (", OpenSslError(), ")"));
  }
  auto key_bio = MemoryBio(*key_pem);
  std::unique_ptr<EVP_PKEY, KeyFree> key(
      PEM_read_bio_PrivateKey(key_bio.get(), nullptr, nullptr, nullptr));
  if (!key) {
    return absl::FailedPreconditionError(absl::StrCat(
        key_option, " file ", key_path,
        " holds no unencrypted PEM private key (", OpenSslError(), ")"));
  }
  if (X509_check_private_key(cert.get(), key.get()) != 1) {
    ERR_clear_error();
    return absl::FailedPreconditionError(absl::StrCat(
        "the private key in ", key_path, " (", key_option, ") does not belong to the certificate in ",
        cert_path, " (", cert_option, "): give the key the certificate was issued for"));
  }
  return absl::OkStatus();
}

absl::Status CheckCaBundle(const std::string& path, const std::string& option) {
  return ReadCertificate(path, option).status();
}

absl::Status CheckValidity(const CertificateFacts& cert, absl::Time now, const std::string& what) {
  if (now < cert.not_before) {
    return absl::FailedPreconditionError(absl::StrCat(
        what, " (", cert.subject, ") is not valid yet: valid from ",
        absl::FormatTime("%Y-%m-%d %H:%M:%S UTC", cert.not_before, absl::UTCTimeZone()),
        "; check this machine's clock, or wait"));
  }
  if (now > cert.not_after) {
    return absl::FailedPreconditionError(absl::StrCat(
        what, " (", cert.subject, ") expired on ",
        absl::FormatTime("%Y-%m-%d %H:%M:%S UTC", cert.not_after, absl::UTCTimeZone()),
        ": issue a new certificate (the file is re-read, no restart needed)"));
  }
  return absl::OkStatus();
}

}  // namespace edgectl::tls
