#include "bridge/json_string.h"

#include <cstdint>
#include <cstring>

namespace edgectl::bridge {
namespace {

constexpr uint64_t kOnes = 0x0101010101010101ULL;
constexpr uint64_t kHigh = 0x8080808080808080ULL;

// True when one of the 8 bytes of `w` is non-ASCII, a control character, '"' or '\\'.
inline bool NeedsAttention(uint64_t w) {
  const auto has_zero = [](uint64_t v) { return ((v - kOnes) & ~v & kHigh) != 0; };
  const bool below_space = ((w - 0x20 * kOnes) & ~w & kHigh) != 0;
  return (w & kHigh) != 0 || below_space || has_zero(w ^ (0x22 * kOnes)) ||
         has_zero(w ^ (0x5C * kOnes));
}

bool IsContinuation(uint8_t b) { return (b & 0xC0) == 0x80; }

// Length of the well-formed UTF-8 sequence of a non-ASCII lead at s[i], 0 when ill-formed.
size_t MultiByteLength(std::string_view s, size_t i) {
  const auto at = [&](size_t k) { return static_cast<uint8_t>(s[k]); };
  const uint8_t b0 = at(i);
  const size_t left = s.size() - i;
  if (b0 >= 0xC2 && b0 <= 0xDF) return left >= 2 && IsContinuation(at(i + 1)) ? 2 : 0;
  if (b0 >= 0xE0 && b0 <= 0xEF) {
    if (left < 3) return 0;
    const uint8_t b1 = at(i + 1);
    if (b1 < (b0 == 0xE0 ? 0xA0 : 0x80) || b1 > (b0 == 0xED ? 0x9F : 0xBF)) return 0;
    return IsContinuation(at(i + 2)) ? 3 : 0;
  }
  if (b0 >= 0xF0 && b0 <= 0xF4) {
    if (left < 4) return 0;
    const uint8_t b1 = at(i + 1);
    if (b1 < (b0 == 0xF0 ? 0x90 : 0x80) || b1 > (b0 == 0xF4 ? 0x8F : 0xBF)) return 0;
    return IsContinuation(at(i + 2)) && IsContinuation(at(i + 3)) ? 4 : 0;
  }
  return 0;
}

}  // namespace

bool AppendJsonString(std::string& out, std::string_view value) {
  static constexpr char kHex[] = "0123456789abcdef";
  const size_t original = out.size();
  out.reserve(original + value.size() + 2);
  out += '"';
  const char* data = value.data();
  const size_t size = value.size();
  size_t run = 0;  // start of the bytes not yet copied
  size_t i = 0;
  while (i < size) {
    if (i + 8 <= size) {
      uint64_t w;
      std::memcpy(&w, data + i, 8);
      if (!NeedsAttention(w)) {
        i += 8;
        continue;
      }
    }
    const auto b = static_cast<uint8_t>(data[i]);
    if (b >= 0x80) {
      const size_t n = MultiByteLength(value, i);
      if (n == 0) {
        out.resize(original);
        return false;
      }
      i += n;
      continue;
    }
    if (b >= 0x20 && b != '"' && b != '\\') {
      ++i;
      continue;
    }
    out.append(data + run, i - run);
    switch (b) {
      case '"': out += "\\\""; break;
      case '\\': out += "\\\\"; break;
      case '\b': out += "\\b"; break;
      case '\t': out += "\\t"; break;
      case '\n': out += "\\n"; break;
      case '\f': out += "\\f"; break;
      case '\r': out += "\\r"; break;
      default: {
        const char escaped[6] = {'\\', 'u', '0', '0', kHex[b >> 4], kHex[b & 0xF]};
        out.append(escaped, 6);
      }
    }
    ++i;
    run = i;
  }
  out.append(data + run, size - run);
  out += '"';
  return true;
}

}  // namespace edgectl::bridge
