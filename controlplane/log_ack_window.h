// File: controlplane/log_ack_window.h
//
// Bookkeeping of one PushLogs stream whose chunks are stored concurrently (several in flight,
// finishing in any order). Chunks are added in the order the worker sent them; each is settled
// once, stored or refused. What the stream may acknowledge for a job is only the contiguous
// settled prefix of that job's chunks: StoredUntil is the end offset of the last stored chunk in
// that prefix, so a chunk still being stored (or one that failed and will be re-sent) is never
// covered by an acknowledgement because a later chunk of the same job happened to finish first.
// in_flight() is what the stream's read-ahead window counts. Not thread-safe (the reactor locks).
#ifndef EDGECTL_CONTROLPLANE_LOG_ACK_WINDOW_H_
#define EDGECTL_CONTROLPLANE_LOG_ACK_WINDOW_H_

#include <cstddef>
#include <cstdint>
#include <deque>
#include <map>
#include <optional>
#include <string>

namespace edgectl::controlplane {

class LogAckWindow {
 public:
  // Registers the stream's next chunk of job `job`, covering bytes [offset, end); returns the
  // ticket to settle it with.
  uint64_t Add(const std::string& job, uint64_t end);
  void Stored(uint64_t ticket) { Settle(ticket, true); }
  void Refused(uint64_t ticket) { Settle(ticket, false); }

  // Chunks added and not settled yet.
  size_t in_flight() const { return in_flight_; }
  // End offset of the last stored chunk in the job's settled prefix; nullopt when that prefix
  // holds no stored chunk.
  std::optional<uint64_t> StoredUntil(const std::string& job) const;

 private:
  struct Entry {
    uint64_t ticket;
    uint64_t end;
    bool settled = false;
    bool stored = false;
  };
  struct Job {
    std::deque<Entry> open;            // from the first unsettled chunk on, in arrival order
    std::optional<uint64_t> acknowledged;  // StoredUntil of the prefix already dropped
  };
  void Settle(uint64_t ticket, bool stored);

  uint64_t next_ticket_ = 0;
  size_t in_flight_ = 0;
  std::map<std::string, Job> jobs_;
  std::map<uint64_t, std::string> job_of_;  // unsettled tickets
};

}  // namespace edgectl::controlplane

#endif  // EDGECTL_CONTROLPLANE_LOG_ACK_WINDOW_H_
