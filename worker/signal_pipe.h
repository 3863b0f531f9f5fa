// File: worker/signal_pipe.h
//
// Turns SIGINT / SIGTERM / SIGUSR2 into bytes on a self-pipe: the handler only write()s the
// signal number (async-signal-safe); the worker's loop poll()s read_fd() and does the work.
// One instance per process (signal handlers are process-wide).
#ifndef EDGECTL_WORKER_SIGNAL_PIPE_H_
#define EDGECTL_WORKER_SIGNAL_PIPE_H_

#include <vector>

#include "absl/status/status.h"

namespace edgectl::worker {

class SignalPipe {
 public:
  // Installs handlers for `signals`; fails when a pipe cannot be created.
  static absl::Status Install(const std::vector<int>& signals);
  static int read_fd();
  // Signals received since the last call, in arrival order (non-blocking).
  static std::vector<int> Drain();
};

// A pipe the stream reader and the call lanes write to so the loop's poll() wakes for their results.
class WakePipe {
 public:
  WakePipe();
  ~WakePipe();
  void Wake();
  void Clear();
  int read_fd() const { return fds_[0]; }

 private:
  int fds_[2] = {-1, -1};
};

}  // namespace edgectl::worker

#endif  // EDGECTL_WORKER_SIGNAL_PIPE_H_
