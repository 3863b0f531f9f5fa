// list-workers' four output formats, checked by parsing them back (JSON with nlohmann, YAML with
// yaml-cpp) and by exact layout for table/plain (rich's SimpleTable and tabulate's "plain").
#include "controlplane/admin/listing_output.h"

#include <string>
#include <vector>

#include <nlohmann/json.hpp>
#include <yaml-cpp/yaml.h>

#include "absl/strings/str_split.h"
#include "common/utf8.h"
#include "controlplane/admin/worker_listing.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace edgectl::admin {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;

const std::string kAwkward =
    "it's \"quoted\" 100% a_b; semi\nnew line \\ caf\xc3\xa9 \xf0\x9f\x9a\x80";

std::vector<Record> SampleRecords() {
  return {
      {{"name", FieldValue::Text("w1")},
       {"jobs", FieldValue::Text("0")},
       {"q", FieldValue::List({"a"})},
       {"c", FieldValue::None()}},
      {{"name", FieldValue::Text("worker-two")},
       {"jobs", FieldValue::Text("12")},
       {"q", FieldValue::None()},
       {"c", FieldValue::Text("hi there")}},
  };
}

TEST(ListingOutputTest, JsonIsPythonJsonDumps) {
  EXPECT_EQ(RenderRecords(SampleRecords(), OutputFormat::kJson),
            "[{\"name\": \"w1\", \"jobs\": \"0\", \"q\": [\"a\"], \"c\": null}, "
            "{\"name\": \"worker-two\", \"jobs\": \"12\", \"q\": null, \"c\": \"hi there\"}]\n");
  EXPECT_EQ(RenderRecords({}, OutputFormat::kJson), "[]\n");
  EXPECT_EQ(PythonJsonString("caf\xc3\xa9 \xf0\x9f\x9a\x80\n\"\\"),
            "\"caf\\u00e9 \\ud83d\\ude80\\n\\\"\\\\\"");
}

TEST(ListingOutputTest, JsonParsesBackVerbatim) {
  std::vector<Record> records = {{{"name", FieldValue::Text(kAwkward)},
                                  {"q", FieldValue::List({kAwkward, "x"})},
                                  {"c", FieldValue::None()}}};
  nlohmann::json parsed = nlohmann::json::parse(RenderRecords(records, OutputFormat::kJson));
  ASSERT_TRUE(parsed.is_array());
  ASSERT_EQ(parsed.size(), 1u);
  EXPECT_EQ(parsed[0]["name"], kAwkward);
  EXPECT_EQ(parsed[0]["q"], nlohmann::json({kAwkward, "x"}));
  EXPECT_TRUE(parsed[0]["c"].is_null());
}

TEST(ListingOutputTest, YamlParsesBackWithSortedKeysAndStringsKept) {
  std::vector<Record> records = SampleRecords();
  records[0].push_back({"z_awkward", FieldValue::Text(kAwkward)});
  records[1].push_back({"z_awkward", FieldValue::Text("true")});
  std::string text = RenderRecords(records, OutputFormat::kYaml);
  YAML::Node parsed = YAML::Load(text);
  ASSERT_TRUE(parsed.IsSequence());
  ASSERT_EQ(parsed.size(), 2u);
  EXPECT_EQ(parsed[0]["name"].as<std::string>(), "w1");
  EXPECT_EQ(parsed[0]["q"][0].as<std::string>(), "a");
  EXPECT_TRUE(parsed[0]["c"].IsNull());
  EXPECT_EQ(parsed[0]["z_awkward"].as<std::string>(), kAwkward);
  EXPECT_TRUE(parsed[1]["q"].IsNull());
  // "0" / "true" stay strings, as yaml.dump quotes them: '0', 'true'.
  EXPECT_THAT(text, HasSubstr("jobs: '0'"));
  EXPECT_THAT(text, HasSubstr("z_awkward: 'true'"));
  // yaml.dump sorts keys: c, jobs, name, q, z_awkward.
  EXPECT_LT(text.find("c:"), text.find("jobs:"));
  EXPECT_LT(text.find("jobs:"), text.find("name:"));
  EXPECT_LT(text.find("name:"), text.find("q:"));
  EXPECT_EQ(RenderRecords({}, OutputFormat::kYaml), "[]\n");
}

TEST(ListingOutputTest, TableIsRichSimpleTable) {
  EXPECT_EQ(RenderRecords(SampleRecords(), OutputFormat::kTable),
            "name       | jobs | q    | c       \n"
            "===========+======+======+=========\n"
            "w1         | 0    | a    | None    \n"
            "worker-two | 12   | None | hi there\n"
            "\n");
  EXPECT_EQ(RenderRecords({}, OutputFormat::kTable), "No data found\n");
}

