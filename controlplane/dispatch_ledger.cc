#include "controlplane/dispatch_ledger.h"

namespace edgectl::controlplane {

bool SameJob(const bridge::JobKey& a, const bridge::JobKey& b) {
  return a.dag_id == b.dag_id && a.task_id == b.task_id && a.run_id == b.run_id &&
         a.try_number == b.try_number && a.map_index == b.map_index &&
         a.task_instance_id == b.task_instance_id;
}

void DispatchLedger::Add(PendingDispatch dispatch) {
  absl::MutexLock lock(&mu_);
  const uint64_t id = dispatch.dispatch_id;
  pending_[id] = std::move(dispatch);
}

bool DispatchLedger::Acknowledge(const std::string& worker_name, uint64_t dispatch_id,
                                 const bridge::JobKey& key) {
  absl::MutexLock lock(&mu_);
  auto it = pending_.find(dispatch_id);
  if (it != pending_.end() && it->second.worker_name == worker_name) {
    pending_.erase(it);
    return true;
  }
  for (it = pending_.begin(); it != pending_.end(); ++it) {
    if (it->second.worker_name == worker_name && SameJob(it->second.key, key)) {
      pending_.erase(it);
      return true;
    }
  }
  return false;
}

std::optional<PendingDispatch> DispatchLedger::Take(uint64_t dispatch_id) {
  absl::MutexLock lock(&mu_);
  auto it = pending_.find(dispatch_id);
  if (it == pending_.end()) return std::nullopt;
  PendingDispatch d = std::move(it->second);
  pending_.erase(it);
  return d;
}

std::vector<PendingDispatch> DispatchLedger::TakeExpired(absl::Time now) {
  std::vector<PendingDispatch> expired;
  absl::MutexLock lock(&mu_);
  for (auto it = pending_.begin(); it != pending_.end();) {
    if (it->second.deadline < now) {
      expired.push_back(std::move(it->second));
      it = pending_.erase(it);
    } else {
      ++it;
    }
  }
  return expired;
}

int DispatchLedger::PendingSlots(const std::string& worker_name) const {
  int slots = 0;
  absl::MutexLock lock(&mu_);
  for (const auto& entry : pending_) {
    if (entry.second.worker_name == worker_name) slots += entry.second.concurrency_slots;
  }
  return slots;
}

size_t DispatchLedger::size() const {
  absl::MutexLock lock(&mu_);
  return pending_.size();
}

}  // namespace edgectl::controlplane
