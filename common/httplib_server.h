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
//     starting the thread closes that window.
#ifndef EDGECTL_COMMON_HTTPLIB_SERVER_H_
#define EDGECTL_COMMON_HTTPLIB_SERVER_H_

#include <httplib.h>
#include <sys/socket.h>

#include <chrono>
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

}  // namespace edgectl

#endif  // EDGECTL_COMMON_HTTPLIB_SERVER_H_
