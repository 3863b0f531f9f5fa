// Worker authentication (controlplane/auth): the ClientCertificateVerifier on real certificates
// made by scripts/make-certs (valid, expired, not yet valid, self-signed, another CA's, a server
// certificate), CA rotation and the verdict cache; the Authenticator over a fake TokenDirectory
// (tokens, insecure opt-in, a bad certificate beside a good token, fair-share keys);
// AuthorizeWorker, QuotePrefix; worker tokens (format, SHA-256, text limits).
#include "controlplane/auth/authenticator.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "controlplane/auth/worker_token.h"
#include "tests/fixtures/test_pki.h"

namespace edgectl::auth {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;
using edgectl::testing::TestPki;

std::string ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

// Replaces `path` the way operators rotate files: write aside, then rename over it.
void ReplaceFile(const std::string& path, const std::string& content) {
  const std::string tmp = path + ".new";
  std::ofstream(tmp, std::ios::binary | std::ios::trunc) << content;
  ASSERT_EQ(std::rename(tmp.c_str(), path.c_str()), 0) << path;
}

std::string UtcStamp(absl::Time t) {
  return absl::FormatTime("%Y%m%d%H%M%SZ", t, absl::UTCTimeZone());
}

// Certificates shared by the suite: made once, since each costs several openssl runs.
struct Pki {
  std::unique_ptr<TestPki> ours;
  std::unique_ptr<TestPki> other;  // another CA, same subject CN
  std::string dir;
};
Pki* pki = nullptr;

class CertificateTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    pki = new Pki;
    const char* tmp = std::getenv("TEST_TMPDIR");
    ASSERT_NE(tmp, nullptr);
    pki->dir = std::string(tmp) + "/auth_test";
    absl::StatusOr<TestPki> ours = TestPki::Create(pki->dir + "/ours");
    absl::StatusOr<TestPki> other = TestPki::Create(pki->dir + "/other");
    ASSERT_TRUE(ours.ok()) << ours.status();
    ASSERT_TRUE(other.ok()) << other.status();
    pki->ours = std::make_unique<TestPki>(*std::move(ours));
    pki->other = std::make_unique<TestPki>(*std::move(other));
  }
  void SetUp() override { ASSERT_TRUE(pki->ours && pki->other) << "no test PKI (see above)"; }
  static void TearDownTestSuite() {
    delete pki;
    pki = nullptr;
  }

  // The PEM of a certificate made by `made`.
  static std::string Pem(const absl::StatusOr<edgectl::testing::CertAndKey>& made) {
    EXPECT_TRUE(made.ok()) << made.status();
    return made.ok() ? ReadFile(made->cert) : "";
  }

  // A certificate signed by our CA with subject CN `cn` and the extensions in `ext`.
  static std::string Custom(const std::string& file, const std::string& cn,
                            const std::string& ext) {
    const std::string d = pki->ours->dir();
    const std::string base = d + "/" + file;
    std::ofstream(base + ".ext") << ext;
    const std::string cmd = absl::StrCat(
        "cd '", d, "' && openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out '",
        base, ".key' && openssl req -new -key '", base, ".key' -subj '/CN=", cn, "' -out '", base,
        ".csr' && openssl x509 -req -in '", base, ".csr' -CA ca.pem -CAkey ca.key "
        "-CAcreateserial -days 2 -extfile '", base, ".ext' -out '", base, ".pem'",
        " >/dev/null 2>&1");
    EXPECT_EQ(std::system(cmd.c_str()), 0) << cmd;
    return ReadFile(base + ".pem");
  }

  static ClientCertificateVerifier Verifier() {
    return ClientCertificateVerifier(pki->ours->ca(), absl::Seconds(10));
  }
};

TEST_F(CertificateTest, ValidCertificateNamesTheWorkerByFirstSanDnsName) {
  ClientCertificateVerifier verifier(pki->ours->ca(), absl::Seconds(10));
  ASSERT_TRUE(verifier.Load().ok());
  const std::string pem = Pem(pki->ours->Worker("w-one"));  // made before Now() is read
  absl::StatusOr<std::string> name = verifier.Verify(pem, absl::Now());
  ASSERT_TRUE(name.ok()) << name.status();
  EXPECT_EQ(*name, "w-one");

  const std::string san = Custom("san", "cn-name",
                                 "extendedKeyUsage=clientAuth\n"
                                 "subjectAltName=DNS:san-name,DNS:second-name\n");
  EXPECT_EQ(verifier.Verify(san, absl::Now()).value_or("refused"), "san-name");
  const std::string cn_only = Custom("cn-only", "cn-only-name", "extendedKeyUsage=clientAuth\n");
  EXPECT_EQ(verifier.Verify(cn_only, absl::Now()).value_or("refused"), "cn-only-name");
}

