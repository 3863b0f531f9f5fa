#include "controlplane/fd_budget.h"

#include <sys/resource.h>

#include <cerrno>
#include <cstdint>
#include <cstring>

#include "absl/strings/str_cat.h"
#include "common/process_descriptors.h"

namespace edgectl::controlplane {

// No /proc: the budget cannot tell and admits. No limit: nothing to budget.
size_t ProcessDescriptors::OpenDescriptors() { return OpenDescriptorCount().value_or(0); }

size_t ProcessDescriptors::Limit() { return SoftDescriptorLimit().value_or(SIZE_MAX); }

absl::StatusOr<OpenFileLimit> RaiseOpenFileLimit() {
  rlimit limit{};
  if (getrlimit(RLIMIT_NOFILE, &limit) != 0) {
    return absl::InternalError(absl::StrCat("getrlimit(RLIMIT_NOFILE): ", std::strerror(errno)));
  }
  OpenFileLimit result{limit.rlim_cur, limit.rlim_cur, limit.rlim_max};
  if (limit.rlim_cur >= limit.rlim_max) return result;
  limit.rlim_cur = limit.rlim_max;
  if (setrlimit(RLIMIT_NOFILE, &limit) != 0) {
    return absl::InternalError(absl::StrCat("setrlimit(RLIMIT_NOFILE) to the hard limit ",
                                            limit.rlim_max, ": ", std::strerror(errno)));
  }
  result.after = limit.rlim_cur;
  return result;
}

void FdBudget::RecountIfStale() {
  const absl::Time now = clock_.Now();
  if (now - counted_at_ < options_.recount_interval) return;
  counted_at_ = now;
  counted_ = source_.OpenDescriptors();
  limit_ = source_.Limit();
  admitted_since_ = 0;
}

bool FdBudget::Admit() {
  absl::MutexLock lock(&mu_);
  RecountIfStale();
  const size_t usable = limit_ > options_.reserved ? limit_ - options_.reserved : 0;
  if (counted_ + admitted_since_ + 1 > usable) return false;
  ++admitted_since_;
  return true;
}

std::string FdBudget::Describe() {
  absl::MutexLock lock(&mu_);
  RecountIfStale();
  return absl::StrCat(counted_ + admitted_since_, " of ", limit_, " open descriptors (",
                      options_.reserved, " reserved for the sidecar's own connections)");
}

}  // namespace edgectl::controlplane
