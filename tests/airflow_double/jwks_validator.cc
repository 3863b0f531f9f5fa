#include "tests/airflow_double/jwks_validator.h"

#include <httplib.h>
#include <openssl/core_names.h>
#include <openssl/ec.h>
#include <openssl/evp.h>
#include <openssl/param_build.h>

#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "bridge/jwt_signer.h"

namespace edgectl::airflow_double {

using nlohmann::json;

struct JwksValidator::Key {
  std::string kty;  // RSA or EC
  EVP_PKEY* pkey = nullptr;
  ~Key() { EVP_PKEY_free(pkey); }
};

namespace {

absl::Status Refused(const std::string& why) { return absl::PermissionDeniedError(why); }

BIGNUM* Bignum(const std::string& b64) {
  absl::StatusOr<std::string> raw = bridge::Base64UrlDecode(b64);
  if (!raw.ok()) return nullptr;
  return BN_bin2bn(reinterpret_cast<const unsigned char*>(raw->data()),
                   static_cast<int>(raw->size()), nullptr);
}

EVP_PKEY* FromParams(const char* type, OSSL_PARAM_BLD* bld) {
  OSSL_PARAM* params = OSSL_PARAM_BLD_to_param(bld);
  EVP_PKEY_CTX* ctx = EVP_PKEY_CTX_new_from_name(nullptr, type, nullptr);
  EVP_PKEY* pkey = nullptr;
  if (params != nullptr && ctx != nullptr && EVP_PKEY_fromdata_init(ctx) > 0) {
    EVP_PKEY_fromdata(ctx, &pkey, EVP_PKEY_PUBLIC_KEY, params);
  }
  EVP_PKEY_CTX_free(ctx);
  OSSL_PARAM_free(params);
  return pkey;
}

EVP_PKEY* RsaKey(const json& jwk) {
  BIGNUM* n = Bignum(jwk.value("n", ""));
  BIGNUM* e = Bignum(jwk.value("e", ""));
  EVP_PKEY* pkey = nullptr;
  OSSL_PARAM_BLD* bld = OSSL_PARAM_BLD_new();
  if (n != nullptr && e != nullptr && bld != nullptr &&
      OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_RSA_N, n) &&
      OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_RSA_E, e)) {
    pkey = FromParams("RSA", bld);
  }
  OSSL_PARAM_BLD_free(bld);
  BN_free(n);
  BN_free(e);
  return pkey;
}

EVP_PKEY* EcKey(const json& jwk) {
  if (jwk.value("crv", "") != "P-256") return nullptr;
  absl::StatusOr<std::string> x = bridge::Base64UrlDecode(jwk.value("x", ""));
  absl::StatusOr<std::string> y = bridge::Base64UrlDecode(jwk.value("y", ""));
  if (!x.ok() || !y.ok() || x->size() != 32 || y->size() != 32) return nullptr;
  const std::string point = absl::StrCat(std::string(1, '\x04'), *x, *y);
  OSSL_PARAM_BLD* bld = OSSL_PARAM_BLD_new();
  EVP_PKEY* pkey = nullptr;
  if (bld != nullptr &&
      OSSL_PARAM_BLD_push_utf8_string(bld, OSSL_PKEY_PARAM_GROUP_NAME, "prime256v1", 0) &&
      OSSL_PARAM_BLD_push_octet_string(bld, OSSL_PKEY_PARAM_PUB_KEY, point.data(), point.size())) {
    pkey = FromParams("EC", bld);
  }
  OSSL_PARAM_BLD_free(bld);
  return pkey;
}

// A JWS ES256 signature is r||s (32 bytes each); OpenSSL verifies DER.
std::optional<std::string> EcdsaDer(const std::string& raw) {
  if (raw.size() != 64) return std::nullopt;
  ECDSA_SIG* sig = ECDSA_SIG_new();
  BIGNUM* r = BN_bin2bn(reinterpret_cast<const unsigned char*>(raw.data()), 32, nullptr);
  BIGNUM* s = BN_bin2bn(reinterpret_cast<const unsigned char*>(raw.data()) + 32, 32, nullptr);
  ECDSA_SIG_set0(sig, r, s);
  unsigned char* der = nullptr;
  const int len = i2d_ECDSA_SIG(sig, &der);
  std::optional<std::string> out;
  if (len > 0) out = std::string(reinterpret_cast<char*>(der), len);
  OPENSSL_free(der);
  ECDSA_SIG_free(sig);
  return out;
}

bool VerifySha256(EVP_PKEY* pkey, const std::string& data, const std::string& signature) {
  EVP_MD_CTX* ctx = EVP_MD_CTX_new();
  bool ok = ctx != nullptr && EVP_DigestVerifyInit(ctx, nullptr, EVP_sha256(), nullptr, pkey) > 0 &&
            EVP_DigestVerify(ctx, reinterpret_cast<const unsigned char*>(signature.data()),
                             signature.size(), reinterpret_cast<const unsigned char*>(data.data()),
                             data.size()) == 1;
  EVP_MD_CTX_free(ctx);
  return ok;
}

absl::StatusOr<std::string> LoadJwksText(const std::string& source) {
  if (absl::StartsWith(source, "http://") || absl::StartsWith(source, "https://")) {
    const size_t path_at = source.find('/', source.find("//") + 2);
    const std::string origin = source.substr(0, path_at);
    const std::string path = path_at == std::string::npos ? "/" : source.substr(path_at);
    httplib::Client client(origin);
    client.set_connection_timeout(5);
    auto res = client.Get(path);
    if (!res || res->status != 200) {
      return absl::UnavailableError(absl::StrCat("could not fetch the JWKS from ", source));
    }
    return res->body;
  }
  std::ifstream in(source);
  if (!in) return absl::NotFoundError(absl::StrCat("cannot read the JWKS file ", source));
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

bool AudienceContains(const json& aud, const std::string& want) {
  if (aud.is_string()) return aud.get<std::string>() == want;
  if (!aud.is_array()) return false;
  for (const json& a : aud) {
    if (a.is_string() && a.get<std::string>() == want) return true;
  }
  return false;
}

}  // namespace

