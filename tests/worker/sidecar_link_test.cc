// SidecarLink with a fake client and clock: welcome, events of replaced streams dropped,
// missing welcome timed out, backoff between attempts, NOT_FOUND asks for registration.
#include "worker/sidecar_link.h"

#include "gtest/gtest.h"
#include "tests/worker/manual_time.h"

namespace edgectl::worker {
namespace {

// Keeps the callbacks of every Connect so the test plays the reader thread.
class StreamRecordingClient : public SidecarClient {
 public:
  absl::StatusOr<v1::RegisterResponse> Register(const v1::RegisterRequest&) override {
    return v1::RegisterResponse();
  }
  absl::StatusOr<v1::HeartbeatResponse> Heartbeat(const v1::HeartbeatRequest&) override {
    return v1::HeartbeatResponse();
  }
  absl::StatusOr<v1::JobClaimReply> ClaimJob(const v1::JobClaim&) override {
    return absl::UnimplementedError("not used");
  }
  absl::StatusOr<v1::JobStateAck> ReportJobState(const v1::JobStateReport&) override {
    return v1::JobStateAck();
  }
  absl::StatusOr<v1::PushLogsReply> PushLogs(const std::vector<v1::LogChunk>&) override {
    return v1::PushLogsReply();
  }
  void Connect(const v1::ConnectRequest& request, EventHandler on_event,
               EndHandler on_end) override {
    requests.push_back(request);
    events.push_back(std::move(on_event));
    ends.push_back(std::move(on_end));
  }
  void Disconnect() override { ++disconnects; }

  std::vector<v1::ConnectRequest> requests;
  std::vector<EventHandler> events;
  std::vector<EndHandler> ends;
  int disconnects = 0;
};

v1::ServerEvent Welcome() {
  v1::ServerEvent e;
  e.mutable_welcome()->set_state("idle");
  return e;
}

class SidecarLinkTest : public ::testing::Test {
 protected:
  StreamRecordingClient client_;
  FakeClock clock_;
  HalfRandom random_;
  WakePipe wake_;
  SidecarLink link_{&client_, &clock_, &random_, &wake_};
};

TEST_F(SidecarLinkTest, ConnectsAndHandsOverEvents) {
  ASSERT_TRUE(link_.ConnectDue());
  link_.StartConnect(v1::ConnectRequest());
  EXPECT_FALSE(link_.ConnectDue());
  client_.events[0](Welcome());
  SidecarLink::Received received = link_.Take();
  ASSERT_EQ(received.events.size(), 1u);
  EXPECT_TRUE(received.events[0].has_welcome());
  EXPECT_FALSE(received.end.has_value());
  link_.OnWelcome();
  EXPECT_TRUE(link_.connected());
  EXPECT_TRUE(link_.Take().events.empty());
}

TEST_F(SidecarLinkTest, IgnoresCallbacksOfAReplacedStreamAndDropsUntakenEvents) {
  link_.StartConnect(v1::ConnectRequest());
  client_.events[0](Welcome());
  link_.MarkDisconnected(absl::UnavailableError("gone"), "sidecar:1");
  EXPECT_EQ(client_.disconnects, 1);
  EXPECT_TRUE(link_.Take().events.empty());  // arrived on the dead stream
  client_.ends[0](absl::CancelledError("late"));
  EXPECT_FALSE(link_.Take().end.has_value());
}

TEST_F(SidecarLinkTest, BacksOffBetweenAttemptsAndResetsOnWelcome) {
  link_.StartConnect(v1::ConnectRequest());
  link_.MarkDisconnected(absl::UnavailableError("refused"), "sidecar:1");
  EXPECT_FALSE(link_.ConnectDue());
  clock_.now += absl::Milliseconds(190);  // first delay: between 125 and 250 ms (0.5 -> 187.5)
  EXPECT_TRUE(link_.ConnectDue());
  link_.StartConnect(v1::ConnectRequest());
  link_.MarkDisconnected(absl::UnavailableError("refused"), "sidecar:1");
  clock_.now += absl::Milliseconds(190);
  EXPECT_FALSE(link_.ConnectDue());  // second delay is longer (312.5 ms)
  clock_.now += absl::Milliseconds(200);
  EXPECT_TRUE(link_.ConnectDue());
  link_.StartConnect(v1::ConnectRequest());
  link_.OnWelcome();
  link_.MarkDisconnected(absl::UnavailableError("again"), "sidecar:1");
  clock_.now += absl::Milliseconds(190);
  EXPECT_TRUE(link_.ConnectDue());  // reset by the welcome
}

TEST_F(SidecarLinkTest, MissingWelcomeCountsAsAFailedStream) {
  link_.StartConnect(v1::ConnectRequest());
  clock_.now += absl::Seconds(16);
  SidecarLink::Received received = link_.Take();
  ASSERT_TRUE(received.end.has_value());
  EXPECT_EQ(received.end->code(), absl::StatusCode::kUnavailable);
}

TEST_F(SidecarLinkTest, NotFoundAsksForANewRegistration) {
  link_.StartConnect(v1::ConnectRequest());
  EXPECT_FALSE(link_.need_register());
  link_.MarkDisconnected(absl::NotFoundError("unknown worker"), "sidecar:1");
  EXPECT_TRUE(link_.need_register());
  link_.Registered();
  EXPECT_FALSE(link_.need_register());
}

}  // namespace
}  // namespace edgectl::worker
