// File: bench/sidecar_process.h
//
// The real sidecar (`edgectl controlplane`, the optimised binary) in a process of its own, so
// the benchmark reads its memory and CPU from /proc without the simulated fleet, PostgreSQL or
// the Airflow double in the figure. Start() execs the binary with the given arguments (stdout
// and stderr to a log file), and returns once its gRPC port accepts connections, or the first
// error (the process exited, or 60 s passed). The destructor stops it (SIGTERM, then SIGKILL
// after 10 s) and reaps it. Usage() reads VmRSS, VmHWM and utime+stime of the process.
#ifndef EDGECTL_BENCH_SIDECAR_PROCESS_H_
#define EDGECTL_BENCH_SIDECAR_PROCESS_H_

#include <sys/types.h>

#include <map>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"

namespace edgectl::bench {

struct ProcessUsage {
  int64_t rss_kb = 0;  // VmRSS
  int64_t hwm_kb = 0;  // VmHWM (peak RSS)
  double cpu_s = 0;    // utime + stime
  int threads = 0;
};

// Reads /proc/<pid>/status and /proc/<pid>/stat.
absl::StatusOr<ProcessUsage> ReadProcessUsage(pid_t pid);

class SidecarProcess {
 public:
  SidecarProcess() = default;
  ~SidecarProcess();
  SidecarProcess(const SidecarProcess&) = delete;
  SidecarProcess& operator=(const SidecarProcess&) = delete;

  // `env` is added to this process's environment for the child.
  absl::Status Start(const std::string& binary, const std::vector<std::string>& args,
                     const std::map<std::string, std::string>& env, const std::string& log_file,
                     int grpc_port);
  void Stop();
  pid_t pid() const { return pid_; }
  absl::StatusOr<ProcessUsage> Usage() const { return ReadProcessUsage(pid_); }

 private:
  pid_t pid_ = -1;
  std::string log_file_;
};

}  // namespace edgectl::bench

#endif  // EDGECTL_BENCH_SIDECAR_PROCESS_H_
