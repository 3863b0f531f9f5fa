// The generated API v1 code over real gRPC on 127.0.0.1: a unary call, a server stream and a
// client stream round-trip, with the proto3 presence rules the API relies on (absent queue list
// = all queues, optional comments and concurrency).
#include <grpcpp/grpcpp.h>

#include <memory>
#include <string>

#include "gtest/gtest.h"
#include "proto/edge_worker.grpc.pb.h"

namespace edgectl::v1 {
namespace {

// Echoes requests back so the test sees what crossed the wire.
class EchoService final : public EdgeWorkerService::CallbackService {
  grpc::ServerUnaryReactor* Register(grpc::CallbackServerContext* ctx,
                                     const RegisterRequest* request,
                                     RegisterResponse* reply) override {
    reply->set_versions_match(request->body().sysinfo().at("airflow_version").string_value() ==
                              "3.1.0");
    reply->set_server_protocol_version(PROTOCOL_VERSION_1);
    reply->set_heartbeat_interval_seconds(request->body().queues().names_size());
    auto* reactor = ctx->DefaultReactor();
    reactor->Finish(grpc::Status::OK);
    return reactor;
  }

  grpc::ServerWriteReactor<ServerEvent>* Connect(grpc::CallbackServerContext*,
                                                 const ConnectRequest* request) override {
    class Writer : public grpc::ServerWriteReactor<ServerEvent> {
     public:
      explicit Writer(const ConnectRequest& request) {
        for (int i = 0; i < request.free_concurrency(); ++i) {
          ServerEvent event;
          event.mutable_job()->mutable_key()->set_dag_id("dag." + std::to_string(i));
          event.mutable_job()->set_dispatch_id(i + 1);
          events_.push_back(event);
        }
        Next();
      }
      void OnWriteDone(bool ok) override {
        if (!ok) return Finish(grpc::Status::CANCELLED);
        Next();
      }
      void OnDone() override { delete this; }

     private:
      void Next() {
        if (index_ == events_.size()) return Finish(grpc::Status::OK);
        StartWrite(&events_[index_++]);
      }
      std::vector<ServerEvent> events_;
      size_t index_ = 0;
    };
    return new Writer(*request);
  }

  grpc::ServerReadReactor<LogChunk>* PushLogs(grpc::CallbackServerContext*,
                                              PushLogsReply* reply) override {
    class Reader : public grpc::ServerReadReactor<LogChunk> {
     public:
      explicit Reader(PushLogsReply* reply) : reply_(reply) { StartRead(&chunk_); }
      void OnReadDone(bool ok) override {
        if (!ok) {
          auto* stored = reply_->add_stored();
          stored->set_offset(end_);
          return Finish(grpc::Status::OK);
        }
        end_ = chunk_.offset() + chunk_.data().size();
        StartRead(&chunk_);
      }
      void OnDone() override { delete this; }

     private:
      PushLogsReply* reply_;
      LogChunk chunk_;
      uint64_t end_ = 0;
    };
    return new Reader(reply);
  }
};

class GrpcRoundTripTest : public ::testing::Test {
 protected:
  void SetUp() override {
    grpc::ServerBuilder builder;
    builder.AddListeningPort("127.0.0.1:0", grpc::InsecureServerCredentials(), &port_);
    builder.RegisterService(&service_);
    server_ = builder.BuildAndStart();
    ASSERT_NE(server_, nullptr);
    ASSERT_GT(port_, 0);
    stub_ = EdgeWorkerService::NewStub(grpc::CreateChannel(
        "127.0.0.1:" + std::to_string(port_), grpc::InsecureChannelCredentials()));
  }
  void TearDown() override { server_->Shutdown(); }

  EchoService service_;
  int port_ = 0;
  std::unique_ptr<grpc::Server> server_;
  std::unique_ptr<EdgeWorkerService::Stub> stub_;
};

TEST_F(GrpcRoundTripTest, UnaryRegister) {
  RegisterRequest request;
  request.set_worker_name("edge-1.example.com");
  request.set_protocol_version(PROTOCOL_VERSION_1);
  request.mutable_body()->set_state("starting");
  (*request.mutable_body()->mutable_sysinfo())["airflow_version"].set_string_value("3.1.0");
  request.mutable_body()->mutable_queues()->add_names("default");
  request.mutable_body()->mutable_queues()->add_names("gpu");
  RegisterResponse reply;
  grpc::ClientContext ctx;
  grpc::Status status = stub_->Register(&ctx, request, &reply);
  ASSERT_TRUE(status.ok()) << status.error_message();
  EXPECT_TRUE(reply.versions_match());
  EXPECT_EQ(reply.server_protocol_version(), PROTOCOL_VERSION_1);
  EXPECT_EQ(reply.heartbeat_interval_seconds(), 2);
}

TEST_F(GrpcRoundTripTest, PresenceDistinguishesAllQueuesFromNone) {
  HeartbeatResponse all;
  EXPECT_FALSE(all.has_queues());
  EXPECT_FALSE(all.has_concurrency());
  EXPECT_FALSE(all.has_maintenance_comments());
  HeartbeatResponse none;
  none.mutable_queues();
  none.set_concurrency(0);
  HeartbeatResponse parsed;
  ASSERT_TRUE(parsed.ParseFromString(none.SerializeAsString()));
  EXPECT_TRUE(parsed.has_queues());
  EXPECT_EQ(parsed.queues().names_size(), 0);
  EXPECT_TRUE(parsed.has_concurrency());
}

TEST_F(GrpcRoundTripTest, ServerStreamDeliversJobsInOrder) {
  ConnectRequest request;
  request.set_worker_name("w");
  request.set_free_concurrency(3);
  grpc::ClientContext ctx;
  auto reader = stub_->Connect(&ctx, request);
  ServerEvent event;
  std::vector<std::string> dags;
  while (reader->Read(&event)) {
    ASSERT_TRUE(event.has_job());
    dags.push_back(event.job().key().dag_id());
  }
  EXPECT_TRUE(reader->Finish().ok());
  EXPECT_EQ(dags, (std::vector<std::string>{"dag.0", "dag.1", "dag.2"}));
}

TEST_F(GrpcRoundTripTest, ClientStreamReportsStoredOffset) {
  grpc::ClientContext ctx;
  PushLogsReply reply;
  auto writer = stub_->PushLogs(&ctx, &reply);
  uint64_t offset = 0;
  for (const std::string& data :
       std::vector<std::string>{"line 1\n", std::string("bin\0ary\n", 8), "\xff\xfe\n"}) {
    LogChunk chunk;
    chunk.set_offset(offset);
    chunk.set_data(data);
    offset += data.size();
    ASSERT_TRUE(writer->Write(chunk));
  }
  writer->WritesDone();
  ASSERT_TRUE(writer->Finish().ok());
  ASSERT_EQ(reply.stored_size(), 1);
  EXPECT_EQ(reply.stored(0).offset(), offset);
}

}  // namespace
}  // namespace edgectl::v1
