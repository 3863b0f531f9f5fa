#include "controlplane/fd_budget.h"

#include <dirent.h>
#include <sys/resource.h>

#include <cerrno>
#include <cstring>

#include "absl/strings/str_cat.h"

namespace edgectl::controlplane {

size_t ProcessDescriptors::OpenDescriptors() {
  DIR* dir = opendir("/proc/self/fd");
  if (dir == nullptr) return 0;  // no /proc: the budget cannot tell and admits
  size_t count = 0;
  while (dirent* entry = readdir(dir)) {
    if (entry->d_name[0] != '.') ++count;
  }
  closedir(dir);
  return count > 0 ? count - 1 : 0;  // not the descriptor opendir itself holds
}

size_t ProcessDescriptors::Limit() {
  rlimit limit{};
  if (getrlimit(RLIMIT_NOFILE, &limit) != 0 || limit.rlim_cur == RLIM_INFINITY) return SIZE_MAX;
  return static_cast<size_t>(limit.rlim_cur);
}

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
