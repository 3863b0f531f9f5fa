// File: common/httplib_server.h
//
// Two traps of cpp-httplib's Server (0.11) for servers that own a port and run on a thread:
//   - it sets SO_REUSEPORT on its listening sockets, so a second process told the same address
//     binds it too and the kernel splits connections between them: two workers configured with
//     one health address, or two sidecars with one metrics address, would answer each other's
//     scrapes without an error. ExclusivePortSocketOptions sets SO_REUSEADDR only (a restart
//     may still bind at once over TIME_WAIT connections);
//   - stop() does nothing until the serving thread has entered its accept loop, so a stop()
//     right after starting the thread is lost and joining it hangs. WaitUntilListening after
//     starting the thread closes that window; BindAndServe does both steps.
#ifndef EDGECTL_COMMON_HTTPLIB_SERVER_H_
#define EDGECTL_COMMON_HTTPLIB_SERVER_H_

#include <httplib.h>
#include <sys/socket.h>

#include <chrono>
#include <string>
#include <thread>

namespace edgectl {

inline void ExclusivePortSocketOptions(socket_t sock) {
  int yes = 1;
  setsockopt(sock, SOL_SOCKET, SO_REUSEADDR, &yes, sizeof(yes));
}

// Waits (at most ~5 s) until `server`'s thread runs its accept loop.
inline void WaitUntilListening(const httplib::Server& server) {
  for (int i = 0; i < 5000 && !server.is_running(); ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
}

// Binds host:port (port 0 = any free one), serves on `*thread` and waits until it listens.
// Returns the bound port, or -1 when the address cannot be bound (the caller says why).
inline int BindAndServe(httplib::Server& server, const std::string& host, int port,
                        std::thread* thread) {
  int bound = port;
  if (port == 0) {
    bound = server.bind_to_any_port(host);
  } else if (!server.bind_to_port(host, port)) {
    bound = -1;
  }
  if (bound <= 0) return -1;
  *thread = std::thread([&server] { server.listen_after_bind(); });
  WaitUntilListening(server);
  return bound;
}

}  // namespace edgectl

#endif  // EDGECTL_COMMON_HTTPLIB_SERVER_H_
