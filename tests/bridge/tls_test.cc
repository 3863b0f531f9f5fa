// TLS: the certificate is verified (a self-signed server is refused with a clear message) and a
// custom CA bundle makes it trusted.
#include <httplib.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509v3.h>
#include <stdlib.h>

#include <cstdio>
#include <filesystem>
#include <thread>

#include "absl/strings/str_cat.h"
#include "bridge/edge_api_client.h"
#include "gtest/gtest.h"

namespace edgectl::bridge {
namespace {

// Writes a self-signed certificate for 127.0.0.1 and its key into dir.
void WriteSelfSignedCertificate(const std::string& cert_path, const std::string& key_path) {
  EVP_PKEY* key = EVP_RSA_gen(2048);
  ASSERT_NE(key, nullptr);
  X509* cert = X509_new();
  X509_set_version(cert, 2);
  ASN1_INTEGER_set(X509_get_serialNumber(cert), 1);
  X509_gmtime_adj(X509_getm_notBefore(cert), -60);
  X509_gmtime_adj(X509_getm_notAfter(cert), 3600);
  X509_set_pubkey(cert, key);
  X509_NAME* name = X509_get_subject_name(cert);
  X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC,
                             reinterpret_cast<const unsigned char*>("127.0.0.1"), -1, -1, 0);
  X509_set_issuer_name(cert, name);
  X509V3_CTX ctx;
  X509V3_set_ctx_nodb(&ctx);
  X509V3_set_ctx(&ctx, cert, cert, nullptr, nullptr, 0);
  for (auto [nid, value] : {std::pair{NID_subject_alt_name, "IP:127.0.0.1"},
                            std::pair{NID_basic_constraints, "critical,CA:TRUE"}}) {
    X509_EXTENSION* ext = X509V3_EXT_conf_nid(nullptr, &ctx, nid, value);
    X509_add_ext(cert, ext, -1);
    X509_EXTENSION_free(ext);
  }
  X509_sign(cert, key, EVP_sha256());
  FILE* f = fopen(cert_path.c_str(), "w");
  PEM_write_X509(f, cert);
  fclose(f);
  f = fopen(key_path.c_str(), "w");
  PEM_write_PrivateKey(f, key, nullptr, nullptr, 0, nullptr, nullptr);
  fclose(f);
  X509_free(cert);
  EVP_PKEY_free(key);
}

class TlsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/edgectl-tls-XXXXXX";
    ASSERT_NE(mkdtemp(tmpl), nullptr);
    dir_ = tmpl;
    WriteSelfSignedCertificate(dir_ + "/cert.pem", dir_ + "/key.pem");
    server_ = std::make_unique<httplib::SSLServer>((dir_ + "/cert.pem").c_str(),
                                                   (dir_ + "/key.pem").c_str());
    ASSERT_TRUE(server_->is_valid());
    server_->Get("/edge_worker/v1/health", [](const httplib::Request&, httplib::Response& res) {
      res.set_content(R"({"status":"healthy"})", "application/json");
    });
    port_ = server_->bind_to_any_port("127.0.0.1");
    thread_ = std::thread([this] { server_->listen_after_bind(); });
  }
  void TearDown() override {
    server_->stop();
    thread_.join();
    std::filesystem::remove_all(dir_);
  }
  std::unique_ptr<EdgeApiClient> Client(const std::string& ca_bundle) {
    EdgeApiClientOptions options;
    options.api_url = absl::StrCat("https://127.0.0.1:", port_, "/edge_worker/v1/");
    options.jwt_secret = "s";
    options.retry = RetryOptions{1, absl::ZeroDuration(), absl::ZeroDuration()};
    options.transport.ca_bundle = ca_bundle;
    return *EdgeApiClient::Create(options);
  }

  std::string dir_;
  std::unique_ptr<httplib::SSLServer> server_;
  std::thread thread_;
  int port_ = 0;
};

TEST_F(TlsTest, UntrustedCertificateIsRefused) {
  auto reply = Client("")->Health();
  EXPECT_EQ(reply.status().code(), absl::StatusCode::kUnavailable);
  EXPECT_NE(reply.status().message().find("certificate"), std::string::npos) << reply.status();
}

TEST_F(TlsTest, CustomCaBundleIsTrusted) {
  auto reply = Client(dir_ + "/cert.pem")->Health();
  ASSERT_TRUE(reply.ok()) << reply.status();
  EXPECT_EQ(reply->at("status"), "healthy");
}

}  // namespace
}  // namespace edgectl::bridge
