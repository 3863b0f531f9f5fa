// File: tests/airflow_double/fastapi_replies.h
//
// Replies shaped as FastAPI writes them: JSON bodies, `{"detail": "..."}` for HTTPException,
// `{"detail": [{"type", "loc", "msg", "input"}, ...]}` with 422 for request validation errors.
// BodyValidator reads a JSON request body field by field the way pydantic validates the edge3
// models, collecting every error before answering 422.
#ifndef EDGECTL_TESTS_AIRFLOW_DOUBLE_FASTAPI_REPLIES_H_
#define EDGECTL_TESTS_AIRFLOW_DOUBLE_FASTAPI_REPLIES_H_

#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace edgectl::airflow_double {

struct Reply {
  int status = 200;
  std::string body = "null";
};

Reply JsonReply(const nlohmann::ordered_json& value, int status = 200);
Reply DetailReply(int status, const std::string& detail);

class BodyValidator {
 public:
  explicit BodyValidator(const std::string& body);

  std::string RequiredString(const char* field);
  std::optional<std::string> OptionalString(const char* field);
  // An ISO 8601 datetime as pydantic accepts it; returned as sent.
  std::string RequiredDatetime(const char* field);
  int RequiredInt(const char* field);
  int OptionalInt(const char* field, int fallback);
  bool OptionalBool(const char* field, bool fallback);
  std::optional<std::vector<std::string>> OptionalStringList(const char* field);
  // sysinfo: an object whose values are strings or numbers.
  nlohmann::json RequiredSysinfo(const char* field);
  // Adds an error for a value outside an enum.
  void CheckEnum(const char* field, const std::string& value, const std::vector<std::string>& allowed);

  bool ok() const { return errors_.empty(); }
  Reply ErrorReply() const;  // 422

 private:
  const nlohmann::json* Field(const char* field, bool required);
  void AddError(const char* type, const char* field, const std::string& msg,
                const nlohmann::json& input);

  nlohmann::json body_;
  nlohmann::json errors_ = nlohmann::json::array();
};

}  // namespace edgectl::airflow_double

#endif  // EDGECTL_TESTS_AIRFLOW_DOUBLE_FASTAPI_REPLIES_H_
