// The worker's relay client over a scripted stream: answers reach the request with their id in
// any order, a broken stream fails only the requests in flight and the next request opens a new
// one, a silent sidecar times out; and the loopback endpoint turns relay failures into the HTTP
// answers a Task SDK retries.
#include <httplib.h>

#include <deque>
#include <future>
#include <memory>
#include <string>

#include "absl/synchronization/mutex.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "worker/execution_relay/relay_client.h"
#include "worker/execution_relay/relay_http_endpoint.h"

namespace edgectl::worker {
namespace {

using ::testing::HasSubstr;

class ScriptedStream : public RelayStream {
 public:
  bool Write(const v1::ExecutionApiRequest& request) override {
    absl::MutexLock lock(&mu_);
    if (ended_) return false;
    written_.push_back(request);
    return true;
  }
  bool Read(v1::ExecutionApiResponse* response) override {
    absl::MutexLock lock(&mu_);
    auto ready = [this]() ABSL_SHARED_LOCKS_REQUIRED(mu_) { return ended_ || !answers_.empty(); };
    mu_.Await(absl::Condition(&ready));
    if (answers_.empty()) return false;
    *response = answers_.front();
    answers_.pop_front();
    return true;
  }
  void Cancel() override { End(absl::CancelledError("cancelled")); }
  absl::Status Finish() override {
    absl::MutexLock lock(&mu_);
    return end_status_;
  }

  void Answer(uint64_t id, int status) {
    absl::MutexLock lock(&mu_);
    v1::ExecutionApiResponse r;
    r.set_request_id(id);
    r.set_status(status);
    answers_.push_back(r);
  }
  void End(absl::Status why) {
    absl::MutexLock lock(&mu_);
    ended_ = true;
    end_status_ = why;
  }
  // Waits until `n` requests were written; returns them.
  std::vector<v1::ExecutionApiRequest> AwaitWritten(size_t n) {
    absl::MutexLock lock(&mu_);
    auto enough = [&]() ABSL_SHARED_LOCKS_REQUIRED(mu_) { return written_.size() >= n; };
    mu_.AwaitWithTimeout(absl::Condition(&enough), absl::Seconds(10));
    return written_;
  }

 private:
  absl::Mutex mu_;
  std::vector<v1::ExecutionApiRequest> written_ ABSL_GUARDED_BY(mu_);
  std::deque<v1::ExecutionApiResponse> answers_ ABSL_GUARDED_BY(mu_);
  bool ended_ ABSL_GUARDED_BY(mu_) = false;
  absl::Status end_status_ ABSL_GUARDED_BY(mu_);
};

class ScriptedFactory : public RelayStreamFactory {
 public:
  std::unique_ptr<RelayStream> OpenRelayStream() override {
    auto stream = std::make_unique<ScriptedStream>();
    absl::MutexLock lock(&mu_);
    opened_.push_back(stream.get());
    return stream;
  }
  size_t opened_count() {
    absl::MutexLock lock(&mu_);
    return opened_.size();
  }
  ScriptedStream* Opened(size_t i) {
    absl::MutexLock lock(&mu_);
    auto enough = [&]() ABSL_SHARED_LOCKS_REQUIRED(mu_) { return opened_.size() > i; };
    mu_.AwaitWithTimeout(absl::Condition(&enough), absl::Seconds(10));
    return opened_.size() > i ? opened_[i] : nullptr;
  }

