// edge_worker.queues holds Python's str(list); these expectations are what CPython 3 prints for
// str([...]) and what ast.literal_eval returns, written out by hand.
#include "common/python_list_repr.h"

#include <string>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace edgectl {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;

TEST(PythonListReprTest, FormatsLikePythonStr) {
  EXPECT_EQ(FormatPythonStrList({}), "[]");
  EXPECT_EQ(FormatPythonStrList({"default"}), "['default']");
  EXPECT_EQ(FormatPythonStrList({"default", "gpu"}), "['default', 'gpu']");
  EXPECT_EQ(FormatPythonStrList({"%_;", "a b"}), "['%_;', 'a b']");
}

TEST(PythonListReprTest, ChoosesQuotesAsPythonRepr) {
  EXPECT_EQ(PythonStrRepr("it's"), "\"it's\"");
  EXPECT_EQ(PythonStrRepr("say \"hi\""), "'say \"hi\"'");
  EXPECT_EQ(PythonStrRepr("both ' and \""), "'both \\' and \"'");
  EXPECT_EQ(PythonStrRepr(""), "''");
}

TEST(PythonListReprTest, EscapesLikePythonRepr) {
  EXPECT_EQ(PythonStrRepr("a\\b"), "'a\\\\b'");
  EXPECT_EQ(PythonStrRepr("line\nnext\r\t"), "'line\\nnext\\r\\t'");
  EXPECT_EQ(PythonStrRepr(std::string("\x00\x01\x7f", 3)), "'\\x00\\x01\\x7f'");
  EXPECT_EQ(PythonStrRepr("\xc2\xa0"), "'\\xa0'");            // NO-BREAK SPACE is not printable
  EXPECT_EQ(PythonStrRepr("\xe2\x80\x8b"), "'\\u200b'");      // ZERO WIDTH SPACE
  EXPECT_EQ(PythonStrRepr("caf\xc3\xa9 \xe6\x97\xa5"), "'caf\xc3\xa9 \xe6\x97\xa5'");  // kept
  EXPECT_EQ(PythonStrRepr("\xf0\x9f\x9a\x80"), "'\xf0\x9f\x9a\x80'");                 // emoji kept
}

TEST(PythonListReprTest, ParsesWhatLiteralEvalAccepts) {
  EXPECT_THAT(*ParsePythonStrList("[]"), IsEmpty());
  EXPECT_THAT(*ParsePythonStrList("['default', 'gpu']"), ElementsAre("default", "gpu"));
  EXPECT_THAT(*ParsePythonStrList("[\"it's\", 'say \"hi\"']"),
              ElementsAre("it's", "say \"hi\""));
  EXPECT_THAT(*ParsePythonStrList(" [ 'a' ,'b', ] "), ElementsAre("a", "b"));
  EXPECT_THAT(*ParsePythonStrList("('a',)"), ElementsAre("a"));
  EXPECT_THAT(*ParsePythonStrList("['\\x41\\u00e9\\U0001F680\\n\\t\\\\\\'\\101']"),
              ElementsAre("A\xc3\xa9\xf0\x9f\x9a\x80\n\t\\'A"));
  EXPECT_THAT(*ParsePythonStrList("[u'a', r'\\n', 'x' \"y\"]"), ElementsAre("a", "\\n", "xy"));
}

TEST(PythonListReprTest, RoundTripsAwkwardNames) {
  const std::vector<std::vector<std::string>> cases = {
      {"it's", "say \"hi\"", "both ' and \""},
      {"back\\slash", "new\nline", "semi;colon", "per%cent", "under_score"},
      {std::string("nul\x00byte", 8), "caf\xc3\xa9", "\xe6\x97\xa5\xe6\x9c\xac", "\xc2\xa0"},
  };
  for (const auto& items : cases) {
    absl::StatusOr<std::vector<std::string>> parsed =
        ParsePythonStrList(FormatPythonStrList(items));
    ASSERT_TRUE(parsed.ok()) << parsed.status();
    EXPECT_EQ(*parsed, items) << FormatPythonStrList(items);
  }
}

TEST(PythonListReprTest, RejectsAnythingButAFlatListOfStrings) {
  for (const char* bad : {"", "None", "'a'", "[1]", "['a'", "['a'] x", "[['a']]", "['a' 'b'",
                          "['\\x4']", "[a]", "['a',,]"}) {
    absl::StatusOr<std::vector<std::string>> parsed = ParsePythonStrList(bad);
    EXPECT_FALSE(parsed.ok()) << bad;
    if (!parsed.ok()) {
      EXPECT_THAT(std::string(parsed.status().message()), HasSubstr("not a Python list"));
    }
  }
}

TEST(PythonListReprTest, QueuesColumnIsNullForAllQueuesAndForEmptyLists) {
  EXPECT_FALSE(QueuesToColumn(std::nullopt).has_value());
  EXPECT_FALSE(QueuesToColumn(std::vector<std::string>{}).has_value());
  EXPECT_EQ(QueuesToColumn(std::vector<std::string>{"default", "it's"}), "['default', \"it's\"]");
}

}  // namespace
}  // namespace edgectl
