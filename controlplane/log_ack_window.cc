#include "controlplane/log_ack_window.h"

#include <algorithm>

namespace edgectl::controlplane {

uint64_t LogAckWindow::Add(const std::string& job, uint64_t end) {
  const uint64_t ticket = next_ticket_++;
  jobs_[job].open.push_back({ticket, end});
  job_of_[ticket] = job;
  ++in_flight_;
  return ticket;
}

void LogAckWindow::Settle(uint64_t ticket, bool stored) {
  auto owner = job_of_.find(ticket);
  if (owner == job_of_.end()) return;  // settled already
  Job& job = jobs_[owner->second];
  job_of_.erase(owner);
  --in_flight_;
  for (Entry& e : job.open) {
    if (e.ticket != ticket) continue;
    e.settled = true;
    e.stored = stored;
    break;
  }
  // The settled front is the acknowledged prefix: fold it into one offset, keep the rest.
  while (!job.open.empty() && job.open.front().settled) {
    const Entry& front = job.open.front();
    if (front.stored) job.acknowledged = std::max(job.acknowledged.value_or(0), front.end);
    job.open.pop_front();
  }
}

std::optional<uint64_t> LogAckWindow::StoredUntil(const std::string& job) const {
  auto it = jobs_.find(job);
  if (it == jobs_.end()) return std::nullopt;
  return it->second.acknowledged;
}

}  // namespace edgectl::controlplane
