// ReportJobState dedupe by sequence, PushLogs conversion / slicing / idempotent re-send, and
// state_change events after a central UPDATE of edge_worker, through the real sidecar.
#include <gtest/gtest.h>

#include <pqxx/pqxx>

#include "controlplane/pg_sidecar_store.h"
#include "controlplane/proto_convert.h"
#include "tests/controlplane/sidecar_harness.h"
#include "tests/fixtures/edge_database.h"

namespace edgectl::testing {
namespace {

using Endpoint = FakeEdgeApi::Endpoint;

class JobStateLogsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dsn_ = CreateEdgeDatabase("cp_state_logs");
    ASSERT_FALSE(dsn_.empty());
    api_ = std::make_shared<FakeEdgeApi>(dsn_);
    auto options = TestOptions(dsn_);
    options.push_log_chunk_size = 8;
    sidecar_ = std::make_unique<Sidecar>(dsn_, api_, options);
    ASSERT_TRUE(sidecar_->Start());
  }

  v1::EdgeWorkerService::Stub* stub() { return sidecar_->StubFor("w1"); }

  // A queued job as jobs/fetch leaves it for `worker`: 'restarting', claimed, not confirmed.
  v1::JobKey Fetched(const std::string& task_id, const std::string& worker = "w1") {
    const v1::JobKey key = EnqueueJob(dsn_, task_id);
    Exec(dsn_, "UPDATE edge_job SET state = 'restarting', edge_worker = '" + worker +
                   "' WHERE task_id = '" + task_id + "'");
    return key;
  }

  grpc::Status Claim(const v1::JobKey& key, v1::JobClaimReply* reply,
                     const std::string& worker = "w1") {
    v1::JobClaim claim;
    claim.set_worker_name(worker);
    *claim.mutable_key() = key;
    grpc::ClientContext ctx;
    return sidecar_->StubFor(worker)->ClaimJob(&ctx, claim, reply);
  }

  grpc::Status Report(const v1::JobKey& key, const std::string& state, uint64_t sequence,
                      v1::JobStateAck* ack) {
    v1::JobStateReport report;
    report.set_worker_name("w1");
    *report.mutable_key() = key;
    report.set_state(state);
    report.set_sequence(sequence);
    report.set_free_concurrency(1);
    grpc::ClientContext ctx;
    return stub()->ReportJobState(&ctx, report, ack);
  }

  static v1::LogChunk Chunk(const v1::JobKey& key, uint64_t offset, const std::string& data,
                            int64_t micros) {
    v1::LogChunk c;
    c.set_worker_name("w1");
    *c.mutable_key() = key;
    c.set_offset(offset);
    c.set_data(data);
    c.mutable_chunk_time()->set_seconds(micros / 1000000);
    c.mutable_chunk_time()->set_nanos(static_cast<int32_t>(micros % 1000000) * 1000);
    return c;
  }

  grpc::Status Push(const std::vector<v1::LogChunk>& chunks, v1::PushLogsReply* reply) {
    grpc::ClientContext ctx;
    auto writer = stub()->PushLogs(&ctx, reply);
    for (const v1::LogChunk& c : chunks) {
      if (!writer->Write(c)) break;
    }
    writer->WritesDone();
    return writer->Finish();
  }

  // edge_logs rows of the task as (microseconds since epoch, text), in time order.
  std::vector<std::pair<int64_t, std::string>> LogRows(const std::string& task_id) {
    pqxx::connection c(dsn_);
    pqxx::read_transaction tx(c);
    std::vector<std::pair<int64_t, std::string>> rows;
    for (const pqxx::row& r : tx.exec_params(
             "SELECT ((EXTRACT(EPOCH FROM log_chunk_time) * 1000000)::numeric(30,0))::bigint, "
             "log_chunk_data FROM edge_logs WHERE task_id = $1 ORDER BY log_chunk_time",
             task_id)) {
      rows.emplace_back(r[0].as<int64_t>(), r[1].as<std::string>());
    }
    return rows;
  }

  std::string dsn_;
  std::shared_ptr<FakeEdgeApi> api_;
  std::unique_ptr<Sidecar> sidecar_;
};

