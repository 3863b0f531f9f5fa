// MemoryReturn trims once per large departure of workers, never while the fleet grows or
// shrinks a little.
#include "controlplane/memory_return.h"

#include <gtest/gtest.h>

namespace edgectl::controlplane {
namespace {

TEST(MemoryReturnTest, TrimsWhenManyWorkersLeftThenOnceMoreAsTheySettle) {
  MemoryReturn trim(/*min_drop=*/100);
  EXPECT_FALSE(trim.Observe(0));
  EXPECT_FALSE(trim.Observe(500));
  EXPECT_FALSE(trim.Observe(450));  // 50 left: not enough
  EXPECT_TRUE(trim.Observe(390));   // 110 below the high-water mark
  EXPECT_TRUE(trim.Observe(390));   // the settling trim: their connections closed since
  EXPECT_EQ(trim.trims(), 2u);
  EXPECT_FALSE(trim.Observe(390));  // starts over from 390
  EXPECT_FALSE(trim.Observe(300));
  EXPECT_TRUE(trim.Observe(290));
  EXPECT_FALSE(trim.Observe(400));  // workers came back: no settling trim
  EXPECT_EQ(trim.trims(), 3u);
}

TEST(MemoryReturnTest, GrowingFleetNeverTrims) {
  MemoryReturn trim(/*min_drop=*/100);
  for (size_t n = 0; n <= 10000; n += 37) EXPECT_FALSE(trim.Observe(n));
  EXPECT_EQ(trim.trims(), 0u);
}

}  // namespace
}  // namespace edgectl::controlplane
