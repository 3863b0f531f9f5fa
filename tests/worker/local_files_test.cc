// Temp files a killed process left behind (WriteFileAtomically's `<name>.tmp.<pid>`) are removed
// at the next start; those of live processes and files that only look similar are kept.
#include <sys/wait.h>
#include <unistd.h>

#include <fstream>
#include <string>

#include "gtest/gtest.h"
#include "worker/local_files.h"

namespace edgectl::worker {
namespace {

bool Exists(const std::string& path) { return access(path.c_str(), F_OK) == 0; }

TEST(LocalFilesTest, RemovesOnlyTempFilesOfGoneProcesses) {
  const std::string dir = ::testing::TempDir() + "/stale-temp";
  ASSERT_EQ(system(("rm -rf " + dir + " && mkdir -p " + dir).c_str()), 0);
  const pid_t child = fork();
  if (child == 0) _exit(0);
  ASSERT_GT(child, 0);
  waitpid(child, nullptr, 0);  // its pid now names no process
  const std::string dead = dir + "/worker.status.tmp." + std::to_string(child);
  const std::string live = dir + "/worker.status.tmp." + std::to_string(getpid());
  const std::string odd = dir + "/notes.tmp.draft";
  const std::string kept = dir + "/worker.status";
  for (const std::string& path : {dead, live, odd, kept}) std::ofstream(path) << "x";
  EXPECT_EQ(RemoveStaleTempFiles(dir), 1);
  EXPECT_FALSE(Exists(dead));
  EXPECT_TRUE(Exists(live));
  EXPECT_TRUE(Exists(odd));
  EXPECT_TRUE(Exists(kept));
  EXPECT_EQ(RemoveStaleTempFiles(dir + "/missing"), 0);
}

}  // namespace
}  // namespace edgectl::worker