TEST_F(JobStateLogsTest, ReportsAreDedupedBySequence) {
  const v1::JobKey key = Fetched("t1");
  v1::JobStateAck ack;
  ASSERT_TRUE(Report(key, "running", 5, &ack).ok());
  EXPECT_FALSE(ack.duplicate());
  EXPECT_EQ(ack.applied_sequence(), 5u);
  EXPECT_EQ(JobRow(dsn_, "t1").first, "running");

  ASSERT_TRUE(Report(key, "running", 5, &ack).ok());  // resent after a reconnect
  EXPECT_TRUE(ack.duplicate());
  ASSERT_TRUE(Report(key, "success", 4, &ack).ok());  // older than what was applied
  EXPECT_TRUE(ack.duplicate());
  EXPECT_EQ(ack.applied_sequence(), 5u);
  // "running" confirmed the claim in the database (one conditional UPDATE): no REST call.
  EXPECT_EQ(api_->Calls(Endpoint::kSetJobState), 0);
  EXPECT_EQ(JobRow(dsn_, "t1").first, "running");

  // A report Airflow did not take is applied when resent with the same sequence.
  api_->FailNext(Endpoint::kSetJobState, absl::UnavailableError("HTTP 503"));
  grpc::Status s = Report(key, "success", 6, &ack);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::UNAVAILABLE);
  ASSERT_TRUE(Report(key, "success", 6, &ack).ok());
  EXPECT_FALSE(ack.duplicate());
  EXPECT_EQ(ack.applied_sequence(), 6u);
  EXPECT_EQ(JobRow(dsn_, "t1").first, "success");
}

TEST_F(JobStateLogsTest, RejectsStatesAWorkerDoesNotReport) {
  const v1::JobKey key = Fetched("t1");
  v1::JobStateAck ack;
  grpc::Status s = Report(key, "queued", 1, &ack);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_EQ(api_->Calls(Endpoint::kSetJobState), 0);
}

TEST_F(JobStateLogsTest, LogBytesBecomeEdge3TextInSlices) {
  const v1::JobKey key = Fetched("t1");
  const int64_t t0 = 1767225600000000;  // 2026-01-01T00:00:00Z
  // 16 bytes -> "line\xff" escaped (8 chars: l,i,n,e,\,x,f,f) + U+FFFD + "ok\n" + "é" ...
  const std::string data = std::string("line\xFF", 5) + std::string("\0", 1) + "ok\n\xC3\xA9";
  v1::PushLogsReply reply;
  ASSERT_TRUE(Push({Chunk(key, 0, data, t0)}, &reply).ok());
  ASSERT_EQ(reply.stored_size(), 1);
  EXPECT_EQ(reply.stored(0).offset(), data.size());
  EXPECT_EQ(reply.stored(0).key().task_id(), "t1");
  const auto rows = LogRows("t1");
  ASSERT_EQ(rows.size(), 2u);
  EXPECT_EQ(rows[0], std::make_pair(t0, std::string("line\\xff")));
  EXPECT_EQ(rows[1], std::make_pair(t0 + 1, std::string("\xEF\xBF\xBDok\n\xC3\xA9")));
}

TEST_F(JobStateLogsTest, ResentChunksAreNotStoredTwice) {
  const v1::JobKey key = Fetched("t1");
  const int64_t t0 = 1767225600000000;
  const v1::LogChunk a = Chunk(key, 0, "first line\n", t0);           // 11 chars: 2 slices
  const v1::LogChunk b = Chunk(key, 11, "second\n", t0 + 10);
  v1::PushLogsReply reply;
  ASSERT_TRUE(Push({a}, &reply).ok());
  const int pushes = api_->Calls(Endpoint::kPushLogs);
  EXPECT_EQ(pushes, 2);
  // The worker did not see the reply and re-sends a with b: only b is new.
  ASSERT_TRUE(Push({a, b}, &reply).ok());
  EXPECT_EQ(api_->Calls(Endpoint::kPushLogs), pushes + 1);
  ASSERT_EQ(reply.stored_size(), 1);
  EXPECT_EQ(reply.stored(0).offset(), 18u);
  std::string text;
  for (const auto& row : LogRows("t1")) text += row.second;
  EXPECT_EQ(text, "first line\nsecond\n");
}