TEST_F(CertificateTest, RefusalsAreUnauthenticatedAndNameTheirCause) {
  ClientCertificateVerifier verifier(pki->ours->ca(), absl::Seconds(10));
  ASSERT_TRUE(verifier.Load().ok());
  const struct {
    std::string what;
    std::string pem;
    std::string cause;
  } cases[] = {
      {"expired", Pem(pki->ours->Worker("old", "20200101000000Z", "20210101000000Z")),
       "expired on 2021-01-01 00:00:00 UTC"},
      {"not yet valid", Pem(pki->ours->Worker("future", "20990101000000Z", "20991231000000Z")),
       "is not valid before 2099-01-01 00:00:00 UTC"},
      {"self-signed", Pem(pki->ours->SelfSigned("selfie")), "is self-signed"},
      {"other CA", Pem(pki->other->Worker("stranger")), "not a CA this sidecar trusts"},
      {"server certificate", ReadFile(pki->ours->sidecar().cert),
       "not meant for client authentication"},
      {"not PEM", "-----BEGIN CERTIFICATE-----\ngarbage\n", "not a PEM certificate"},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.what);
    absl::StatusOr<std::string> name = verifier.Verify(c.pem, absl::Now());
    ASSERT_FALSE(name.ok()) << *name;
    EXPECT_EQ(name.status().code(), absl::StatusCode::kUnauthenticated);
    EXPECT_THAT(name.status().message(), HasSubstr(c.cause));
  }
}

