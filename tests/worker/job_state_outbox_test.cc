// JobStateOutbox (sequence numbers, keep-and-resend on UNAVAILABLE) and LogShipper
// (batching, acknowledgement by stored offset) against a fake SidecarClient.
#include "worker/job_state_outbox.h"

#include <deque>

#include "gtest/gtest.h"
#include "worker/log_shipper.h"

namespace edgectl::worker {
namespace {

class FakeSidecarClient : public SidecarClient {
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
  absl::StatusOr<v1::JobStateAck> ReportJobState(const v1::JobStateReport& report) override {
    if (!report_errors.empty()) {
      absl::Status s = report_errors.front();
      report_errors.pop_front();
      if (!s.ok()) return s;
    }
    reports.push_back(report);
    return v1::JobStateAck();
  }
  absl::StatusOr<v1::PushLogsReply> PushLogs(const std::vector<v1::LogChunk>& chunks) override {
    pushes.push_back(chunks);
    if (!push_error.ok()) return push_error;
    v1::PushLogsReply reply;
    for (const auto& c : chunks) {
      v1::LogOffset* o = reply.add_stored();
      *o->mutable_key() = c.key();
      o->set_offset(c.offset() + c.data().size());
    }
    return reply;
  }
  void Connect(const v1::ConnectRequest&, EventHandler, EndHandler) override {}
  void Disconnect() override {}

  std::deque<absl::Status> report_errors;
  std::vector<v1::JobStateReport> reports;
  absl::Status push_error;
  std::vector<std::vector<v1::LogChunk>> pushes;
};

v1::JobStateReport Report(const std::string& task, const std::string& state) {
  v1::JobStateReport r;
  r.mutable_key()->set_task_id(task);
  r.set_state(state);
  return r;
}

TEST(JobStateOutboxTest, KeepsOrderAndSequenceAcrossUnavailable) {
  FakeSidecarClient client;
  JobStateOutbox outbox;
  outbox.Enqueue(Report("a", "running"));
  outbox.Enqueue(Report("a", "success"));
  client.report_errors = {absl::OkStatus(), absl::UnavailableError("down")};
  EXPECT_EQ(outbox.Flush(client).code(), absl::StatusCode::kUnavailable);
  EXPECT_EQ(outbox.size(), 1u);
  outbox.Enqueue(Report("b", "running"));
  EXPECT_TRUE(outbox.Flush(client).ok());
  ASSERT_EQ(client.reports.size(), 3u);
  EXPECT_EQ(client.reports[0].sequence(), 1u);
  EXPECT_EQ(client.reports[1].state(), "success");
  EXPECT_EQ(client.reports[1].sequence(), 2u);  // the same sequence as the failed attempt
  EXPECT_EQ(client.reports[2].sequence(), 3u);
}

TEST(JobStateOutboxTest, DropsReportsTheSidecarRejects) {
  FakeSidecarClient client;
  JobStateOutbox outbox;
  outbox.Enqueue(Report("a", "bogus"));
  outbox.Enqueue(Report("b", "running"));
  client.report_errors = {absl::InvalidArgumentError("bad state")};
  EXPECT_TRUE(outbox.Flush(client).ok());
  EXPECT_TRUE(outbox.empty());
  ASSERT_EQ(client.reports.size(), 1u);
  EXPECT_EQ(client.reports[0].key().task_id(), "b");
}

class FrozenClock : public Clock {
 public:
  absl::Time Now() override { return absl::FromUnixSeconds(1700000000); }
};

TEST(LogShipperTest, BatchesJobsAndResendsUnchangedAfterFailure) {
  const std::string dir = getenv("TEST_TMPDIR");
  FrozenClock clock;
  LogTailer a(dir + "/a.log", 100, 100, &clock), b(dir + "/b.log", 100, 100, &clock);
  a.AppendText("from a");
  b.AppendText("from b");
  v1::JobKey ka, kb;
  ka.set_task_id("a");
  kb.set_task_id("b");
  FakeSidecarClient client;
  LogShipper shipper("w", 1 << 20);
  client.push_error = absl::UnavailableError("down");
  EXPECT_FALSE(shipper.ShipOnce(client, {{&ka, &a}, {&kb, &b}}).ok());
  EXPECT_TRUE(a.HasPending());
  client.push_error = absl::OkStatus();
  EXPECT_TRUE(shipper.ShipOnce(client, {{&ka, &a}, {&kb, &b}}).ok());
  EXPECT_FALSE(a.HasPending());
  EXPECT_FALSE(b.HasPending());
  ASSERT_EQ(client.pushes.size(), 2u);
  ASSERT_EQ(client.pushes[0].size(), 2u);  // one call for both jobs
  EXPECT_EQ(client.pushes[0][0].SerializeAsString(), client.pushes[1][0].SerializeAsString());
  EXPECT_EQ(client.pushes[1][1].worker_name(), "w");
}

TEST(LogShipperTest, RespectsTheBatchLimit) {
  const std::string dir = getenv("TEST_TMPDIR");
  FrozenClock clock;
  LogTailer a(dir + "/c.log", 100, 100, &clock);
  a.AppendText("0123456789");
  a.AppendText("0123456789");
  v1::JobKey ka;
  FakeSidecarClient client;
  LogShipper shipper("w", 15);
  EXPECT_TRUE(shipper.ShipOnce(client, {{&ka, &a}}).ok());
  EXPECT_EQ(client.pushes[0].size(), 1u);
  EXPECT_TRUE(a.HasPending());
}

}  // namespace
}  // namespace edgectl::worker