TEST_F(JobStateLogsTest, FailedPushReportsTheErrorAndLosesNothing) {
  const v1::JobKey key = Fetched("t1");
  const int64_t t0 = 1767225600000000;
  api_->FailNext(Endpoint::kPushLogs, absl::UnavailableError("HTTP 503"));
  v1::PushLogsReply reply;
  grpc::Status s = Push({Chunk(key, 0, "abc\n", t0)}, &reply);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::UNAVAILABLE);
  ASSERT_TRUE(Push({Chunk(key, 0, "abc\n", t0)}, &reply).ok());
  ASSERT_EQ(LogRows("t1").size(), 1u);
  EXPECT_EQ(LogRows("t1")[0].second, "abc\n");
}

TEST_F(JobStateLogsTest, AClaimIsDecidedOnceInTheDatabase) {
  const v1::JobKey key = Fetched("t1");
  v1::JobClaimReply reply;
  ASSERT_TRUE(Claim(key, &reply).ok());
  EXPECT_TRUE(reply.granted());
  EXPECT_EQ(JobRow(dsn_, "t1"), std::make_pair(std::string("running"), std::string("w1")));
  // Asked again (the first answer was lost): still granted, nothing changes.
  ASSERT_TRUE(Claim(key, &reply).ok());
  EXPECT_TRUE(reply.granted());
  // A confirmed job is never taken back by a requeue.
  controlplane::PgSidecarStore store(dsn_, 1);
  absl::StatusOr<bool> requeued = store.RequeueJob(controlplane::FromProto(key), "w1");
  ASSERT_TRUE(requeued.ok());
  EXPECT_FALSE(*requeued);
  EXPECT_EQ(JobRow(dsn_, "t1").first, "running");

  // The other way round: taken back first, the late claim is refused and names why.
  const v1::JobKey late = Fetched("t2");
  requeued = store.RequeueJob(controlplane::FromProto(late), "w1");
  ASSERT_TRUE(requeued.ok());
  EXPECT_TRUE(*requeued);
  ASSERT_TRUE(Claim(late, &reply).ok());
  EXPECT_FALSE(reply.granted());
  EXPECT_EQ(reply.current_state(), "queued");
  EXPECT_EQ(JobRow(dsn_, "t2"), std::make_pair(std::string("queued"), std::string("")));
  // Another worker cannot claim w1's job.
  const v1::JobKey theirs = Fetched("t3");
  ASSERT_TRUE(Claim(theirs, &reply, "w2").ok());
  EXPECT_FALSE(reply.granted());
  EXPECT_EQ(reply.current_worker(), "w1");
  EXPECT_EQ(JobRow(dsn_, "t3"), std::make_pair(std::string("restarting"), std::string("w1")));
}

TEST_F(JobStateLogsTest, ALateReportDoesNotOverwriteWhatAirflowDecided) {
  const v1::JobKey key = Fetched("t1");
  v1::JobStateAck ack;
  ASSERT_TRUE(Report(key, "running", 1, &ack).ok());
  // Airflow gave up on the job meanwhile (its orphan check failed it) ...
  Exec(dsn_, "UPDATE edge_job SET state = 'failed' WHERE task_id = 't1'");
  // ... so the worker's late "success" is acknowledged as superseded and not applied.
  ASSERT_TRUE(Report(key, "success", 2, &ack).ok());
  EXPECT_TRUE(ack.superseded());
  EXPECT_EQ(ack.current_state(), "failed");
  EXPECT_EQ(JobRow(dsn_, "t1").first, "failed");
  EXPECT_EQ(api_->Calls(Endpoint::kSetJobState), 0);
  // A job that is gone (purged) is superseded too, not an error the worker would retry.
  const v1::JobKey gone = Fetched("t2");
  Exec(dsn_, "DELETE FROM edge_job WHERE task_id = 't2'");
  ASSERT_TRUE(Report(gone, "failed", 3, &ack).ok());
  EXPECT_TRUE(ack.superseded());
  EXPECT_EQ(ack.current_state(), "");
}

