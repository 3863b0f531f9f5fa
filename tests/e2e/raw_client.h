// File: tests/e2e/raw_client.h
//
// A hand-driven gRPC client of the sidecar for end-to-end tests that play a misbehaving or
// malicious worker (forged names, other workers' jobs, floods, oversized messages): plain
// generated stubs over TLS with whatever credentials the test gives.
#ifndef EDGECTL_TESTS_E2E_RAW_CLIENT_H_
#define EDGECTL_TESTS_E2E_RAW_CLIENT_H_

#include <grpcpp/grpcpp.h>

#include <memory>
#include <optional>
#include <string>

#include "proto/edge_worker.grpc.pb.h"
#include "tests/fixtures/test_pki.h"

namespace edgectl::e2e {

// A stub on its own TLS connection to `address`, trusting `ca`, presenting `client_cert` when
// given and sending `token` as a bearer token when not empty.
std::unique_ptr<v1::EdgeWorkerService::Stub> RawStub(
    const std::string& address, const std::string& ca,
    const std::optional<testing::CertAndKey>& client_cert, const std::string& token = "");

// A worker's registration body as edgectl worker sends it (versions of the Airflow double).
v1::WorkerStateBody RawStateBody(const std::string& state);

}  // namespace edgectl::e2e

#endif  // EDGECTL_TESTS_E2E_RAW_CLIENT_H_
