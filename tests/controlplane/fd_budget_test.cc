// The open-file budget (controlplane/fd_budget.h) with an injected descriptor count and limit:
// new worker streams are admitted up to limit - reserved, counted between recounts so a burst
// cannot overshoot, and admitted again once descriptors are freed; the real process source
// reads plausible values and raising the soft limit never lowers it.
#include <sys/resource.h>

#include "controlplane/fd_budget.h"
#include "gtest/gtest.h"
#include "tests/fakes/manual_clock.h"

namespace edgectl::controlplane {
namespace {

class FakeDescriptors : public DescriptorSource {
 public:
  size_t OpenDescriptors() override { return open; }
  size_t Limit() override { return limit; }
  size_t open = 0;
  size_t limit = 1024;
};

TEST(FdBudgetTest, AdmitsUpToTheLimitLessTheReserveThenRefuses) {
  FakeDescriptors fds;
  fds.open = 100;
  testing::ManualClock clock;
  FdBudget budget({/*reserved=*/200, /*recount_interval=*/absl::Seconds(1)}, fds, clock);
  // 1024 - 200 = 824 usable; 100 open: 724 more streams fit, counted without a recount.
  int admitted = 0;
  while (budget.Admit()) ++admitted;
  EXPECT_EQ(admitted, 724);
  EXPECT_FALSE(budget.Admit());
  EXPECT_NE(budget.Describe().find("of 1024 open descriptors (200 reserved"), std::string::npos);

  // Workers left: the next recount sees the freed descriptors.
  fds.open = 800;
  EXPECT_FALSE(budget.Admit());  // not recounted yet: still refuses
  clock.Advance(absl::Seconds(1));
  int more = 0;
  while (budget.Admit()) ++more;
  EXPECT_EQ(more, 24);
}

TEST(FdBudgetTest, ALimitBelowTheReserveAdmitsNothing) {
  FakeDescriptors fds;
  fds.limit = 100;
  testing::ManualClock clock;
  FdBudget budget({/*reserved=*/200, absl::Seconds(1)}, fds, clock);
  EXPECT_FALSE(budget.Admit());
}

TEST(FdBudgetTest, TheProcessSourceAndRaisingTheLimit) {
  absl::StatusOr<OpenFileLimit> raised = RaiseOpenFileLimit();
  ASSERT_TRUE(raised.ok()) << raised.status();
  EXPECT_GE(raised->after, raised->before);
  EXPECT_EQ(raised->after, raised->hard);
  rlimit now{};
  ASSERT_EQ(getrlimit(RLIMIT_NOFILE, &now), 0);
  EXPECT_EQ(now.rlim_cur, now.rlim_max);
  ProcessDescriptors process;
  EXPECT_GE(process.OpenDescriptors(), 3u);  // stdin, stdout, stderr at least
  EXPECT_EQ(process.Limit(), static_cast<size_t>(now.rlim_cur));
}

}  // namespace
}  // namespace edgectl::controlplane
