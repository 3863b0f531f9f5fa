// UTF-8 boundary cutting and the LogTailer's chunking from the file, chunk times, acknowledgement
// and resend (from the file, unchanged, also after the record went through the journal).
#include "worker/log_tailer.h"
#include "worker/job_record.h"

#include <unistd.h>

#include <fstream>

#include "gtest/gtest.h"
#include "tests/worker/manual_time.h"
#include "worker/log_chunk_reader.h"
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

class LogTailerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    record_.log_file = std::string(getenv("TEST_TMPDIR")) + "/" +
                       ::testing::UnitTest::GetInstance()->current_test_info()->name() + ".log";
    unlink(record_.log_file.c_str());
  }
  void Append(const std::string& bytes) {
    std::ofstream(record_.log_file, std::ios::binary | std::ios::app) << bytes;
  }
  std::vector<OutgoingChunk> Batch(LogTailer& tailer, bool final = false, size_t budget = 1000) {
    absl::StatusOr<std::vector<OutgoingChunk>> batch =
        tailer.NextBatch(record_, budget, final, /*text_only=*/false);
    EXPECT_TRUE(batch.ok()) << batch.status();
    if (!batch.ok()) return {};
    // File chunks are descriptors; their bytes are read as the stream sends them.
    LogChunkReader reader;
    for (OutgoingChunk& c : *batch) {
      if (!c.text) EXPECT_TRUE(reader.Read(record_.log_file, c, &c.data));
    }
    return *batch;
  }
  static std::string Joined(const std::vector<OutgoingChunk>& chunks) {
    std::string out;
    for (const auto& c : chunks) out += c.data;
    return out;
  }
  JobRecord record_;
  FakeClock clock_;
};

TEST_F(LogTailerTest, MissingFileIsNotAnError) {
  LogTailer tailer(100, 100, &clock_);
  EXPECT_TRUE(Batch(tailer).empty());
  EXPECT_TRUE(record_.log_pending.empty());
  EXPECT_TRUE(tailer.Complete(record_, false));
}

TEST_F(LogTailerTest, HoldsPartialCharacterUntilCompletedOrFinal) {
  LogTailer tailer(100, 100, &clock_);
  Append("ab\xE2\x82");
  std::vector<OutgoingChunk> sent = Batch(tailer);
  EXPECT_EQ(Joined(sent), "ab");
  LogTailer::Acknowledge(record_, sent, 2);
  Append("\xAC" "cd");
  sent = Batch(tailer);
  EXPECT_EQ(Joined(sent), "\xE2\x82\xAC" "cd");
  EXPECT_EQ(sent[0].offset, 2u);
  LogTailer::Acknowledge(record_, sent, 7);
  Append("\xF0\x9F");
  EXPECT_TRUE(Batch(tailer).empty());
  EXPECT_FALSE(tailer.Complete(record_, false));
  sent = Batch(tailer, /*final=*/true);  // the job ended: send what there is
  EXPECT_EQ(Joined(sent), "\xF0\x9F");
  LogTailer::Acknowledge(record_, sent, 9);
  EXPECT_TRUE(tailer.Complete(record_, false));
}

TEST_F(LogTailerTest, CutsLongReadsAtCharacterBoundariesWithinTheChunkSize) {
  LogTailer tailer(4, 4, &clock_);
  Append("a\xE2\x82\xAC" "bcdef");  // a € b c d e f
  std::vector<OutgoingChunk> sent = Batch(tailer);
  ASSERT_EQ(sent.size(), 3u);
  EXPECT_EQ(sent[0].data, "a\xE2\x82\xAC");
  EXPECT_EQ(sent[1].data, "bcde");
  EXPECT_EQ(sent[2].data, "f");
  EXPECT_EQ(sent[2].offset, 8u);
  // Only offsets are kept: the bytes stay in the file.
  for (const LogChunkRecord& c : record_.log_pending) EXPECT_FALSE(c.text.has_value());
}

TEST_F(LogTailerTest, ABatchStopsAtItsBudgetAndTheBacklogFollows) {
  LogTailer tailer(10, 1000, &clock_);
  Append(std::string(100, 'z'));
  std::vector<OutgoingChunk> sent = Batch(tailer, false, 25);
  EXPECT_EQ(sent.size(), 3u);  // 30 bytes: the budget is passed by at most one chunk
  EXPECT_EQ(record_.log_emitted, 30u);
  LogTailer::Acknowledge(record_, sent, 30);
  EXPECT_EQ(Joined(Batch(tailer, false, 1000)), std::string(70, 'z'));
}

