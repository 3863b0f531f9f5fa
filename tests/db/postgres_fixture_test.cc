// The PostgreSQL fixture itself: databases are isolated, and the cluster directory is removed
// even when the owning process is killed (the watchdog's job).
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <pqxx/pqxx>
#include <string>
#include <thread>

#include "gtest/gtest.h"
#include "tests/fixtures/postgres_server.h"

namespace edgectl::testing {
namespace {

bool Exists(const std::string& path) {
  struct stat st;
  return stat(path.c_str(), &st) == 0;
}

TEST(PostgresFixtureTest, DatabasesAreSeparate) {
  std::string a = CreateEdgeDatabase("iso_a");
  std::string b = CreateEdgeDatabase("iso_b");
  ASSERT_FALSE(a.empty());
  ASSERT_FALSE(b.empty());
  ASSERT_NE(a, b);
  {
    pqxx::connection conn(a);
    pqxx::work tx(conn);
    tx.exec0("INSERT INTO edge_worker (worker_name, state, jobs_active) VALUES ('w', 'idle', 0)");
    tx.commit();
  }
  pqxx::connection conn(b);
  pqxx::read_transaction tx(conn);
  EXPECT_EQ(tx.exec1("SELECT count(*) FROM edge_worker")[0].as<int>(), 0);
}

TEST(PostgresFixtureTest, KilledOwnerLeavesNoClusterBehind) {
  if (std::getenv("EDGE_TEST_PG_DSN") != nullptr) GTEST_SKIP() << "uses an external server";
  int fds[2];
  ASSERT_EQ(pipe(fds), 0);
  pid_t child = fork();
  ASSERT_GE(child, 0);
  if (child == 0) {
    // Start a server, tell the parent where it lives, then wait to be killed.
    close(fds[0]);
    auto* server = new PostgresServer();
    if (!server->Start().ok()) _exit(2);
    std::string info = std::to_string(server->port()) + " " + server->dir() + "\n";
    (void)!write(fds[1], info.data(), info.size());
    pause();
    _exit(0);
  }
  close(fds[1]);
  char buf[256] = {};
  ssize_t n = read(fds[0], buf, sizeof(buf) - 1);
  close(fds[0]);
  ASSERT_GT(n, 0) << "child could not start PostgreSQL";
  int port = std::atoi(buf);
  std::string dir = std::string(buf).substr(std::string(buf).find(' ') + 1);
  dir.pop_back();  // newline
  ASSERT_TRUE(Exists(dir));
  std::string dsn = "host=127.0.0.1 port=" + std::to_string(port) + " user=test dbname=postgres";
  { pqxx::connection conn(dsn); }  // the server is up

  kill(child, SIGKILL);
  waitpid(child, nullptr, 0);

  // The watchdog notices the closed pipe and stops the server; await it (bounded).
  bool gone = false;
  for (int i = 0; i < 300 && !gone; ++i) {
    try {
      pqxx::connection conn(dsn);
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
    } catch (const pqxx::broken_connection&) {
      gone = true;
    }
  }
  EXPECT_TRUE(gone) << "PostgreSQL on port " << port << " outlived its killed owner";
  for (int i = 0; i < 300 && Exists(dir); ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  EXPECT_FALSE(Exists(dir)) << dir << " was left behind";
}

}  // namespace
}  // namespace edgectl::testing