absl::Status JwksValidatorOptions::Validate() const {
  if (trusted_jwks_url.empty()) return absl::InvalidArgumentError("trusted_jwks_url is empty");
  if (!issuer.has_value() || issuer->empty()) {
    return absl::InvalidArgumentError(
        "[edge] jwt_verifier must be set when trusted_jwks_url is configured without "
        "jwt_issuer (the double implements no jwt_verifier: set --edge_jwt_issuer)");
  }
  for (const std::string& alg : algorithms) {
    if (alg != "RS256" && alg != "ES256") {
      return absl::InvalidArgumentError(
          absl::StrCat("the double verifies RS256 and ES256 only, not ", alg));
    }
  }
  return absl::OkStatus();
}

JwksValidator::JwksValidator(JwksValidatorOptions options) : options_(std::move(options)) {}
JwksValidator::~JwksValidator() = default;

absl::Status JwksValidator::Reload() {
  absl::StatusOr<std::string> text = LoadJwksText(options_.trusted_jwks_url);
  if (!text.ok()) return text.status();
  json jwks = json::parse(*text, nullptr, false);
  if (!jwks.is_object() || !jwks.contains("keys") || !jwks["keys"].is_array()) {
    return absl::InvalidArgumentError("the JWKS has no 'keys' array");
  }
  std::map<std::string, std::shared_ptr<Key>> keys;
  for (const json& jwk : jwks["keys"]) {
    if (!jwk.is_object() || !jwk.contains("kid")) continue;
    auto key = std::make_shared<Key>();
    key->kty = jwk.value("kty", "");
    key->pkey = key->kty == "RSA" ? RsaKey(jwk) : key->kty == "EC" ? EcKey(jwk) : nullptr;
    if (key->pkey != nullptr) keys[jwk["kid"].get<std::string>()] = key;
  }
  keys_ = std::move(keys);
  return absl::OkStatus();
}

absl::Status JwksValidator::ValidateToken(const std::string& token, absl::Time now) {
  std::vector<std::string> parts = absl::StrSplit(token, '.');
  if (parts.size() != 3) return Refused("token is not a compact JWS");
  absl::StatusOr<std::string> header_text = bridge::Base64UrlDecode(parts[0]);
  absl::StatusOr<std::string> claims_text = bridge::Base64UrlDecode(parts[1]);
  absl::StatusOr<std::string> signature = bridge::Base64UrlDecode(parts[2]);
  if (!header_text.ok() || !claims_text.ok() || !signature.ok()) {
    return Refused("token is not base64url");
  }
  json header = json::parse(*header_text, nullptr, false);
  json claims = json::parse(*claims_text, nullptr, false);
  if (!header.is_object() || !claims.is_object()) return Refused("token parts are not JSON objects");
  const std::string alg = header.value("alg", "");
  if (std::find(options_.algorithms.begin(), options_.algorithms.end(), alg) ==
      options_.algorithms.end()) {
    return Refused(absl::StrCat("token algorithm '", alg, "' is not allowed"));
  }
  if (!header.contains("kid") || !header["kid"].is_string()) return Refused("token has no kid");
  const std::string kid = header["kid"];
  std::shared_ptr<Key> key;
  {
    absl::MutexLock lock(&mu_);
    if (keys_.find(kid) == keys_.end()) {
      if (absl::Status s = Reload(); !s.ok()) return Refused(std::string(s.message()));
    }
    auto it = keys_.find(kid);
    if (it == keys_.end()) return Refused(absl::StrCat("no key '", kid, "' in the JWKS"));
    key = it->second;
  }
  if ((alg == "RS256") != (key->kty == "RSA")) return Refused("algorithm does not fit the key");
  std::string sig = *signature;
  if (alg == "ES256") {
    std::optional<std::string> der = EcdsaDer(sig);
    if (!der.has_value()) return Refused("ES256 signature is not 64 bytes");
    sig = *der;
  }
  if (!VerifySha256(key->pkey, absl::StrCat(parts[0], ".", parts[1]), sig)) {
    return Refused("signature does not verify with the JWKS key");
  }
  const int64_t t = absl::ToUnixSeconds(now);
  const int leeway = options_.leeway_seconds;
  for (const char* claim : {"exp", "iat"}) {
    if (!claims.contains(claim) || !claims[claim].is_number()) {
      return Refused(absl::StrCat("token lacks the '", claim, "' claim"));
    }
  }
  if (claims["exp"].get<int64_t>() <= t - leeway) return Refused("token has expired");
  if (claims["iat"].get<int64_t>() > t + leeway) return Refused("token issued in the future");
  if (claims.contains("nbf") && claims["nbf"].is_number() &&
      claims["nbf"].get<int64_t>() > t + leeway) {
    return Refused("token not yet valid (nbf)");
  }
  if (options_.issuer.has_value() && claims.value("iss", "") != *options_.issuer) {
    return Refused("token issuer does not match");
  }
  if (options_.audience.has_value()) {
    if (!claims.contains("aud") || !AudienceContains(claims["aud"], *options_.audience)) {
      return Refused("token audience does not match");
    }
  } else if (claims.contains("aud")) {
    return Refused("token has an audience but none is configured");
  }
  return absl::OkStatus();
}

}  // namespace edgectl::airflow_double
