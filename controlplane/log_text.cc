#include "controlplane/log_text.h"

#include <cstdint>
#include <cstring>

namespace edgectl::controlplane {
namespace {

bool IsContinuation(uint8_t b) { return (b & 0xC0) == 0x80; }

// Length of the well-formed UTF-8 sequence starting at bytes[i], or 0 when it is ill-formed
// (Unicode Table 3-7, the same rules CPython's decoder applies).
size_t WellFormedLength(std::string_view bytes, size_t i) {
  const auto at = [&](size_t k) { return static_cast<uint8_t>(bytes[k]); };
  const uint8_t b0 = at(i);
  const size_t left = bytes.size() - i;
  if (b0 < 0x80) return 1;
  if (b0 >= 0xC2 && b0 <= 0xDF) return left >= 2 && IsContinuation(at(i + 1)) ? 2 : 0;
  if (b0 >= 0xE0 && b0 <= 0xEF) {
    if (left < 3) return 0;
    const uint8_t b1 = at(i + 1);
    const uint8_t lo = b0 == 0xE0 ? 0xA0 : 0x80;
    const uint8_t hi = b0 == 0xED ? 0x9F : 0xBF;
    if (b1 < lo || b1 > hi || !IsContinuation(at(i + 2))) return 0;
    return 3;
  }
  if (b0 >= 0xF0 && b0 <= 0xF4) {
    if (left < 4) return 0;
    const uint8_t b1 = at(i + 1);
    const uint8_t lo = b0 == 0xF0 ? 0x90 : 0x80;
    const uint8_t hi = b0 == 0xF4 ? 0x8F : 0xBF;
    if (b1 < lo || b1 > hi || !IsContinuation(at(i + 2)) || !IsContinuation(at(i + 3))) return 0;
    return 4;
  }
  return 0;
}

// True when none of the 8 bytes in `w` is 0 and none has its high bit set (plain ASCII, no NUL).
inline bool CleanAsciiWord(uint64_t w) {
  constexpr uint64_t kHigh = 0x8080808080808080ULL;
  constexpr uint64_t kOnes = 0x0101010101010101ULL;
  return ((w | (w - kOnes)) & kHigh) == 0 && (w & kHigh) == 0;
}

}  // namespace

size_t CleanPrefixLength(std::string_view bytes) {
  const size_t size = bytes.size();
  const char* data = bytes.data();
  size_t i = 0;
  while (i < size) {
    // Runs of ASCII (the bulk of a task log) are checked 8 bytes at a time.
    while (i + 8 <= size) {
      uint64_t w;
      std::memcpy(&w, data + i, 8);
      if (!CleanAsciiWord(w)) break;
      i += 8;
    }
    if (i >= size) break;
    const auto b = static_cast<uint8_t>(data[i]);
    if (b != 0 && b < 0x80) {
      ++i;
      continue;
    }
    if (b == 0) return i;
    const size_t n = WellFormedLength(bytes, i);
    if (n == 0) return i;
    i += n;
  }
  return size;
}

namespace {

void AppendDecodedLogBytes(std::string_view bytes, std::string& text) {
  static constexpr char kHex[] = "0123456789abcdef";
  static constexpr char kReplacement[] = "\xEF\xBF\xBD";  // U+FFFD
  size_t i = 0;
  while (i < bytes.size()) {
    // The longest run that needs no change is copied at once.
    const size_t clean = CleanPrefixLength(bytes.substr(i));
    text.append(bytes.data() + i, clean);
    i += clean;
    if (i >= bytes.size()) break;
    const auto b = static_cast<uint8_t>(bytes[i]);
    if (b == 0) {
      text += kReplacement;
    } else {
      // An ill-formed sequence. Escaping one byte and resuming at the next gives CPython's
      // output: the bytes CPython groups into one error are a lead byte plus continuation bytes,
      // and a continuation byte can never start a well-formed sequence.
      const char escaped[4] = {'\\', 'x', kHex[b >> 4], kHex[b & 0xF]};
      text.append(escaped, 4);
    }
    ++i;
  }
}

}  // namespace

std::string DecodeLogBytes(std::string bytes) {
  // The common case, valid UTF-8 without NUL, is the text already: no copy.
  const size_t clean = CleanPrefixLength(bytes);
  if (clean == bytes.size()) return bytes;
  std::string text;
  text.reserve(bytes.size() + 16);
  text.append(bytes, 0, clean);
  AppendDecodedLogBytes(std::string_view(bytes).substr(clean), text);
  return text;
}

std::vector<std::string> SplitIntoSlices(std::string_view text, size_t slice_chars) {
  std::vector<std::string> slices;
  // A text of at most slice_chars bytes has at most that many characters: one slice, no count.
  if (text.size() <= slice_chars) {
    if (!text.empty()) slices.emplace_back(text);
    return slices;
  }
  size_t start = 0;
  size_t chars = 0;
  for (size_t i = 0; i < text.size(); ++i) {
    if (IsContinuation(static_cast<uint8_t>(text[i]))) continue;
    if (chars == slice_chars) {
      slices.emplace_back(text.substr(start, i - start));
      start = i;
      chars = 0;
    }
    ++chars;
  }
  if (start < text.size()) slices.emplace_back(text.substr(start));
  return slices;
}

}  // namespace edgectl::controlplane