TEST_F(CertificateTest, LoadRefusesAFileWithoutCertificates) {
  const std::string path = pki->dir + "/empty-ca.pem";
  std::ofstream(path) << "not a certificate\n";
  ClientCertificateVerifier verifier(path, absl::Seconds(1));
  absl::Status loaded = verifier.Load();
  EXPECT_EQ(loaded.code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_THAT(loaded.message(), HasSubstr(path));
}

TEST_F(CertificateTest, PicksUpAReplacedCaFileAfterTheReloadInterval) {
  const std::string ca = pki->dir + "/rotating-ca.pem";
  ReplaceFile(ca, ReadFile(pki->ours->ca()));
  ClientCertificateVerifier verifier(ca, absl::Milliseconds(5));
  ASSERT_TRUE(verifier.Load().ok());
  const std::string ours = Pem(pki->ours->Worker("rot-ours"));
  const std::string theirs = Pem(pki->other->Worker("rot-theirs"));
  const absl::Time t0 = absl::Now();
  ASSERT_TRUE(verifier.Verify(ours, t0).ok());  // now cached
  EXPECT_FALSE(verifier.Verify(theirs, t0).ok());

  ReplaceFile(ca, ReadFile(pki->other->ca()));
  // Within the interval the file is not looked at.
  EXPECT_TRUE(verifier.Verify(ours, t0 + absl::Milliseconds(1)).ok());
  // After it, the new bundle decides, and the cached verdict for `ours` is gone.
  const absl::Time t1 = t0 + absl::Milliseconds(10);
  EXPECT_EQ(verifier.Verify(theirs, t1).value_or("refused"), "rot-theirs");
  EXPECT_EQ(verifier.Verify(ours, t1).status().code(), absl::StatusCode::kUnauthenticated);

  // A file that no longer parses keeps the previous bundle.
  ReplaceFile(ca, "garbage\n");
  const absl::Time t2 = t1 + absl::Milliseconds(10);
  EXPECT_EQ(verifier.Verify(theirs, t2).value_or("refused"), "rot-theirs");
  EXPECT_FALSE(verifier.Verify(ours, t2).ok());
}

TEST_F(CertificateTest, CachedVerdictDoesNotOutliveTheCertificate) {
  ClientCertificateVerifier verifier(pki->ours->ca(), absl::Hours(1));
  ASSERT_TRUE(verifier.Load().ok());
  const absl::Time now = absl::FromUnixSeconds(absl::ToUnixSeconds(absl::Now()));
  const absl::Time not_after = now + absl::Hours(1);
  const std::string pem =
      Pem(pki->ours->Worker("short-lived", UtcStamp(now - absl::Hours(1)), UtcStamp(not_after)));
  ASSERT_EQ(verifier.Verify(pem, now).value_or("refused"), "short-lived");
  ASSERT_EQ(verifier.Verify(pem, not_after - absl::Seconds(1)).value_or("refused"),
            "short-lived");
  absl::StatusOr<std::string> late = verifier.Verify(pem, not_after + absl::Seconds(1));
  ASSERT_FALSE(late.ok());
  EXPECT_EQ(late.status().code(), absl::StatusCode::kUnauthenticated);
  EXPECT_THAT(late.status().message(), HasSubstr("expired"));
}

// A TokenDirectory in memory that counts lookups and can be made unreachable.
class FakeTokenDirectory final : public TokenDirectory {
 public:
  std::string Issue(const std::string& worker) {
    std::string token = NewWorkerToken().value();
    workers_[TokenSha256Hex(token)] = worker;
    return token;
  }
  void set_failure(absl::Status s) { failure_ = std::move(s); }
  int lookups() const { return lookups_; }

  absl::StatusOr<std::optional<std::string>> WorkerForToken(const std::string& hash) override {
    ++lookups_;
    if (!failure_.ok()) return failure_;
    auto it = workers_.find(hash);
    if (it == workers_.end()) return std::optional<std::string>();
    return std::optional<std::string>(it->second);
  }
  absl::StatusOr<std::set<std::string>> IssuedTokens(
      const std::vector<std::string>& hashes) override {
    std::set<std::string> out;
    for (const std::string& h : hashes) {
      if (workers_.count(h) > 0) out.insert(h);
    }
    return out;
  }

 private:
  std::map<std::string, std::string> workers_;
  absl::Status failure_;
  int lookups_ = 0;
};

PeerCredentials WithToken(const std::string& token) {
  PeerCredentials p;
  p.peer = "ipv4:10.0.0.7:41234";
  p.bearer_token = token;
  return p;
}

TEST(Authenticator, ValidTokenNamesItsWorker) {
  FakeTokenDirectory tokens;
  const std::string token = tokens.Issue("w-token");
  Authenticator auth({.tokens = true}, nullptr, &tokens);
  absl::StatusOr<Identity> id = auth.Authenticate(WithToken(token), "w-token", absl::Now());
  ASSERT_TRUE(id.ok()) << id.status();
  EXPECT_EQ(id->worker_name, "w-token");
  EXPECT_EQ(id->method, AuthMethod::kToken);
  EXPECT_EQ(id->token_sha256, TokenSha256Hex(token));
  EXPECT_EQ(id->peer, "ipv4:10.0.0.7:41234");
}

TEST(Authenticator, UnknownTokenIsRefusedWithoutRepeatingIt) {
  FakeTokenDirectory tokens;
  tokens.Issue("w");
  const std::string unknown = NewWorkerToken().value();
  // Insecure mode too: a token that fails must not fall back to the claimed name.
  Authenticator auth({.tokens = true, .insecure = true}, nullptr, &tokens);
  absl::StatusOr<Identity> id = auth.Authenticate(WithToken(unknown), "w", absl::Now());
  ASSERT_FALSE(id.ok());
  EXPECT_EQ(id.status().code(), absl::StatusCode::kUnauthenticated);
  EXPECT_THAT(id.status().message(), Not(HasSubstr(unknown.substr(11, 12))));
  EXPECT_THAT(id.status().message(), HasSubstr(TokenId(TokenSha256Hex(unknown))));

  const std::string bad_text = "edgectl_wt_secret with space";
  absl::StatusOr<Identity> bad = auth.Authenticate(WithToken(bad_text), "w", absl::Now());
  EXPECT_EQ(bad.status().code(), absl::StatusCode::kUnauthenticated);
  EXPECT_THAT(bad.status().message(), Not(HasSubstr("secret")));
  EXPECT_EQ(tokens.lookups(), 1);  // text that cannot be a token is not looked up
}

TEST(Authenticator, UnreachableDirectoryIsUnavailableNeverAllowed) {
  FakeTokenDirectory tokens;
  const std::string token = tokens.Issue("w");
  tokens.set_failure(absl::UnavailableError("connection refused"));
  for (bool insecure : {false, true}) {
    Authenticator auth({.tokens = true, .insecure = insecure}, nullptr, &tokens);
    absl::StatusOr<Identity> id = auth.Authenticate(WithToken(token), "w", absl::Now());
    ASSERT_FALSE(id.ok());
    EXPECT_EQ(id.status().code(), absl::StatusCode::kUnavailable);
  }
}

TEST(Authenticator, MalformedAuthorizationIsRefused) {
  FakeTokenDirectory tokens;
  PeerCredentials p;
  p.malformed_authorization = true;
  for (bool insecure : {false, true}) {
    Authenticator auth({.tokens = true, .insecure = insecure}, nullptr, &tokens);
    absl::StatusOr<Identity> id = auth.Authenticate(p, "w", absl::Now());
    ASSERT_FALSE(id.ok());
    EXPECT_EQ(id.status().code(), absl::StatusCode::kUnauthenticated);
    EXPECT_THAT(id.status().message(), HasSubstr("Bearer"));
  }
  EXPECT_EQ(tokens.lookups(), 0);
}

TEST(Authenticator, ClaimedNameIsTakenOnlyInInsecureMode) {
  FakeTokenDirectory tokens;
  PeerCredentials nothing;
  absl::StatusOr<Identity> open =
      Authenticator({.insecure = true}, nullptr, &tokens).Authenticate(nothing, "w", absl::Now());
  ASSERT_TRUE(open.ok());
  EXPECT_EQ(open->worker_name, "w");
  EXPECT_EQ(open->method, AuthMethod::kInsecure);

  absl::StatusOr<Identity> closed =
      Authenticator({.tokens = true}, nullptr, &tokens).Authenticate(nothing, "w", absl::Now());
  EXPECT_EQ(closed.status().code(), absl::StatusCode::kUnauthenticated);
  EXPECT_THAT(closed.status().message(), HasSubstr("no client certificate or worker token"));

  // A token sent to a sidecar that does not accept tokens.
  absl::StatusOr<Identity> wrong = Authenticator({.certificates = true}, nullptr, &tokens)
                                       .Authenticate(WithToken("edgectl_wt_x"), "w", absl::Now());
  EXPECT_EQ(wrong.status().code(), absl::StatusCode::kUnauthenticated);
  EXPECT_THAT(wrong.status().message(), HasSubstr("does not accept worker tokens"));
}

TEST_F(CertificateTest, CertificateDecidesOverToken) {
  ClientCertificateVerifier verifier = Verifier();
  FakeTokenDirectory tokens;
  PeerCredentials p = WithToken(tokens.Issue("w-both"));
  Authenticator auth({.certificates = true, .tokens = true, .insecure = true}, &verifier, &tokens);

  p.certificate_pem = Pem(pki->ours->Worker("w-both"));
  absl::StatusOr<Identity> good = auth.Authenticate(p, "w-both", absl::Now());
  ASSERT_TRUE(good.ok()) << good.status();
  EXPECT_EQ(good->method, AuthMethod::kCertificate);

  p.certificate_pem = Pem(pki->ours->SelfSigned("w-both"));
  absl::StatusOr<Identity> bad = auth.Authenticate(p, "w-both", absl::Now());
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.status().code(), absl::StatusCode::kUnauthenticated);
  EXPECT_THAT(bad.status().message(), HasSubstr("self-signed"));
  EXPECT_EQ(tokens.lookups(), 0);
}