TEST_F(LogTailerTest, ChunkTimesStrictlyIncreaseEvenWithAFrozenClock) {
  LogTailer tailer(4, 1000, &clock_);
  Append("aabbcc");
  Batch(tailer);
  tailer.AppendText(record_, "notice\n");
  ASSERT_EQ(record_.log_pending.size(), 3u);
  for (size_t i = 1; i < record_.log_pending.size(); ++i) {
    EXPECT_GE(record_.log_pending[i].time_us - record_.log_pending[i - 1].time_us, 1);
  }
  // AppendText takes the end offset without moving it: the next file bytes start there too.
  EXPECT_EQ(record_.log_pending[2].offset, 6u);
  EXPECT_EQ(record_.log_emitted, 6u);
}

TEST_F(LogTailerTest, ChunksThatMaySplitIntoSlicesLeaveRoomForTheSliceTimes) {
  LogTailer tailer(100, 10, &clock_);  // sidecar slices every 10 characters
  Append(std::string(40, 'x'));
  Batch(tailer);
  tailer.AppendText(record_, "y");
  // 40 bytes may become 160 escaped characters = 16 slices, 1 us apart.
  EXPECT_GE(record_.log_pending[1].time_us - record_.log_pending[0].time_us, 16);
}

TEST_F(LogTailerTest, UnacknowledgedChunksAreResentUnchangedEvenAfterARestart) {
  LogTailer tailer(4, 1000, &clock_);
  Append("abcdefghij");
  const std::vector<OutgoingChunk> first = Batch(tailer);
  ASSERT_EQ(first.size(), 3u);
  // The call failed; the worker restarts from its journal; the clock has moved on.
  absl::StatusOr<JobRecord> restored = JobRecordFromJson(JobRecordToJson(record_));
  ASSERT_TRUE(restored.ok());
  record_ = *restored;
  clock_.now += absl::Seconds(5);
  LogTailer restarted(4, 1000, &clock_);
  const std::vector<OutgoingChunk> again = Batch(restarted);
  ASSERT_EQ(again.size(), 3u);
  for (size_t i = 0; i < 3; ++i) {
    EXPECT_EQ(again[i].offset, first[i].offset);
    EXPECT_EQ(again[i].data, first[i].data);
    EXPECT_EQ(again[i].time_us, first[i].time_us);
  }
  LogTailer::Acknowledge(record_, again, 8);  // "abcd", "efgh" stored; "ij" not
  ASSERT_EQ(record_.log_pending.size(), 1u);
  EXPECT_EQ(record_.log_pending[0].offset, 8u);
  // New bytes come after the pending chunk, with a later time.
  Append("k");
  const std::vector<OutgoingChunk> next = Batch(restarted);
  ASSERT_EQ(next.size(), 2u);
  EXPECT_EQ(next[0].data, "ij");
  EXPECT_EQ(next[1].data, "k");
  EXPECT_GT(next[1].time_us, next[0].time_us);
}

TEST_F(LogTailerTest, ChunksNotInTheCallAreNotAcknowledged) {
  LogTailer tailer(100, 1000, &clock_);
  Append("abc");
  Batch(tailer);
  LogTailer::Acknowledge(record_, {}, 100);
  EXPECT_EQ(record_.log_pending.size(), 1u);
}

TEST_F(LogTailerTest, TextOnlySkipsTheFileButSendsText) {
  LogTailer tailer(100, 1000, &clock_);
  Append("file bytes");
  tailer.AppendText(record_, "Error executing job:\nboom");
  absl::StatusOr<std::vector<OutgoingChunk>> batch =
      tailer.NextBatch(record_, 1000, /*final=*/true, /*text_only=*/true);
  ASSERT_TRUE(batch.ok());
  EXPECT_EQ(Joined(*batch), "Error executing job:\nboom");
  LogTailer::Acknowledge(record_, *batch, 1000);
  EXPECT_TRUE(tailer.Complete(record_, true));
}

}  // namespace
}  // namespace edgectl::worker
