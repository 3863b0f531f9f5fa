#include "bench/page_viewers.h"

#include <httplib.h>

#include <random>

#include "absl/time/clock.h"

namespace edgectl::bench {

PageViewers::PageViewers(int port, int viewers, uint32_t seed)
    : port_(port), viewers_(viewers), seed_(seed) {}

PageViewers::~PageViewers() { Stop(); }

void PageViewers::Start() {
  for (int i = 0; i < viewers_; ++i) threads_.emplace_back([this, i] { View(i); });
}

void PageViewers::View(int index) {
  std::mt19937 rng(seed_ + static_cast<uint32_t>(index));
  // Pages opened at different moments: spread the rounds over the interval.
  absl::Duration wait = absl::Milliseconds(std::uniform_int_distribution<int>(
      0, static_cast<int>(absl::ToInt64Milliseconds(kRound)))(rng));
  std::vector<absl::Duration> answers;
  while (!stop_.WaitForNotificationWithTimeout(wait)) {
    const absl::Time round = absl::Now();
    for (const char* path : {"/api/summary", "/api/workers", "/api/jobs"}) {
      httplib::Client client("127.0.0.1", port_);
      client.set_read_timeout(10, 0);
      // As a browser: gzip accepted; inflating it is the viewer's machine's work, not the
      // sidecar's, so this process (sharing the sidecar's cores) does not.
      client.set_decompress(false);
      const absl::Time start = absl::Now();
      httplib::Result res = client.Get(path, {{"Accept-Encoding", "gzip, deflate, br"}});
      answers.push_back(absl::Now() - start);
      requests_.fetch_add(1);
      if (!res || res->status != 200) {
        failures_.fetch_add(1);
      } else {
        bytes_.fetch_add(static_cast<int64_t>(res->body.size()));
      }
    }
    wait = std::max(absl::ZeroDuration(), kRound - (absl::Now() - round));
  }
  absl::MutexLock lock(&mu_);
  answers_.insert(answers_.end(), answers.begin(), answers.end());
}

PageViewerTally PageViewers::Stop() {
  if (!stop_.HasBeenNotified()) stop_.Notify();
  for (std::thread& t : threads_) {
    if (t.joinable()) t.join();
  }
  PageViewerTally tally;
  tally.viewers = viewers_;
  tally.requests = requests_.load();
  tally.failures = failures_.load();
  tally.bytes = bytes_.load();
  absl::MutexLock lock(&mu_);
  tally.answer = Summarize(answers_);
  return tally;
}

}  // namespace edgectl::bench
