#include "tests/airflow_double/fastapi_replies.h"

#include <regex>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"

namespace edgectl::airflow_double {

using nlohmann::json;

Reply JsonReply(const nlohmann::ordered_json& value, int status) {
  return Reply{status, value.dump(-1, ' ', false, json::error_handler_t::replace)};
}

Reply DetailReply(int status, const std::string& detail) {
  nlohmann::ordered_json body;
  body["detail"] = detail;
  return JsonReply(body, status);
}

BodyValidator::BodyValidator(const std::string& body) {
  body_ = json::parse(body, nullptr, /*allow_exceptions=*/false);
  if (body_.is_discarded()) {
    errors_.push_back({{"type", "json_invalid"},
                       {"loc", {"body", 0}},
                       {"msg", "JSON decode error"},
                       {"input", json::object()},
                       {"ctx", {{"error", "Expecting value"}}}});
  } else if (!body_.is_object()) {
    errors_.push_back({{"type", "model_attributes_type"},
                       {"loc", {"body"}},
                       {"msg", "Input should be a valid dictionary or object to extract fields from"},
                       {"input", body_}});
  }
}

void BodyValidator::AddError(const char* type, const char* field, const std::string& msg,
                             const json& input) {
  errors_.push_back({{"type", type}, {"loc", {"body", field}}, {"msg", msg}, {"input", input}});
}

const json* BodyValidator::Field(const char* field, bool required) {
  if (!body_.is_object()) return nullptr;
  auto it = body_.find(field);
  if (it == body_.end()) {
    if (required) AddError("missing", field, "Field required", body_);
    return nullptr;
  }
  return &*it;
}

std::string BodyValidator::RequiredString(const char* field) {
  const json* value = Field(field, true);
  if (value == nullptr) return "";
  if (!value->is_string()) {
    AddError("string_type", field, "Input should be a valid string", *value);
    return "";
  }
  return value->get<std::string>();
}

std::optional<std::string> BodyValidator::OptionalString(const char* field) {
  const json* value = Field(field, false);
  if (value == nullptr || value->is_null()) return std::nullopt;
  if (!value->is_string()) {
    AddError("string_type", field, "Input should be a valid string", *value);
    return std::nullopt;
  }
  return value->get<std::string>();
}

std::string BodyValidator::RequiredDatetime(const char* field) {
  static const std::regex* iso8601 = new std::regex(
      R"(\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(:\d{2}(\.\d{1,6})?)?(Z|[+-]\d{2}(:?\d{2})?)?)");
  const json* value = Field(field, true);
  if (value == nullptr) return "";
  if (!value->is_string() || !std::regex_match(value->get<std::string>(), *iso8601)) {
    AddError("datetime_from_date_parsing", field,
             "Input should be a valid datetime or date, invalid character in year", *value);
    return "";
  }
  return value->get<std::string>();
}

int BodyValidator::RequiredInt(const char* field) {
  const json* value = Field(field, true);
  if (value == nullptr) return 0;
  if (!value->is_number_integer()) {
    AddError("int_type", field, "Input should be a valid integer", *value);
    return 0;
  }
  return value->get<int>();
}

int BodyValidator::OptionalInt(const char* field, int fallback) {
  const json* value = Field(field, false);
  if (value == nullptr) return fallback;
  if (!value->is_number_integer()) {
    AddError("int_type", field, "Input should be a valid integer", *value);
    return fallback;
  }
  return value->get<int>();
}

bool BodyValidator::OptionalBool(const char* field, bool fallback) {
  const json* value = Field(field, false);
  if (value == nullptr) return fallback;
  if (!value->is_boolean()) {
    AddError("bool_type", field, "Input should be a valid boolean", *value);
    return fallback;
  }
  return value->get<bool>();
}

std::optional<std::vector<std::string>> BodyValidator::OptionalStringList(const char* field) {
  const json* value = Field(field, false);
  if (value == nullptr || value->is_null()) return std::nullopt;
  std::vector<std::string> out;
  if (!value->is_array()) {
    AddError("list_type", field, "Input should be a valid list", *value);
    return std::nullopt;
  }
  for (const json& item : *value) {
    if (!item.is_string()) {
      AddError("string_type", field, "Input should be a valid string", item);
      return std::nullopt;
    }
    out.push_back(item.get<std::string>());
  }
  return out;
}

json BodyValidator::RequiredSysinfo(const char* field) {
  const json* value = Field(field, true);
  if (value == nullptr) return json::object();
  if (!value->is_object()) {
    AddError("dict_type", field, "Input should be a valid dictionary", *value);
    return json::object();
  }
  for (const auto& [key, item] : value->items()) {
    if (!item.is_string() && !item.is_number()) {
      AddError("string_type", field, absl::StrCat("sysinfo value '", key,
                                                  "' should be a string or a number"), item);
    }
  }
  return *value;
}

void BodyValidator::CheckEnum(const char* field, const std::string& value,
                              const std::vector<std::string>& allowed) {
  if (!ok()) return;
  for (const std::string& a : allowed) {
    if (a == value) return;
  }
  AddError("enum", field,
           absl::StrCat("Input should be ", absl::StrJoin(allowed, ", ", [](std::string* out,
                                                                             const std::string& s) {
                          absl::StrAppend(out, "'", s, "'");
                        })),
           value);
}

Reply BodyValidator::ErrorReply() const {
  return JsonReply(nlohmann::ordered_json{{"detail", errors_}}, 422);
}

}  // namespace edgectl::airflow_double
