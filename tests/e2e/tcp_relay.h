// File: tests/e2e/tcp_relay.h
//
// A TCP relay the test controls, between a worker and its sidecar, to make a network partition:
// it listens on 127.0.0.1 (a free port) and copies bytes both ways to the target. Partition()
// drops every relayed connection at once and, until Heal(), accepts new ones but forwards
// nothing (a blackhole: the peer's connect succeeds, then nothing arrives, as across a broken
// network). Only bytes are relayed, so TLS passes through untouched. One thread per direction.
#ifndef EDGECTL_TESTS_E2E_TCP_RELAY_H_
#define EDGECTL_TESTS_E2E_TCP_RELAY_H_

#include <atomic>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "absl/status/statusor.h"

namespace edgectl::e2e {

class TcpRelay {
 public:
  // Relays to `target_port` on 127.0.0.1.
  static absl::StatusOr<std::unique_ptr<TcpRelay>> Start(int target_port);
  ~TcpRelay();

  std::string address() const { return "127.0.0.1:" + std::to_string(port_); }
  void Partition();
  void Heal();

 private:
  struct Link {
    int client = -1;
    int server = -1;
    std::thread up, down;
  };
  TcpRelay(int listen_fd, int port, int target_port)
      : listen_fd_(listen_fd), port_(port), target_port_(target_port) {}
  void AcceptLoop();
  void CloseLinks();

  const int listen_fd_;
  const int port_;
  const int target_port_;
  std::atomic<bool> stopping_{false};
  std::atomic<bool> partitioned_{false};
  std::thread acceptor_;
  std::mutex mu_;
  std::vector<std::unique_ptr<Link>> links_;  // guarded by mu_
  std::vector<int> held_;                      // blackholed connections, guarded by mu_
};

}  // namespace edgectl::e2e

#endif  // EDGECTL_TESTS_E2E_TCP_RELAY_H_
