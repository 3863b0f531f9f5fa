// gRPC server reflection on the sidecar: grpcurl / grpc_cli can list its service without the
// .proto file.
#include <grpcpp/grpcpp.h>
#include <grpcpp/impl/rpc_method.h>
#include <grpcpp/support/byte_buffer.h>

#include <fstream>
#include <set>
#include <sstream>

#include "gtest/gtest.h"
#include "tests/controlplane/reflection_subset.pb.h"
#include "tests/controlplane/sidecar_harness.h"
#include "tests/fakes/fake_edge_api.h"
#include "tests/fixtures/edge_database.h"

namespace edgectl::testing {
namespace {

TEST(ReflectionTest, TheSidecarListsItsServices) {
  const std::string dsn = CreateEdgeDatabase("cp_reflection");
  ASSERT_FALSE(dsn.empty());
  Sidecar sidecar(dsn, std::make_shared<FakeEdgeApi>(dsn), TestOptions(dsn));
  ASSERT_TRUE(sidecar.Start());
  std::ifstream ca_file(SharedPki().ca());
  std::stringstream ca;
  ca << ca_file.rdbuf();
  grpc::SslCredentialsOptions tls;
  tls.pem_root_certs = ca.str();
  auto channel = grpc::CreateChannel(sidecar.address(), grpc::SslCredentials(tls));
  grpc::ClientContext context;
  std::unique_ptr<grpc::ClientReaderWriter<grpc::ByteBuffer, grpc::ByteBuffer>> stream(
      grpc::internal::ClientReaderWriterFactory<grpc::ByteBuffer, grpc::ByteBuffer>::Create(
          channel.get(),
          grpc::internal::RpcMethod("/grpc.reflection.v1alpha.ServerReflection/ServerReflectionInfo",
                                    grpc::internal::RpcMethod::BIDI_STREAMING),
          &context));
  reflection::ServerReflectionRequest request;
  request.set_list_services("");
  const std::string bytes = request.SerializeAsString();
  grpc::Slice slice(bytes);
  grpc::ByteBuffer out(&slice, 1);
  ASSERT_TRUE(stream->Write(out));
  grpc::ByteBuffer in;
  ASSERT_TRUE(stream->Read(&in));
  std::vector<grpc::Slice> slices;
  ASSERT_TRUE(in.Dump(&slices).ok());
  std::string answer;
  for (const grpc::Slice& s : slices) answer.append(reinterpret_cast<const char*>(s.begin()), s.size());
  reflection::ServerReflectionResponse response;
  ASSERT_TRUE(response.ParseFromString(answer));
  stream->WritesDone();
  std::set<std::string> services;
  for (const auto& s : response.list_services_response().service()) services.insert(s.name());
  EXPECT_EQ(services.count("edgectl.v1.EdgeWorkerService"), 1u);
  EXPECT_EQ(services.count("grpc.health.v1.Health"), 1u);
  EXPECT_TRUE(stream->Finish().ok());
}

}  // namespace
}  // namespace edgectl::testing
