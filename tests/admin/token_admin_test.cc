// TokenAdmin (`edgectl token issue / list / revoke`) against a real PostgreSQL holding edgectl's
// table edgectl_worker_token: only the SHA-256 of a token is stored, listings show ids, revoking
// works per worker and per token id prefix, refusals carry their codes.
#include "controlplane/admin/token_admin.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <memory>
#include <set>
#include <string>
#include <vector>

#include <pqxx/pqxx>

#include "absl/strings/ascii.h"
#include "absl/time/clock.h"
#include "controlplane/auth/worker_token.h"
#include "tests/fixtures/edge_database.h"
#include "tests/fixtures/postgres_server.h"

namespace edgectl::admin {
namespace {

using ::testing::HasSubstr;

class TokenAdminTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dsn_ = edgectl::testing::CreateEdgeDatabase("tokens");
    ASSERT_FALSE(dsn_.empty());
    conn_ = std::make_unique<pqxx::connection>(dsn_);
    admin_ = std::make_unique<TokenAdmin>(*conn_);
  }

  IssuedToken Issue(const std::string& worker) {
    absl::StatusOr<IssuedToken> issued = admin_->Issue(worker);
    EXPECT_TRUE(issued.ok()) << issued.status();
    return issued.value_or(IssuedToken{});
  }

  // Every row of the table as PostgreSQL prints it, columns and all.
  std::vector<std::string> RowsAsText() {
    pqxx::read_transaction tx(*conn_);
    std::vector<std::string> rows;
    for (const pqxx::row& r : tx.exec("SELECT t::text FROM edgectl_worker_token t")) {
      rows.push_back(r[0].as<std::string>());
    }
    return rows;
  }

  std::vector<std::string> IdsOf(const std::string& worker) {
    absl::StatusOr<std::vector<TokenListing>> listing = admin_->List(worker);
    EXPECT_TRUE(listing.ok()) << listing.status();
    std::vector<std::string> ids;
    for (const TokenListing& l : listing.value_or(std::vector<TokenListing>{})) {
      ids.push_back(l.token_id);
    }
    return ids;
  }

  std::string dsn_;
  std::unique_ptr<pqxx::connection> conn_;
  std::unique_ptr<TokenAdmin> admin_;
};

TEST_F(TokenAdminTest, IssueStoresOnlyTheHash) {
  const IssuedToken issued = Issue("w1");
  ASSERT_EQ(issued.token.rfind(auth::kWorkerTokenPrefix, 0), 0u) << issued.token;
  const std::string hash = auth::TokenSha256Hex(issued.token);
  EXPECT_EQ(issued.token_id, hash.substr(0, 12));

  std::vector<std::string> rows = RowsAsText();
  ASSERT_EQ(rows.size(), 1u);
  EXPECT_THAT(rows[0], HasSubstr(hash));
  EXPECT_THAT(rows[0], HasSubstr("w1"));
  const std::string secret_part = issued.token.substr(11);  // the random part
  for (const std::string& row : rows) {
    EXPECT_EQ(row.find(issued.token), std::string::npos) << row;
    EXPECT_EQ(row.find(secret_part), std::string::npos) << row;
  }
}

TEST_F(TokenAdminTest, AWorkerMayHoldSeveralTokens) {
  const IssuedToken a = Issue("w1");
  const IssuedToken b = Issue("w1");
  const IssuedToken c = Issue("w1");
  EXPECT_EQ((std::set<std::string>{a.token, b.token, c.token}).size(), 3u);
  EXPECT_EQ(IdsOf("w1"), (std::vector<std::string>{a.token_id, b.token_id, c.token_id}));
  EXPECT_EQ(RowsAsText().size(), 3u);
}

TEST_F(TokenAdminTest, ListShowsIdsNotTokensOldestFirst) {
  const absl::Time before = absl::Now() - absl::Seconds(5);
  const IssuedToken w1 = Issue("w1");
  const IssuedToken w2 = Issue("w2");
  const IssuedToken w1b = Issue("w1");
  absl::StatusOr<std::vector<TokenListing>> all = admin_->List("");
  ASSERT_TRUE(all.ok()) << all.status();
  ASSERT_EQ(all->size(), 3u);
  const std::vector<std::pair<std::string, IssuedToken>> expected = {
      {"w1", w1}, {"w2", w2}, {"w1", w1b}};
  for (size_t i = 0; i < expected.size(); ++i) {
    SCOPED_TRACE(i);
    const TokenListing& l = (*all)[i];
    EXPECT_EQ(l.worker_name, expected[i].first);
    EXPECT_EQ(l.token_id, expected[i].second.token_id);
    EXPECT_EQ(l.token_id.size(), 12u);
    EXPECT_EQ(expected[i].second.token.find(l.token_id), std::string::npos);
    EXPECT_GT(l.created_at, before);
    EXPECT_LT(l.created_at, absl::Now() + absl::Seconds(5));
  }
  EXPECT_EQ(IdsOf("w2"), std::vector<std::string>{w2.token_id});
  EXPECT_TRUE(IdsOf("nobody").empty());
}

