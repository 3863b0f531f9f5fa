#include "tests/e2e/raw_client.h"

#include "common/tls_files.h"

namespace edgectl::e2e {
namespace {

std::string ReadAll(const std::string& path) {
  return tls::ReadPemFile(path, "test file").value_or("");
}

}  // namespace

std::unique_ptr<v1::EdgeWorkerService::Stub> RawStub(
    const std::string& address, const std::string& ca,
    const std::optional<testing::CertAndKey>& client_cert, const std::string& token) {
  grpc::SslCredentialsOptions ssl;
  ssl.pem_root_certs = ReadAll(ca);
  if (client_cert.has_value()) {
    ssl.pem_cert_chain = ReadAll(client_cert->cert);
    ssl.pem_private_key = ReadAll(client_cert->key);
  }
  std::shared_ptr<grpc::ChannelCredentials> creds = grpc::SslCredentials(ssl);
  if (!token.empty()) {
    creds = grpc::CompositeChannelCredentials(creds, grpc::AccessTokenCredentials(token));
  }
  grpc::ChannelArguments args;
  args.SetInt(GRPC_ARG_USE_LOCAL_SUBCHANNEL_POOL, 1);
  args.SetMaxSendMessageSize(64 << 20);
  return v1::EdgeWorkerService::NewStub(grpc::CreateCustomChannel(address, creds, args));
}

v1::WorkerStateBody RawStateBody(const std::string& state) {
  v1::WorkerStateBody body;
  body.set_state(state);
  auto& sysinfo = *body.mutable_sysinfo();
  sysinfo["airflow_version"].set_string_value("3.1.0");
  sysinfo["edge_provider_version"].set_string_value("5.0.0");
  sysinfo["concurrency"].set_int_value(1);
  sysinfo["free_concurrency"].set_int_value(1);
  return body;
}

}  // namespace edgectl::e2e
