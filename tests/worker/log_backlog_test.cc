// Shipping a large backlog holds a fixed amount per job, whatever the file's size: the tailer
// hands out descriptors (no file bytes), at most a budget of them unacknowledged, and the reader
// holds one chunk at a time. Delivery stays resumable: a partial acknowledgement re-sends the
// rest first, unchanged (same offsets, same chunk times), and every byte is delivered once.
#include <unistd.h>

#include <fstream>
#include <map>
#include <string>
#include <vector>

#include "gtest/gtest.h"
#include "tests/worker/manual_time.h"
#include "worker/job_record.h"
#include "worker/log_chunk_reader.h"
#include "worker/log_tailer.h"
#include "worker/utf8_boundary.h"

namespace edgectl::worker {
namespace {

constexpr size_t kChunk = 64 << 10;
constexpr size_t kBudget = 1 << 20;
constexpr size_t kFileBytes = 48 << 20;

std::string MakeBacklog(const std::string& path) {
  std::string block;
  for (int i = 0; block.size() < (1 << 20) - 200; ++i) {
    block += std::to_string(i) + " caf\xC3\xA9 \xE2\x9C\x93 \xF0\x9F\x98\x80 log line\n";
  }
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  std::string whole;
  while (whole.size() + block.size() <= kFileBytes) whole += block;
  whole.append(kFileBytes - whole.size(), 'z');
  out << whole;
  return whole;
}

TEST(LogBacklogTest, ShipsAHugeBacklogWithFixedMemoryAndResumes) {
  JobRecord record;
  record.log_file = std::string(getenv("TEST_TMPDIR")) + "/backlog.log";
  const std::string file = MakeBacklog(record.log_file);
  FakeClock clock;
  LogTailer tailer(kChunk, kChunk, &clock);
  LogChunkReader reader;
  std::string buffer;  // the stream's one message body, reused
  std::map<uint64_t, std::string> delivered;  // offset -> bytes the sidecar stored
  std::map<uint64_t, int64_t> time_of;        // offset -> chunk_time of its first sending
  size_t max_pending = 0;
  for (int round = 0; !tailer.Complete(record, false); ++round) {
    ASSERT_LT(round, 10000);
    absl::StatusOr<std::vector<OutgoingChunk>> batch =
        tailer.NextBatch(record, kBudget, /*final=*/true, /*text_only=*/false);
    ASSERT_TRUE(batch.ok()) << batch.status();
    max_pending = std::max(max_pending, record.log_pending.size());
    std::vector<OutgoingChunk> stored;
    for (size_t i = 0; i < batch->size(); ++i) {
      const OutgoingChunk& c = (*batch)[i];
      EXPECT_TRUE(c.data.empty()) << "the tailer read file bytes at " << c.offset;
      ASSERT_TRUE(reader.Read(record.log_file, c, &buffer));
      ASSERT_EQ(buffer, file.substr(c.offset, c.length));
      EXPECT_EQ(CompleteUtf8PrefixLength(buffer), buffer.size()) << "character cut at "
                                                                  << c.offset + c.length;
      auto [t, first] = time_of.try_emplace(c.offset, c.time_us);
      EXPECT_EQ(t->second, c.time_us) << "a re-sent chunk must keep its chunk_time";
      // Every third call the stream breaks after half its chunks: those are stored, the rest
      // stays pending and must come again first.
      if (round % 3 == 2 && i >= batch->size() / 2) continue;
      delivered[c.offset] = buffer;
      stored.push_back(c);
    }
    uint64_t until = 0;
    for (const OutgoingChunk& c : stored) until = std::max(until, c.offset + c.size());
    LogTailer::Acknowledge(record, stored, until);
  }
  // Fixed memory: one chunk in the reader, a budget's worth of descriptors pending.
  EXPECT_LE(reader.max_bytes_held(), kChunk);
  EXPECT_LE(max_pending, kBudget / kChunk + 1);
  // Everything once, in order, nothing doubled or lost.
  std::string joined;
  uint64_t next = 0;
  for (const auto& [offset, bytes] : delivered) {
    EXPECT_EQ(offset, next);
    joined += bytes;
    next = offset + bytes.size();
  }
  EXPECT_EQ(joined.size(), file.size());
  EXPECT_TRUE(joined == file);
}

TEST(LogBacklogTest, AChunkWhoseBytesAreGoneIsNotRead) {
  JobRecord record;
  record.log_file = std::string(getenv("TEST_TMPDIR")) + "/shrunk.log";
  std::ofstream(record.log_file, std::ios::binary | std::ios::trunc) << std::string(100, 'a');
  FakeClock clock;
  LogTailer tailer(64, 64, &clock);
  absl::StatusOr<std::vector<OutgoingChunk>> batch = tailer.NextBatch(record, 1000, false, false);
  ASSERT_TRUE(batch.ok());
  ASSERT_EQ(batch->size(), 2u);
  ASSERT_EQ(truncate(record.log_file.c_str(), 10), 0);  // rotated under the task
  LogChunkReader reader;
  std::string buffer;
  EXPECT_FALSE(reader.Read(record.log_file, (*batch)[0], &buffer));
  // The next batch forgets the chunks the file no longer holds instead of sending other bytes.
  batch = tailer.NextBatch(record, 1000, false, false);
  ASSERT_TRUE(batch.ok());
  EXPECT_TRUE(batch->empty());
  EXPECT_TRUE(record.log_pending.empty());
}

}  // namespace
}  // namespace edgectl::worker