TEST_F(JobStateLogsTest, AWorkerCannotReportOrLogAnotherWorkersJob) {
  const v1::JobKey theirs = Fetched("t1", "w2");
  v1::JobStateReport report;
  report.set_worker_name("w1");
  *report.mutable_key() = theirs;
  report.set_state("failed");
  report.set_sequence(1);
  v1::JobStateAck ack;
  grpc::ClientContext ctx;
  grpc::Status s = stub()->ReportJobState(&ctx, report, &ack);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::PERMISSION_DENIED) << s.error_message();
  // Claiming to be w2 with w1's token does not help.
  report.set_worker_name("w2");
  grpc::ClientContext ctx2;
  s = stub()->ReportJobState(&ctx2, report, &ack);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::PERMISSION_DENIED) << s.error_message();
  EXPECT_NE(s.error_message().find("may act only as itself"), std::string::npos);
  EXPECT_EQ(JobRow(dsn_, "t1"), std::make_pair(std::string("restarting"), std::string("w2")));

  v1::PushLogsReply reply;
  ASSERT_TRUE(Push({Chunk(theirs, 0, "forged\n", 1767225600000000)}, &reply).ok());
  EXPECT_EQ(reply.stored_size(), 0);
  ASSERT_EQ(reply.refused_size(), 1);
  EXPECT_EQ(reply.refused(0).code(), static_cast<int>(absl::StatusCode::kPermissionDenied));
  EXPECT_TRUE(LogRows("t1").empty());
  EXPECT_EQ(api_->Calls(Endpoint::kSetJobState), 0);
  EXPECT_EQ(api_->Calls(Endpoint::kPushLogs), 0);
}

TEST_F(JobStateLogsTest, AResentChunkWithOtherBytesIsRefusedNotDropped) {
  const v1::JobKey key = Fetched("t1");
  const int64_t t0 = 1767225600000000;
  v1::PushLogsReply reply;
  ASSERT_TRUE(Push({Chunk(key, 0, "abc\n", t0)}, &reply).ok());
  v1::PushLogsReply again;
  ASSERT_TRUE(Push({Chunk(key, 0, "xyz\n", t0), Chunk(key, 4, "more\n", t0 + 10)}, &again).ok());
  ASSERT_EQ(again.refused_size(), 1);
  EXPECT_EQ(again.refused(0).code(), static_cast<int>(absl::StatusCode::kInvalidArgument));
  EXPECT_EQ(again.refused(0).offset(), 0u);
  EXPECT_NE(again.refused(0).message().find("different text"), std::string::npos);
  // The stream's other chunks go on.
  ASSERT_EQ(again.stored_size(), 1);
  EXPECT_EQ(again.stored(0).offset(), 9u);
  std::string text;
  for (const auto& row : LogRows("t1")) text += row.second;
  EXPECT_EQ(text, "abc\nmore\n");
}

TEST_F(JobStateLogsTest, CentralStateChangeIsPushedToTheWorker) {
  ASSERT_TRUE(RegisterWorker(*stub(), "w1", std::vector<std::string>{"default"}).ok());
  ConnectClient client(stub(), ConnectRequestFor("w1", 2, std::nullopt));
  ASSERT_TRUE(client.WaitForEvent([](const v1::ServerEvent& e) { return e.has_welcome(); }));
  Exec(dsn_, "UPDATE edge_worker SET state = 'maintenance request', "
             "maintenance_comment = 'kernel update' WHERE worker_name = 'w1'");
  ASSERT_TRUE(client.WaitForEvent([](const v1::ServerEvent& e) {
    return e.has_state_change() && e.state_change().state() == "maintenance request";
  }));
  Exec(dsn_, "UPDATE edge_worker SET queues = '[''default'', ''gpu'']', concurrency = 4 "
             "WHERE worker_name = 'w1'");
  ASSERT_TRUE(client.WaitForEvent([](const v1::ServerEvent& e) {
    return e.has_state_change() && e.state_change().concurrency() == 4 &&
           e.state_change().queues().names_size() == 2;
  }));
  size_t changes = 0;
  for (const v1::ServerEvent& e : client.Events()) changes += e.has_state_change();
  EXPECT_EQ(changes, 2u);  // one event per change, not one per poll
  const v1::ServerEvent first_change = client.Events()[1];
  EXPECT_EQ(first_change.state_change().maintenance_comments(), "kernel update");
}

}  // namespace
}  // namespace edgectl::testing
