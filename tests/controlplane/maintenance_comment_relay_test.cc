// MaintenanceCommentRelay against an in-memory API server with the comment rule of edge3's
// routes before 3.6 (every reported comment appended): a worker echoing its comment on every
// heartbeat, a repeat after a failed call, a restart of the sidecar and a comment given again
// after maintenance ended each leave the comment stored exactly once.
#include "controlplane/maintenance_comment_relay.h"

#include <memory>
#include <optional>
#include <string>

#include "gtest/gtest.h"

namespace edgectl::controlplane {
namespace {

// Stores one worker's comment by the append-always rule; fails the next call when told to.
class AppendingApi final : public bridge::EdgeApi {
 public:
  std::optional<std::string> stored;
  int calls_with_comment = 0;
  bool fail_next = false;

  absl::StatusOr<bridge::WorkerRegistrationReturn> RegisterWorker(
      const std::string&, const bridge::WorkerStateBody& body) override {
    if (absl::Status s = Apply(body); !s.ok()) return s;
    return bridge::WorkerRegistrationReturn{};
  }
  absl::StatusOr<bridge::WorkerSetStateReturn> SetState(
      const std::string&, const bridge::WorkerStateBody& body) override {
    if (absl::Status s = Apply(body); !s.ok()) return s;
    bridge::WorkerSetStateReturn reply;
    reply.state = body.state;
    reply.maintenance_comments = stored;
    return reply;
  }
  absl::Status UpdateQueues(const std::string&, const std::optional<std::vector<std::string>>&,
                            const std::optional<std::vector<std::string>>&) override {
    return absl::OkStatus();
  }
  absl::StatusOr<std::optional<bridge::EdgeJobFetched>> FetchJob(
      const std::string&, const bridge::FetchRequest&) override {
    return std::nullopt;
  }
  absl::Status SetJobState(const bridge::JobKey&, const std::string&) override {
    return absl::OkStatus();
  }
  absl::StatusOr<std::string> LogfilePath(const bridge::JobKey&) override { return ""; }
  absl::Status PushLogs(const bridge::JobKey&, absl::Time, const std::string&) override {
    return absl::OkStatus();
  }
  absl::StatusOr<std::map<std::string, std::string>> Health() override {
    return std::map<std::string, std::string>{};
  }

 private:
  absl::Status Apply(const bridge::WorkerStateBody& body) {
    if (fail_next) {
      fail_next = false;
      return absl::UnavailableError("connection reset");
    }
    if (body.maintenance_comments.has_value() && !body.maintenance_comments->empty()) {
      ++calls_with_comment;
      stored = stored.has_value() ? *stored + "\n\n" + *body.maintenance_comments
                                  : *body.maintenance_comments;
    }
    return absl::OkStatus();
  }
};

bridge::WorkerStateBody Body(std::optional<std::string> comment) {
  bridge::WorkerStateBody body;
  body.state = comment.has_value() ? "maintenance mode" : "idle";
  body.maintenance_comments = std::move(comment);
  return body;
}

class MaintenanceCommentRelayTest : public ::testing::Test {
 protected:
  MaintenanceCommentRelayTest()
      : api_(std::make_shared<AppendingApi>()),
        relay_(std::make_unique<MaintenanceCommentRelay>(api_, Reader())) {}

  MaintenanceCommentRelay::StoredCommentReader Reader() {
    return [this](const std::string&) -> absl::StatusOr<std::optional<std::string>> {
      ++reads_;
      if (reader_fails_) return absl::UnavailableError("database down");
      return api_->stored;
    };
  }

  std::shared_ptr<AppendingApi> api_;
  std::unique_ptr<MaintenanceCommentRelay> relay_;
  int reads_ = 0;
  bool reader_fails_ = false;
};

TEST_F(MaintenanceCommentRelayTest, EchoedCommentIsStoredOnceOverManyHeartbeats) {
  ASSERT_TRUE(relay_->RegisterWorker("w", Body(std::nullopt)).ok());
  ASSERT_TRUE(relay_->SetState("w", Body("swap disk")).ok());
  for (int i = 0; i < 20; ++i) {
    // The worker sends back what the last reply said.
    absl::StatusOr<bridge::WorkerSetStateReturn> reply = relay_->SetState("w", Body(api_->stored));
    ASSERT_TRUE(reply.ok()) << reply.status();
  }
  EXPECT_EQ(api_->stored, "swap disk");
  EXPECT_EQ(api_->calls_with_comment, 1);
}

TEST_F(MaintenanceCommentRelayTest, AFailedCallIsRepeatedWithTheCommentAndStoredOnce) {
  api_->fail_next = true;
  EXPECT_FALSE(relay_->SetState("w", Body("swap disk")).ok());
  EXPECT_EQ(api_->stored, std::nullopt);
  ASSERT_TRUE(relay_->SetState("w", Body("swap disk")).ok());  // not lost
  ASSERT_TRUE(relay_->SetState("w", Body("swap disk")).ok());  // a repeat without echo
  EXPECT_EQ(api_->stored, "swap disk");
}

TEST_F(MaintenanceCommentRelayTest, AfterARestartTheStoredCommentIsReadNotAppended) {
  ASSERT_TRUE(relay_->SetState("w", Body("swap disk")).ok());
  relay_ = std::make_unique<MaintenanceCommentRelay>(api_, Reader());  // a new sidecar
  ASSERT_TRUE(relay_->RegisterWorker("w", Body("swap disk")).ok());
  ASSERT_TRUE(relay_->SetState("w", Body("swap disk")).ok());
  EXPECT_EQ(api_->stored, "swap disk");
  EXPECT_GE(reads_, 1);
}

TEST_F(MaintenanceCommentRelayTest, ANewCommentIsDeliveredAndTheSameTextAgainAfterMaintenance) {
  ASSERT_TRUE(relay_->SetState("w", Body("swap disk")).ok());
  ASSERT_TRUE(relay_->SetState("w", Body("new fan")).ok());
  EXPECT_EQ(api_->stored, "swap disk\n\nnew fan");
  api_->stored.reset();  // maintenance ended (exit clears it)
  ASSERT_TRUE(relay_->SetState("w", Body(std::nullopt)).ok());
  ASSERT_TRUE(relay_->SetState("w", Body("new fan")).ok());  // entered again, same words
  EXPECT_EQ(api_->stored, "new fan");
}

TEST_F(MaintenanceCommentRelayTest, WhenTheStoredCommentCannotBeReadTheCommentIsStillSent) {
  reader_fails_ = true;
  ASSERT_TRUE(relay_->RegisterWorker("w", Body("swap disk")).ok());
  EXPECT_EQ(api_->stored, "swap disk");  // better stored twice than lost
}

}  // namespace
}  // namespace edgectl::controlplane