 private:
  absl::Mutex mu_;
  std::vector<ScriptedStream*> opened_ ABSL_GUARDED_BY(mu_);
};

v1::ExecutionApiRequest Get(const std::string& path) {
  v1::ExecutionApiRequest r;
  r.set_method("GET");
  r.set_path(path);
  return r;
}

TEST(ExecutionApiRelayClient, AnswersFindTheirRequestsInAnyOrder) {
  ScriptedFactory factory;
  ExecutionApiRelayClient client(factory, {"w1", 8, absl::Seconds(10)});
  auto first = std::async(std::launch::async, [&] { return client.Call(Get("/execution/a")); });
  auto second = std::async(std::launch::async, [&] { return client.Call(Get("/execution/b")); });
  ScriptedStream* stream = factory.Opened(0);
  ASSERT_NE(stream, nullptr);
  std::vector<v1::ExecutionApiRequest> sent = stream->AwaitWritten(2);
  ASSERT_EQ(sent.size(), 2u);
  EXPECT_EQ(sent[0].worker_name(), "w1");
  EXPECT_NE(sent[0].request_id(), sent[1].request_id());
  // Answer in reverse order, each with a status derived from its path.
  for (int i = 1; i >= 0; --i) stream->Answer(sent[i].request_id(), sent[i].path() == "/execution/a" ? 201 : 202);
  EXPECT_EQ(first.get()->status(), 201);
  EXPECT_EQ(second.get()->status(), 202);
  EXPECT_EQ(factory.opened_count(), 1u);  // both went over one stream
}

TEST(ExecutionApiRelayClient, ABrokenStreamFailsOnlyWhatWasInFlightAndIsReopened) {
  ScriptedFactory factory;
  ExecutionApiRelayClient client(factory, {"w1", 8, absl::Seconds(10)});
  auto pending = std::async(std::launch::async, [&] { return client.Call(Get("/execution/a")); });
  ScriptedStream* first = factory.Opened(0);
  ASSERT_EQ(first->AwaitWritten(1).size(), 1u);
  first->End(absl::UnavailableError("sidecar restarted"));
  absl::StatusOr<v1::ExecutionApiResponse> failed = pending.get();
  EXPECT_EQ(failed.status().code(), absl::StatusCode::kUnavailable);
  EXPECT_THAT(failed.status().message(), HasSubstr("sidecar restarted"));

  auto next = std::async(std::launch::async, [&] { return client.Call(Get("/execution/b")); });
  ScriptedStream* second = factory.Opened(1);
  ASSERT_NE(second, nullptr);
  std::vector<v1::ExecutionApiRequest> sent = second->AwaitWritten(1);
  ASSERT_EQ(sent.size(), 1u);
  second->Answer(sent[0].request_id(), 204);
  EXPECT_EQ(next.get()->status(), 204);
}

TEST(ExecutionApiRelayClient, ASilentSidecarTimesOut) {
  ScriptedFactory factory;
  ExecutionApiRelayClient client(factory, {"w1", 8, absl::Milliseconds(200)});
  absl::StatusOr<v1::ExecutionApiResponse> r = client.Call(Get("/execution/a"));
  EXPECT_EQ(r.status().code(), absl::StatusCode::kDeadlineExceeded);
}

TEST(RelayHttpEndpoint, TasksGetAnswersTheirSdkRetries) {
  absl::Status next = absl::OkStatus();
  int relayed = 0;
  RelayHttpEndpoint endpoint([&](v1::ExecutionApiRequest request)
                                 -> absl::StatusOr<v1::ExecutionApiResponse> {
    ++relayed;
    if (!next.ok()) return next;
    v1::ExecutionApiResponse r;
    r.set_status(200);
    v1::HttpHeader* h = r.add_headers();
    h->set_name("content-type");
    h->set_value("application/json");
    r.set_body("{\"path\":\"" + request.path() + "\",\"query\":\"" + request.query() + "\"}");
    return r;
  });
  absl::StatusOr<int> port = endpoint.Start(0);
  ASSERT_TRUE(port.ok()) << port.status();
  httplib::Client http("127.0.0.1", *port);
  auto ok = http.Get("/execution/xcoms/a%2Fb?map_index=-1");
  ASSERT_TRUE(ok);
  EXPECT_EQ(ok->status, 200);
  EXPECT_EQ(ok->body, R"({"path":"/execution/xcoms/a%2Fb","query":"map_index=-1"})");  // raw target

  auto outside = http.Get("/api/v2/dags");
  ASSERT_TRUE(outside);
  EXPECT_EQ(outside->status, 403);
  EXPECT_EQ(relayed, 1);  // refused before the relay

  next = absl::UnavailableError("connection refused");
  auto down = http.Get("/execution/health");
  ASSERT_TRUE(down);
  EXPECT_EQ(down->status, 502);
  EXPECT_THAT(down->body, HasSubstr("sidecar could not be reached"));
  next = absl::DeadlineExceededError("no answer");
  EXPECT_EQ(http.Get("/execution/health")->status, 504);
  next = absl::ResourceExhaustedError("busy");
  auto busy = http.Get("/execution/health");
  EXPECT_EQ(busy->status, 503);
  EXPECT_EQ(busy->get_header_value("Retry-After"), "1");
  next = absl::UnimplementedError("no relay");
  EXPECT_THAT(http.Get("/execution/health")->body, HasSubstr("does not relay"));
  endpoint.Stop();
}

}  // namespace
}  // namespace edgectl::worker
