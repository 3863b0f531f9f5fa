// File: worker/sidecar_link.h
//
// The worker's connection to the sidecar's event stream (Connect): whether it is down,
// connecting or up, when to try again (jittered exponential backoff after every failure, reset by
// a welcome), and a hand-over of the stream's events from the client's reader thread to the
// worker's loop, which it wakes through a WakePipe. Events of a stream that has been replaced are
// dropped (a generation number per stream). Everything except the reader callbacks runs on the
// loop's thread.
#ifndef EDGECTL_WORKER_SIDECAR_LINK_H_
#define EDGECTL_WORKER_SIDECAR_LINK_H_

#include <cstdint>
#include <deque>
#include <mutex>
#include <optional>

#include "absl/status/status.h"
#include "absl/time/time.h"
#include "proto/edge_worker.pb.h"
#include "worker/backoff.h"
#include "worker/clock.h"
#include "worker/sidecar_client.h"
#include "worker/signal_pipe.h"

namespace edgectl::worker {

class SidecarLink {
 public:
  SidecarLink(SidecarClient* client, Clock* clock, RandomSource* random, WakePipe* wake);

  // Down, and the backoff delay since the last failure has passed.
  bool ConnectDue() const;
  void StartConnect(const v1::ConnectRequest& request);
  // Up once the sidecar's welcome arrived. A stream that sends none in time counts as failed.
  void OnWelcome();
  bool connected() const { return state_ == State::kConnected; }

  struct Received {
    std::deque<v1::ServerEvent> events;
    std::optional<absl::Status> end;  // the stream ended with this status
  };
  // What the current stream delivered since the last call; also times out a missing welcome.
  Received Take();

  // The stream ended: close it, drop what it delivered but was not taken yet (the loop takes
  // everything before it learns of the end), try again after the next backoff delay (at least
  // the sidecar's retry-after). NOT_FOUND (the sidecar does not know the worker) also asks for a
  // new registration. No-op (apart from that) when already down.
  void MarkDisconnected(const absl::Status& status, const std::string& address);
  // A failed attempt while already down (e.g. registration): just wait longer.
  void RetryLater();
  bool need_register() const { return need_register_; }
  // A call said the sidecar does not know this worker: register again before anything else.
  void RequireRegistration() { need_register_ = true; }
  void Registered() { need_register_ = false; }
  void ResetBackoff() { backoff_.Reset(); }
  absl::Duration NextBackoffDelay() { return backoff_.NextDelay(); }

 private:
  enum class State { kDisconnected, kConnecting, kConnected };

  SidecarClient* client_;
  Clock* clock_;
  WakePipe* wake_;
  Backoff backoff_;
  State state_ = State::kDisconnected;
  absl::Time next_connect_at_ = absl::InfinitePast();
  absl::Time connect_started_at_;
  bool need_register_ = false;

  std::mutex mutex_;  // guards the fields below, shared with the reader thread
  uint64_t generation_ = 0;
  Received received_;
};

}  // namespace edgectl::worker

#endif  // EDGECTL_WORKER_SIDECAR_LINK_H_
