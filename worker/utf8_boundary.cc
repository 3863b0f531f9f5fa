#include "worker/utf8_boundary.h"

namespace edgectl::worker {
namespace {

bool IsContinuation(unsigned char c) { return (c & 0xC0) == 0x80; }

// Total length of the sequence a lead byte starts, or 0 when it is not a multi-byte lead.
size_t SequenceLength(unsigned char c) {
  if (c >= 0xC2 && c <= 0xDF) return 2;
  if ((c & 0xF0) == 0xE0) return 3;
  if (c >= 0xF0 && c <= 0xF4) return 4;
  return 0;
}

}  // namespace

size_t CompleteUtf8PrefixLength(std::string_view data) {
  const size_t size = data.size();
  // A sequence is at most 4 bytes, so only the last 3 bytes can be an unfinished one.
  for (size_t back = 1; back <= 3 && back <= size; ++back) {
    const auto c = static_cast<unsigned char>(data[size - back]);
    if (IsContinuation(c)) continue;
    const size_t needed = SequenceLength(c);
    return (needed > back) ? size - back : size;
  }
  return size;
}

}  // namespace edgectl::worker