TEST_F(CertificateTest, FairShareKeySeparatesCallersClaimingOneName) {
  ClientCertificateVerifier verifier = Verifier();
  FakeTokenDirectory tokens;
  Authenticator auth({.certificates = true, .tokens = true}, &verifier, &tokens);
  PeerCredentials a, b;
  a.certificate_pem = Pem(pki->ours->Worker("same"));
  b.certificate_pem = Pem(pki->other->Worker("same"));
  EXPECT_NE(auth.FairShareKey(a, "same"), auth.FairShareKey(b, "same"));
  EXPECT_EQ(auth.FairShareKey(a, "same"), auth.FairShareKey(a, "other"));

  const PeerCredentials t1 = WithToken(tokens.Issue("same"));
  const PeerCredentials t2 = WithToken(tokens.Issue("same"));
  EXPECT_NE(auth.FairShareKey(t1, "same"), auth.FairShareKey(t2, "same"));
  EXPECT_NE(auth.FairShareKey(t1, "same"), auth.FairShareKey(PeerCredentials{}, "same"));
  EXPECT_THAT(auth.FairShareKey(t1, "same"), Not(HasSubstr(*t1.bearer_token)));
  EXPECT_LE(auth.FairShareKey(PeerCredentials{}, std::string(1 << 20, 'n')).size(), 80u);
}

