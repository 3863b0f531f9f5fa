#include "worker/signal_pipe.h"

#include <fcntl.h>
#include <signal.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "absl/strings/str_cat.h"

namespace edgectl::worker {
namespace {

int g_signal_fds[2] = {-1, -1};

void OnSignal(int signal) {
  const int saved_errno = errno;
  const unsigned char byte = static_cast<unsigned char>(signal);
  // A full pipe drops the byte; the loop is far behind anyway and repeated signals add nothing.
  (void)!write(g_signal_fds[1], &byte, 1);
  errno = saved_errno;
}

bool MakePipe(int fds[2]) { return pipe2(fds, O_NONBLOCK | O_CLOEXEC) == 0; }

}  // namespace

absl::Status SignalPipe::Install(const std::vector<int>& signals) {
  if (g_signal_fds[0] < 0 && !MakePipe(g_signal_fds)) {
    return absl::InternalError(absl::StrCat("cannot create signal pipe: ", strerror(errno)));
  }
  struct sigaction action {};
  action.sa_handler = OnSignal;
  sigemptyset(&action.sa_mask);
  action.sa_flags = SA_RESTART;
  for (int signal : signals) sigaction(signal, &action, nullptr);
  return absl::OkStatus();
}

int SignalPipe::read_fd() { return g_signal_fds[0]; }

std::vector<int> SignalPipe::Drain() {
  std::vector<int> out;
  unsigned char buffer[64];
  ssize_t n;
  while ((n = read(g_signal_fds[0], buffer, sizeof(buffer))) > 0) {
    for (ssize_t i = 0; i < n; ++i) out.push_back(buffer[i]);
  }
  return out;
}

WakePipe::WakePipe() { MakePipe(fds_); }

WakePipe::~WakePipe() {
  close(fds_[0]);
  close(fds_[1]);
}

void WakePipe::Wake() {
  const char byte = 1;
  (void)!write(fds_[1], &byte, 1);
}

void WakePipe::Clear() {
  char buffer[64];
  while (read(fds_[0], buffer, sizeof(buffer)) > 0) {
  }
}

}  // namespace edgectl::worker
