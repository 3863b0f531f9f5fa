#include "tests/e2e/tcp_relay.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "absl/strings/str_cat.h"

namespace edgectl::e2e {
namespace {

void Pump(int from, int to, const std::atomic<bool>* stopping) {
  char buffer[16384];
  while (!stopping->load()) {
    const ssize_t n = read(from, buffer, sizeof buffer);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    ssize_t done = 0;
    while (done < n) {
      const ssize_t w = send(to, buffer + done, static_cast<size_t>(n - done), MSG_NOSIGNAL);
      if (w < 0 && errno == EINTR) continue;
      if (w <= 0) return;
      done += w;
    }
  }
  shutdown(to, SHUT_WR);
}

}  // namespace

absl::StatusOr<std::unique_ptr<TcpRelay>> TcpRelay::Start(int target_port) {
  const int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return absl::UnavailableError("socket failed");
  int one = 1;
  setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = 0;
  if (bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0 || listen(fd, 128) != 0) {
    close(fd);
    return absl::UnavailableError(absl::StrCat("cannot listen: ", std::strerror(errno)));
  }
  socklen_t len = sizeof addr;
  getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len);
  std::unique_ptr<TcpRelay> relay(new TcpRelay(fd, ntohs(addr.sin_port), target_port));
  relay->acceptor_ = std::thread([r = relay.get()] { r->AcceptLoop(); });
  return relay;
}

TcpRelay::~TcpRelay() {
  stopping_ = true;
  shutdown(listen_fd_, SHUT_RDWR);
  close(listen_fd_);
  if (acceptor_.joinable()) acceptor_.join();
  CloseLinks();
  std::lock_guard<std::mutex> lock(mu_);
  for (int fd : held_) close(fd);
}

void TcpRelay::AcceptLoop() {
  while (!stopping_) {
    pollfd p{listen_fd_, POLLIN, 0};
    if (poll(&p, 1, 100) <= 0) continue;
    const int client = accept4(listen_fd_, nullptr, nullptr, SOCK_CLOEXEC);
    if (client < 0) continue;
    if (partitioned_) {
      std::lock_guard<std::mutex> lock(mu_);
      held_.push_back(client);  // connected, and then nothing: a blackhole
      continue;
    }
    const int server = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    addr.sin_port = htons(static_cast<uint16_t>(target_port_));
    if (server < 0 || connect(server, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
      if (server >= 0) close(server);
      close(client);  // the target is down: as a refused connection
      continue;
    }
    int one = 1;
    setsockopt(client, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    setsockopt(server, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    auto link = std::make_unique<Link>();
    link->client = client;
    link->server = server;
    link->up = std::thread(Pump, client, server, &stopping_);
    link->down = std::thread(Pump, server, client, &stopping_);
    std::lock_guard<std::mutex> lock(mu_);
    links_.push_back(std::move(link));
  }
}

void TcpRelay::CloseLinks() {
  std::vector<std::unique_ptr<Link>> links;
  {
    std::lock_guard<std::mutex> lock(mu_);
    links.swap(links_);
  }
  for (auto& link : links) {
    // An abrupt end for both peers (RST), as when the path between them breaks.
    linger hard{1, 0};
    setsockopt(link->client, SOL_SOCKET, SO_LINGER, &hard, sizeof hard);
    setsockopt(link->server, SOL_SOCKET, SO_LINGER, &hard, sizeof hard);
    shutdown(link->client, SHUT_RDWR);
    shutdown(link->server, SHUT_RDWR);
    link->up.join();
    link->down.join();
    close(link->client);
    close(link->server);
  }
}

void TcpRelay::Partition() {
  partitioned_ = true;
  CloseLinks();
}

void TcpRelay::Heal() {
  partitioned_ = false;
  std::lock_guard<std::mutex> lock(mu_);
  for (int fd : held_) close(fd);
  held_.clear();
}

}  // namespace edgectl::e2e
