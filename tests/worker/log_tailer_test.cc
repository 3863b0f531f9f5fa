// UTF-8 boundary cutting and the LogTailer's chunking, chunk times, acknowledgement and resend.
#include "worker/log_tailer.h"

#include <unistd.h>

#include <fstream>

#include "gtest/gtest.h"
#include "worker/utf8_boundary.h"

namespace edgectl::worker {
namespace {

TEST(Utf8BoundaryTest, HoldsBackOnlyAnUnfinishedTrailingCharacter) {
  EXPECT_EQ(CompleteUtf8PrefixLength(""), 0u);
  EXPECT_EQ(CompleteUtf8PrefixLength("abc"), 3u);
  EXPECT_EQ(CompleteUtf8PrefixLength("a\xC3\xA2"), 3u);          // complete 2-byte
  EXPECT_EQ(CompleteUtf8PrefixLength("a\xC3"), 1u);              // 1 of 2
  EXPECT_EQ(CompleteUtf8PrefixLength("a\xE2\x82"), 1u);          // 2 of 3
  EXPECT_EQ(CompleteUtf8PrefixLength("a\xE2\x82\xAC"), 4u);      // complete euro sign
  EXPECT_EQ(CompleteUtf8PrefixLength("a\xF0\x9F\x98"), 1u);      // 3 of 4
  EXPECT_EQ(CompleteUtf8PrefixLength("a\xF0\x9F\x98\x80"), 5u);  // complete emoji
  // Invalid bytes are not held back: more bytes could never make them valid.
  EXPECT_EQ(CompleteUtf8PrefixLength("a\xFF"), 2u);
  EXPECT_EQ(CompleteUtf8PrefixLength("a\x80\x80\x80"), 4u);
  EXPECT_EQ(CompleteUtf8PrefixLength("a\xC3\xA2\x80"), 4u);  // stray continuation after complete
}

class FakeClock : public Clock {
 public:
  absl::Time Now() override { return now; }
  absl::Time now = absl::FromUnixSeconds(1700000000);
};

class LogTailerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    path_ = std::string(getenv("TEST_TMPDIR")) + "/" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name() + ".log";
    unlink(path_.c_str());
  }
  void Append(const std::string& bytes) {
    std::ofstream(path_, std::ios::binary | std::ios::app) << bytes;
  }
  std::string Joined(LogTailer& tailer) {
    std::string out;
    for (const auto& c : tailer.pending()) out += c.data;
    return out;
  }
  std::string path_;
  FakeClock clock_;
};

TEST_F(LogTailerTest, MissingFileIsNotAnError) {
  LogTailer tailer(path_, 100, 100, &clock_);
  EXPECT_TRUE(tailer.ReadNew(false).ok());
  EXPECT_FALSE(tailer.HasPending());
}

TEST_F(LogTailerTest, HoldsPartialCharacterUntilCompletedOrFinal) {
  LogTailer tailer(path_, 100, 100, &clock_);
  Append("ab\xE2\x82");
  ASSERT_TRUE(tailer.ReadNew(false).ok());
  EXPECT_EQ(Joined(tailer), "ab");
  Append("\xAC" "cd");
  ASSERT_TRUE(tailer.ReadNew(false).ok());
  EXPECT_EQ(Joined(tailer), "ab\xE2\x82\xAC" "cd");
  EXPECT_EQ(tailer.pending()[1].offset, 2u);
  Append("\xF0\x9F");
  ASSERT_TRUE(tailer.ReadNew(false).ok());
  EXPECT_EQ(tailer.pending().size(), 2u);
  ASSERT_TRUE(tailer.ReadNew(true).ok());  // the job ended: emit what there is
  EXPECT_EQ(Joined(tailer), "ab\xE2\x82\xAC" "cd\xF0\x9F");
}

TEST_F(LogTailerTest, CutsLongReadsAtCharacterBoundariesWithinTheChunkSize) {
  LogTailer tailer(path_, 4, 4, &clock_);
  Append("a\xE2\x82\xAC" "bcdef");  // a € b c d e f
  ASSERT_TRUE(tailer.ReadNew(false).ok());
  ASSERT_EQ(tailer.pending().size(), 3u);
  EXPECT_EQ(tailer.pending()[0].data, "a\xE2\x82\xAC");
  EXPECT_EQ(tailer.pending()[1].data, "bcde");
  EXPECT_EQ(tailer.pending()[2].data, "f");
  EXPECT_EQ(tailer.pending()[2].offset, 8u);
}

TEST_F(LogTailerTest, ChunkTimesStrictlyIncreaseEvenWithAFrozenClock) {
  LogTailer tailer(path_, 4, 1000, &clock_);
  Append("aabbcc");
  ASSERT_TRUE(tailer.ReadNew(false).ok());
  tailer.AppendText("notice\n");
  ASSERT_EQ(tailer.pending().size(), 3u);
  for (size_t i = 1; i < tailer.pending().size(); ++i) {
    EXPECT_GE(tailer.pending()[i].chunk_time - tailer.pending()[i - 1].chunk_time,
              absl::Microseconds(1));
  }
  // AppendText takes the end offset without moving it: the next file bytes start there too.
  EXPECT_EQ(tailer.pending()[2].offset, 6u);
  EXPECT_EQ(tailer.emitted_offset(), 6u);
}

TEST_F(LogTailerTest, ChunksThatMaySplitIntoSlicesLeaveRoomForTheSliceTimes) {
  LogTailer tailer(path_, 100, 10, &clock_);  // sidecar slices every 10 characters
  Append(std::string(40, 'x'));
  ASSERT_TRUE(tailer.ReadNew(false).ok());
  tailer.AppendText("y");
  // 40 bytes may become 160 escaped characters = 16 slices, 1 us apart.
  EXPECT_GE(tailer.pending()[1].chunk_time - tailer.pending()[0].chunk_time,
            absl::Microseconds(16));
}

TEST_F(LogTailerTest, UnacknowledgedChunksStayUnchangedForResend) {
  LogTailer tailer(path_, 4, 1000, &clock_);
  Append("abcdefghij");
  ASSERT_TRUE(tailer.ReadNew(false).ok());
  ASSERT_EQ(tailer.pending().size(), 3u);
  const absl::Time first_time = tailer.pending()[0].chunk_time;
  for (auto& c : tailer.pending()) c.in_flight = true;
  tailer.ClearInFlight();  // the call failed
  clock_.now += absl::Seconds(5);
  ASSERT_EQ(tailer.pending().size(), 3u);
  EXPECT_EQ(tailer.pending()[0].chunk_time, first_time);
  for (auto& c : tailer.pending()) c.in_flight = true;
  tailer.Acknowledge(8);  // "abcd", "efgh" stored; "ij" not
  ASSERT_EQ(tailer.pending().size(), 1u);
  EXPECT_EQ(tailer.pending()[0].data, "ij");
  EXPECT_FALSE(tailer.pending()[0].in_flight);
}

TEST_F(LogTailerTest, ChunksNotInTheCallAreNotAcknowledged) {
  LogTailer tailer(path_, 100, 1000, &clock_);
  Append("abc");
  ASSERT_TRUE(tailer.ReadNew(false).ok());
  tailer.Acknowledge(100);
  EXPECT_EQ(tailer.pending().size(), 1u);
}

}  // namespace
}  // namespace edgectl::worker