TEST_F(TokenAdminTest, RevokeByWorkerDeletesAllItsTokensOnly) {
  Issue("w1");
  Issue("w1");
  const IssuedToken other = Issue("w2");
  absl::StatusOr<int> revoked = admin_->Revoke("w1", "");
  ASSERT_TRUE(revoked.ok()) << revoked.status();
  EXPECT_EQ(*revoked, 2);
  EXPECT_TRUE(IdsOf("w1").empty());
  EXPECT_EQ(IdsOf("w2"), std::vector<std::string>{other.token_id});

  absl::StatusOr<int> again = admin_->Revoke("w1", "");
  EXPECT_EQ(again.status().code(), absl::StatusCode::kNotFound);
  EXPECT_THAT(again.status().message(), HasSubstr("w1"));
}

TEST_F(TokenAdminTest, RevokeByTokenIdPrefix) {
  const IssuedToken keep1 = Issue("w");
  const IssuedToken drop = Issue("w");
  const IssuedToken keep2 = Issue("w");
  const IssuedToken foreign = Issue("x");
  // A prefix of the id, in any case, as an operator might type it.
  absl::StatusOr<int> revoked = admin_->Revoke("w", absl::AsciiStrToUpper(drop.token_id));
  ASSERT_TRUE(revoked.ok()) << revoked.status();
  EXPECT_EQ(*revoked, 1);
  EXPECT_EQ(IdsOf("w"), (std::vector<std::string>{keep1.token_id, keep2.token_id}));
  revoked = admin_->Revoke("w", keep1.token_id.substr(0, 8));
  ASSERT_TRUE(revoked.ok()) << revoked.status();
  EXPECT_EQ(*revoked, 1);
  EXPECT_EQ(IdsOf("w"), std::vector<std::string>{keep2.token_id});

  // Another worker's token id matches nothing of this worker's.
  absl::StatusOr<int> wrong = admin_->Revoke("w", foreign.token_id);
  EXPECT_EQ(wrong.status().code(), absl::StatusCode::kNotFound);
  EXPECT_THAT(wrong.status().message(), HasSubstr(foreign.token_id));
  EXPECT_EQ(IdsOf("x"), std::vector<std::string>{foreign.token_id});

  // Not hex: refused before it can act as a LIKE pattern.
  for (const char* bad : {"%", "_", "ab%", "xyz", "' OR ''='"}) {
    EXPECT_EQ(admin_->Revoke("w", bad).status().code(), absl::StatusCode::kInvalidArgument)
        << bad;
  }
  EXPECT_EQ(IdsOf("w"), std::vector<std::string>{keep2.token_id});
}

TEST_F(TokenAdminTest, UnknownWorkerIsNotFound) {
  Issue("w");
  absl::StatusOr<int> revoked = admin_->Revoke("ghost", "");
  EXPECT_EQ(revoked.status().code(), absl::StatusCode::kNotFound);
  EXPECT_THAT(revoked.status().message(), HasSubstr("ghost"));
  EXPECT_EQ(RowsAsText().size(), 1u);
}

TEST_F(TokenAdminTest, InvalidWorkerNamesAreRefused) {
  for (const std::string& bad :
       {std::string(), std::string(65, 'w'), std::string("a\nb"), std::string("a\0b", 3)}) {
    EXPECT_EQ(admin_->Issue(bad).status().code(), absl::StatusCode::kInvalidArgument);
    EXPECT_EQ(admin_->Revoke(bad, "").status().code(), absl::StatusCode::kInvalidArgument);
  }
  EXPECT_TRUE(RowsAsText().empty());
  // The limit counts characters: 64 two-byte characters fit.
  std::string wide;
  for (int i = 0; i < 64; ++i) wide += "\xC3\xA9";
  const IssuedToken issued = Issue(wide);
  EXPECT_EQ(IdsOf(wide), std::vector<std::string>{issued.token_id});
}

TEST_F(TokenAdminTest, MissingTableAsksForDbInit) {
  {
    pqxx::work tx(*conn_);
    tx.exec0("DROP TABLE edgectl_worker_token");
    tx.commit();
  }
  for (const absl::Status& s : {admin_->Issue("w").status(), admin_->List("").status(),
                                admin_->Revoke("w", "").status()}) {
    EXPECT_EQ(s.code(), absl::StatusCode::kFailedPrecondition) << s;
    EXPECT_THAT(s.message(), HasSubstr("edgectl db init"));
  }
}

}  // namespace
}  // namespace edgectl::admin
