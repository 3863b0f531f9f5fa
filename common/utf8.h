// File: common/utf8.h
//
// Minimal UTF-8 decoding/encoding shared by the Python repr printer and the table renderers.
// Decoding is lenient: a malformed sequence yields its first byte's value with `valid = false`
// and length 1, so callers can escape or count it instead of failing. (PostgreSQL only stores
// valid UTF-8; this matters for text from elsewhere.)
#ifndef EDGECTL_COMMON_UTF8_H_
#define EDGECTL_COMMON_UTF8_H_

#include <cstddef>
#include <string>
#include <string_view>

namespace edgectl {

struct DecodedChar {
  char32_t code_point;
  size_t length;  // bytes consumed, >= 1
  bool valid;
};

DecodedChar DecodeUtf8At(std::string_view text, size_t pos);
void AppendUtf8(char32_t code_point, std::string* out);

// Characters as PostgreSQL's VARCHAR(n) counts them (code points).
size_t CodePointCount(std::string_view utf8);

// Columns a terminal uses for the text: East Asian wide/fullwidth characters and most emoji take
// two, combining marks and zero-width characters none, everything else one.
size_t DisplayWidth(std::string_view utf8);

}  // namespace edgectl

#endif  // EDGECTL_COMMON_UTF8_H_
