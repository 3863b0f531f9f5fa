#include "controlplane/log_text.h"

#include <cstdint>

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

}  // namespace

std::string DecodeLogBytes(std::string_view bytes) {
  static constexpr char kHex[] = "0123456789abcdef";
  static constexpr char kReplacement[] = "\xEF\xBF\xBD";  // U+FFFD
  std::string text;
  text.reserve(bytes.size());
  size_t i = 0;
  while (i < bytes.size()) {
    const size_t n = WellFormedLength(bytes, i);
    if (n == 0) {
      // Escaping one byte and resuming at the next gives CPython's output: the bytes CPython
      // groups into one error are a lead byte plus continuation bytes, and a continuation byte
      // can never start a well-formed sequence.
      const auto b = static_cast<uint8_t>(bytes[i]);
      text += "\\x";
      text += kHex[b >> 4];
      text += kHex[b & 0xF];
      ++i;
    } else if (n == 1 && bytes[i] == '\0') {
      text += kReplacement;
      ++i;
    } else {
      text.append(bytes.substr(i, n));
      i += n;
    }
  }
  return text;
}

std::vector<std::string> SplitIntoSlices(std::string_view text, size_t slice_chars) {
  std::vector<std::string> slices;
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
