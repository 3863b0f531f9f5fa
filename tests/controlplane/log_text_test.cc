// edge3's log text rules (controlplane/log_text.h): expected values are what CPython produces
// for bytes.decode("utf-8", errors="backslashreplace").replace("\x00", "\ufffd") and for
// slicing the resulting str by characters.
#include "controlplane/log_text.h"

#include <gtest/gtest.h>

#include <cstdint>
#include <random>

namespace edgectl::controlplane {
namespace {

TEST(DecodeLogBytes, KeepsValidUtf8) {
  EXPECT_EQ(DecodeLogBytes("plain ascii\n"), "plain ascii\n");
  EXPECT_EQ(DecodeLogBytes("gr\xC3\xBC\xC3\x9F \xE2\x82\xAC \xF0\x9F\x98\x80"),
            "gr\xC3\xBC\xC3\x9F \xE2\x82\xAC \xF0\x9F\x98\x80");
}

TEST(DecodeLogBytes, EscapesInvalidBytesLikeBackslashreplace) {
  EXPECT_EQ(DecodeLogBytes("a\xFF" "b"), "a\\xffb");
  EXPECT_EQ(DecodeLogBytes("\x80"), "\\x80");                   // lone continuation byte
  EXPECT_EQ(DecodeLogBytes("\xE2\x82" "A"), "\\xe2\\x82A");     // truncated sequence
  EXPECT_EQ(DecodeLogBytes("\xC0\xAF"), "\\xc0\\xaf");          // overlong
  EXPECT_EQ(DecodeLogBytes("\xED\xA0\x80"), "\\xed\\xa0\\x80");  // surrogate
  EXPECT_EQ(DecodeLogBytes("\xF4\x90\x80\x80"), "\\xf4\\x90\\x80\\x80");  // > U+10FFFF
  EXPECT_EQ(DecodeLogBytes("\xE2\x28\xA1"), "\\xe2(\\xa1");
  EXPECT_EQ(DecodeLogBytes("end\xF0\x9F\x98"), "end\\xf0\\x9f\\x98");  // cut at the end
}

TEST(DecodeLogBytes, ReplacesNulWithReplacementCharacter) {
  EXPECT_EQ(DecodeLogBytes(std::string("a\0b", 3)), "a\xEF\xBF\xBD" "b");
  EXPECT_EQ(DecodeLogBytes(std::string("\0\xFF", 2)), "\xEF\xBF\xBD\\xff");
}

TEST(SplitIntoSlices, CountsCharactersNotBytes) {
  // "aé€😀b" is 5 characters, 1+2+3+4+1 bytes.
  const std::string text = "a\xC3\xA9\xE2\x82\xAC\xF0\x9F\x98\x80" "b";
  EXPECT_EQ(SplitIntoSlices(text, 2),
            (std::vector<std::string>{"a\xC3\xA9", "\xE2\x82\xAC\xF0\x9F\x98\x80", "b"}));
  EXPECT_EQ(SplitIntoSlices(text, 5), std::vector<std::string>{text});
  EXPECT_EQ(SplitIntoSlices(text, 100), std::vector<std::string>{text});
  EXPECT_TRUE(SplitIntoSlices("", 3).empty());
}

TEST(SplitIntoSlices, EscapesCountAsFourCharacters) {
  EXPECT_EQ(SplitIntoSlices(DecodeLogBytes("\xFF" "ab"), 4),
            (std::vector<std::string>{"\\xff", "ab"}));
}

// The per-character decoder the fast path replaced (one WellFormedLength per sequence, one
// append per character): the fast path must write exactly what it wrote.
std::string SlowDecode(std::string_view bytes) {
  const auto cont = [](uint8_t b) { return (b & 0xC0) == 0x80; };
  const auto len = [&](size_t i) -> size_t {
    const auto at = [&](size_t k) { return static_cast<uint8_t>(bytes[k]); };
    const uint8_t b0 = at(i);
    const size_t left = bytes.size() - i;
    if (b0 < 0x80) return 1;
    if (b0 >= 0xC2 && b0 <= 0xDF) return left >= 2 && cont(at(i + 1)) ? 2 : 0;
    if (b0 >= 0xE0 && b0 <= 0xEF) {
      if (left < 3) return 0;
      const uint8_t b1 = at(i + 1);
      if (b1 < (b0 == 0xE0 ? 0xA0 : 0x80) || b1 > (b0 == 0xED ? 0x9F : 0xBF)) return 0;
      return cont(at(i + 2)) ? 3 : 0;
    }
    if (b0 >= 0xF0 && b0 <= 0xF4) {
      if (left < 4) return 0;
      const uint8_t b1 = at(i + 1);
      if (b1 < (b0 == 0xF0 ? 0x90 : 0x80) || b1 > (b0 == 0xF4 ? 0x8F : 0xBF)) return 0;
      return cont(at(i + 2)) && cont(at(i + 3)) ? 4 : 0;
    }
    return 0;
  };
  static constexpr char kHex[] = "0123456789abcdef";
  std::string text;
  for (size_t i = 0; i < bytes.size();) {
    const size_t n = len(i);
    if (n == 0) {
      const auto b = static_cast<uint8_t>(bytes[i]);
      text += "\\x";
      text += kHex[b >> 4];
      text += kHex[b & 0xF];
      ++i;
    } else if (n == 1 && bytes[i] == '\0') {
      text += "\xEF\xBF\xBD";
      ++i;
    } else {
      text.append(bytes.substr(i, n));
      i += n;
    }
  }
  return text;
}

std::string RandomLogBytes(std::mt19937& rng) {
  static const std::string kPieces[] = {
      "a", "line of an ordinary task log ", "\n", std::string(1, '\0'), "\xC3\xA9",
      "\xE2\x82\xAC", "\xF0\x9F\x98\x80", "\xFF", "\x80", "\xE2\x82", "\xC0\xAF",
      "\xED\xA0\x80", "\xF4\x90\x80\x80", "\xF0\x9F"};
  std::string s;
  if (rng() % 4 == 0) {  // arbitrary bytes
    for (int k = static_cast<int>(rng() % 80); k > 0; --k) s.push_back(static_cast<char>(rng()));
    return s;
  }
  for (int k = static_cast<int>(rng() % 60); k > 0; --k) s += kPieces[rng() % 14];
  return s;
}

TEST(DecodeLogBytesFastPath, ByteIdenticalToThePerCharacterDecoder) {
  std::mt19937 rng(42);
  for (int i = 0; i < 20000; ++i) {
    const std::string bytes = RandomLogBytes(rng);
    ASSERT_EQ(DecodeLogBytes(bytes), SlowDecode(bytes)) << i;
    // Chunks are decoded one by one: a multi-byte character cut at a chunk boundary is escaped
    // the same way by both.
    const size_t cut = bytes.empty() ? 0 : rng() % bytes.size();
    ASSERT_EQ(DecodeLogBytes(bytes.substr(0, cut)) + DecodeLogBytes(bytes.substr(cut)),
              SlowDecode(bytes.substr(0, cut)) + SlowDecode(bytes.substr(cut)));
  }
}

TEST(DecodeLogBytesFastPath, CleanPrefixStopsAtTheFirstByteNeedingWork) {
  EXPECT_EQ(CleanPrefixLength("0123456789abcdef\xC3\xA9xyz"), 21u);  // all clean
  EXPECT_EQ(CleanPrefixLength(std::string("0123456789abcdef\0z", 18)), 16u);  // NUL
  EXPECT_EQ(CleanPrefixLength("0123456789\xFFz"), 10u);                  // invalid byte
  EXPECT_EQ(CleanPrefixLength("01234567\xE2\x82"), 8u);                   // cut character
  EXPECT_EQ(CleanPrefixLength(""), 0u);
  // A big valid chunk comes back as it was (no escape, no replacement).
  std::string big;
  for (int i = 0; i < 20000; ++i) big += "caf\xC3\xA9 \xE2\x9C\x93 the quick brown fox\n";
  EXPECT_EQ(DecodeLogBytes(big), big);
  big[123457] = '\0';
  EXPECT_EQ(DecodeLogBytes(big), SlowDecode(big));
}

TEST(SplitIntoSlices, OneSliceWithoutCountingWhenTheBytesFit) {
  const std::string text = "a\xC3\xA9\xE2\x82\xAC";  // 3 characters, 6 bytes
  EXPECT_EQ(SplitIntoSlices(text, 6), std::vector<std::string>{text});
  EXPECT_EQ(SplitIntoSlices(text, 3), std::vector<std::string>{text});  // counted: 3 fit
  EXPECT_EQ(SplitIntoSlices(text, 2),
            (std::vector<std::string>{"a\xC3\xA9", "\xE2\x82\xAC"}));
}

}  // namespace
}  // namespace edgectl::controlplane