TEST(AuthorizeWorker, BindsTheCallToTheAuthenticatedWorker) {
  Identity id{"w-real", AuthMethod::kCertificate, "", "ipv4:1.2.3.4:5"};
  EXPECT_TRUE(AuthorizeWorker(id, "w-real").ok());
  absl::Status other = AuthorizeWorker(id, "w-other");
  EXPECT_EQ(other.code(), absl::StatusCode::kPermissionDenied);
  EXPECT_THAT(other.message(), HasSubstr("\"w-real\""));
  EXPECT_THAT(other.message(), HasSubstr("\"w-other\""));
  EXPECT_EQ(AuthorizeWorker(id, "w-real ").code(), absl::StatusCode::kPermissionDenied);
  absl::Status huge = AuthorizeWorker(id, std::string(1 << 20, 'x'));
  EXPECT_EQ(huge.code(), absl::StatusCode::kPermissionDenied);
  EXPECT_LT(huge.message().size(), 400u);
}

TEST(QuotePrefix, ShortensAndEscapesClientValues) {
  EXPECT_EQ(QuotePrefix("worker-1"), "\"worker-1\"");
  EXPECT_EQ(QuotePrefix(std::string("a\0b\n\"\\\x7f", 7)), "\"a\\x00b\\x0a\\x22\\x5c\\x7f\"");
  EXPECT_EQ(QuotePrefix(std::string(40, 'x')), "\"" + std::string(40, 'x') + "\"");
  EXPECT_EQ(QuotePrefix(std::string(1 << 20, 'x')),
            "\"" + std::string(40, 'x') + "\"... (1048576 bytes)");
  // Binary input: 40 bytes shown, each control byte as its escape.
  const std::string quoted = QuotePrefix(std::string(1000, '\x01'));
  EXPECT_EQ(quoted.size(), 2 + 40 * 4 + std::string("... (1000 bytes)").size());
  EXPECT_EQ(quoted.find('\x01'), std::string::npos);
  // Characters, not bytes: a multi-byte character is never cut, invalid UTF-8 is escaped, so the
  // quote is valid UTF-8 (it goes into status messages and proto strings).
  std::string umlauts;
  for (int i = 0; i < 50; ++i) umlauts += "\xC3\xBC";
  EXPECT_EQ(QuotePrefix(umlauts), "\"" + umlauts.substr(0, 80) + "\"... (100 bytes)");
  EXPECT_EQ(QuotePrefix("ok\xFF\xC3"), "\"ok\\xff\\xc3\"");
}

TEST(WorkerToken, NewTokensHaveTheDocumentedFormatAndDiffer) {
  std::set<std::string> seen;
  for (int i = 0; i < 200; ++i) {
    absl::StatusOr<std::string> token = NewWorkerToken();
    ASSERT_TRUE(token.ok()) << token.status();
    ASSERT_EQ(token->rfind(kWorkerTokenPrefix, 0), 0u) << *token;
    ASSERT_EQ(token->size(), 54u) << *token;  // prefix + 43 base64url characters of 32 bytes
    EXPECT_EQ(token->find_first_not_of(
                  "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_", 11),
              std::string::npos)
        << *token;
    EXPECT_TRUE(ValidateTokenText(*token).ok());
    seen.insert(*token);
  }
  EXPECT_EQ(seen.size(), 200u);
}

TEST(WorkerToken, Sha256HexMatchesKnownVectors) {
  EXPECT_EQ(TokenSha256Hex("abc"),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  EXPECT_EQ(TokenSha256Hex(""),
            "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  EXPECT_EQ(TokenId(TokenSha256Hex("abc")), "ba7816bf8f01");
}

TEST(WorkerToken, ValidateTokenTextLimits) {
  EXPECT_TRUE(ValidateTokenText(std::string(kMaxTokenLength, 'a')).ok());
  const std::string secret = "s3cr3t" + std::string(kMaxTokenLength, 'a');
  for (const std::string& bad : std::vector<std::string>{
           std::string(), secret, "s3cr3t token", "s3cr3t\n", "s3cr3t\x7f", "s3cr3t\xc3\xa9",
        std::string("s3cr3t\0", 7)}) {
    absl::Status s = ValidateTokenText(bad);
    EXPECT_EQ(s.code(), absl::StatusCode::kUnauthenticated) << QuotePrefix(bad);
    EXPECT_THAT(s.message(), Not(HasSubstr("s3cr3t")));
  }
}

}  // namespace
}  // namespace edgectl::auth