// Display columns at which '|' or '+' separators appear on a line.
std::vector<size_t> SeparatorColumns(const std::string& line) {
  std::vector<size_t> columns;
  for (size_t pos = 0; pos < line.size();) {
    DecodedChar c = DecodeUtf8At(line, pos);
    if (c.code_point == '|' || c.code_point == '+') {
      columns.push_back(DisplayWidth(line.substr(0, pos)));
    }
    pos += c.length;
  }
  return columns;
}

TEST(ListingOutputTest, TableAlignsLongNamesAndWideUnicode) {
  std::vector<Record> records = {
      {{"worker_name", FieldValue::Text(std::string(64, 'n'))},
       {"state", FieldValue::Text("maintenance mode")},
       {"maintenance_comment",
        FieldValue::Text("\xe6\x97\xa5\xe6\x9c\xac\xe8\xaa\x9e \xf0\x9f\x9a\x80 caf\xc3\xa9")}},
      {{"worker_name", FieldValue::Text("w")},
       {"state", FieldValue::Text("idle")},
       {"maintenance_comment", FieldValue::Text("line one\nline two is longer")}},
  };
  std::string text = RenderRecords(records, OutputFormat::kTable);
  std::vector<std::string> lines = absl::StrSplit(text, '\n');
  // header, rule, row 1, row 2 (two lines), caption, final empty split
  ASSERT_EQ(lines.size(), 7u) << text;
  const std::vector<size_t> expected = SeparatorColumns(lines[0]);
  ASSERT_EQ(expected.size(), 2u);
  for (size_t i = 1; i <= 4; ++i) {
    EXPECT_EQ(SeparatorColumns(lines[i]), expected) << "line " << i << ":\n" << text;
    EXPECT_EQ(DisplayWidth(lines[i]), DisplayWidth(lines[0])) << "line " << i << ":\n" << text;
  }
  EXPECT_THAT(lines[3], HasSubstr("line one"));
  EXPECT_THAT(lines[4], HasSubstr("line two is longer"));
}

TEST(ListingOutputTest, PlainIsTabulatePlain) {
  EXPECT_EQ(RenderRecords(SampleRecords(), OutputFormat::kPlain),
            "name          jobs  q      c\n"
            "w1               0  ['a']\n"
            "worker-two      12         hi there\n");
  EXPECT_EQ(RenderRecords({}, OutputFormat::kPlain), "No data found\n");
}

TEST(ListingOutputTest, WorkerColumnsAreEdge3sInOrder) {
  WorkerRecord worker;
  worker.worker_name = "w1";
  worker.state = "idle";
  worker.queues = std::vector<std::string>{"default", "gpu"};
  worker.jobs_active = 3;
  worker.concurrency = "8";
  worker.heartbeat_age_seconds = 12.7;
  worker.airflow_version = "3.1.0";
  worker.edgectl_version = "0.2.0";
  // edge3's columns first and in its order; edgectl's after them.
  EXPECT_EQ(RenderRecords(WorkerListingRecords({worker}), OutputFormat::kJson),
            "[{\"worker_name\": \"w1\", \"state\": \"idle\", \"queues\": [\"default\", \"gpu\"], "
            "\"jobs_active\": \"3\", \"concurrency\": \"8\", \"free_concurrency\": null, "
            "\"maintenance_comment\": null, \"heartbeat_age_sec\": \"12\", "
            "\"airflow_version\": \"3.1.0\", \"edge_provider_version\": null, "
            "\"edgectl_version\": \"0.2.0\"}]\n");
  EXPECT_EQ(RenderRecords(WorkerListingRecords({worker}), OutputFormat::kTable),
            "worker_name | state | queues      | jobs_active | concurrency | free_concurrency | "
            "maintenance_comment | heartbeat_age_sec | airflow_version | edge_provider_version | "
            "edgectl_version\n"
            "============+=======+=============+=============+=============+==================+="
            "====================+===================+=================+=======================+="
            "===============\n"
            "w1          | idle  | default,gpu | 3           | 8           | None             | "
            "None                | 12                | 3.1.0           | None                  | "
            "0.2.0          \n\n");
}

TEST(ListingOutputTest, UnknownFormatIsRefusedWithTheAllowedOnes) {
  absl::StatusOr<OutputFormat> format = ParseOutputFormat("xml");
  ASSERT_FALSE(format.ok());
  EXPECT_THAT(std::string(format.status().message()), HasSubstr("Allowed options"));
}

}  // namespace
}  // namespace edgectl::admin
