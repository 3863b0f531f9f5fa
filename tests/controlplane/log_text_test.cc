// edge3's log text rules (controlplane/log_text.h): expected values are what CPython produces
// for bytes.decode("utf-8", errors="backslashreplace").replace("\x00", "\ufffd") and for
// slicing the resulting str by characters.
#include "controlplane/log_text.h"

#include <gtest/gtest.h>

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

}  // namespace
}  // namespace edgectl::controlplane
