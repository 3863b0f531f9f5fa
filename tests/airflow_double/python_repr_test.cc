// edge_worker.queues text exactly as Python's str(list) writes it, and back.
#include "tests/airflow_double/python_repr.h"

#include "gtest/gtest.h"

namespace edgectl::airflow_double {
namespace {

using Queues = std::vector<std::string>;

TEST(PythonReprTest, WritesPythonsListRepr) {
  EXPECT_EQ(*QueuesToPythonRepr(Queues{"default", "gpu"}), "['default', 'gpu']");
  EXPECT_EQ(*QueuesToPythonRepr(Queues{"it's"}), "[\"it's\"]");
  EXPECT_EQ(*QueuesToPythonRepr(Queues{"a'b\"c"}), "['a\\'b\"c']");
  EXPECT_EQ(*QueuesToPythonRepr(Queues{"back\\slash"}), "['back\\\\slash']");
  EXPECT_FALSE(QueuesToPythonRepr(Queues{}).has_value());
  EXPECT_FALSE(QueuesToPythonRepr(std::nullopt).has_value());
}

TEST(PythonReprTest, ParsesWhatItWritesAndWhatPythonWrites) {
  for (const Queues& q : {Queues{"default"}, Queues{"a", "b c", "it's", "a'b\"c", "x\\y", "t\tn\n"}}) {
    EXPECT_EQ(*ParsePythonStringList(*QueuesToPythonRepr(q)), q);
  }
  EXPECT_EQ(*ParsePythonStringList("[]"), Queues{});
  EXPECT_EQ(*ParsePythonStringList("['a','b']"), (Queues{"a", "b"}));
  EXPECT_FALSE(ParsePythonStringList("default").ok());
  EXPECT_FALSE(ParsePythonStringList("['open").ok());
}

}  // namespace
}  // namespace edgectl::airflow_double
