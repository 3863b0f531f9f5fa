// File: controlplane/fd_budget.h
//
// Capacity: the sidecar's open-file budget. Every worker connection is a socket, and so is each
// of the sidecar's own PostgreSQL and REST connections; when the process runs out of descriptors
// it is the sidecar's own connections that fail (NOT_SERVING for everyone). So at start the soft
// RLIMIT_NOFILE is raised to the hard limit (RaiseOpenFileLimit, logged), a number of descriptors
// is reserved for the sidecar itself, and new worker streams (Register, Connect) are refused with
// UNAVAILABLE and a retry delay once open descriptors reach limit - reserved (CallGate), so the
// workers already connected keep working and the rest come back later or go to another sidecar.
//
// Counting /proc/self/fd is O(open descriptors), so FdBudget counts at most once per
// recount_interval and adds the streams it admitted since (each may have opened one socket):
// an overestimate between counts, never an underestimate of what it admitted. The source of the
// count and limit is an interface so tests inject them.
#ifndef EDGECTL_CONTROLPLANE_FD_BUDGET_H_
#define EDGECTL_CONTROLPLANE_FD_BUDGET_H_

#include <cstddef>
#include <cstdint>
#include <string>

#include "absl/base/thread_annotations.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "controlplane/clock.h"

namespace edgectl::controlplane {

class DescriptorSource {
 public:
  virtual ~DescriptorSource() = default;
  virtual size_t OpenDescriptors() = 0;
  virtual size_t Limit() = 0;  // the soft RLIMIT_NOFILE
};

// This process: /proc/self/fd and getrlimit.
class ProcessDescriptors final : public DescriptorSource {
 public:
  size_t OpenDescriptors() override;
  size_t Limit() override;
};

struct OpenFileLimit {
  uint64_t before = 0;
  uint64_t after = 0;
  uint64_t hard = 0;
};
// Raises the soft RLIMIT_NOFILE to the hard limit (nothing to do when they are equal).
absl::StatusOr<OpenFileLimit> RaiseOpenFileLimit();

struct FdBudgetOptions {
  size_t reserved = 256;  // descriptors kept for the sidecar's own connections and files
  absl::Duration recount_interval = absl::Seconds(1);
};

class FdBudget {
 public:
  FdBudget(FdBudgetOptions options, DescriptorSource& source, const Clock& clock)
      : options_(options), source_(source), clock_(clock) {}

  // Whether one more worker stream fits; counts it when it does.
  bool Admit();
  // How long a refused worker should wait before trying again.
  absl::Duration RetryDelay() const { return absl::Seconds(5); }
  // "N of M open descriptors (R reserved)" for messages and logs.
  std::string Describe();
  size_t reserved() const { return options_.reserved; }

 private:
  void RecountIfStale() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);

  const FdBudgetOptions options_;
  DescriptorSource& source_;
  const Clock& clock_;
  absl::Mutex mu_;
  absl::Time counted_at_ ABSL_GUARDED_BY(mu_) = absl::InfinitePast();
  size_t counted_ ABSL_GUARDED_BY(mu_) = 0;
  size_t limit_ ABSL_GUARDED_BY(mu_) = 0;
  size_t admitted_since_ ABSL_GUARDED_BY(mu_) = 0;
};

}  // namespace edgectl::controlplane

#endif  // EDGECTL_CONTROLPLANE_FD_BUDGET_H_
