#include "adapters/common/json_path.h"

#include <algorithm>

#include "gateway/core/json_reader.h"

namespace ogw {

using json = nlohmann::json;

absl::Status Missing(std::string_view path) {
  return absl::InvalidArgumentError(std::string(path) + ": missing");
}

absl::Status Expected(std::string_view path, std::string_view what) {
  return absl::InvalidArgumentError(std::string(path) + ": expected " + std::string(what));
}

std::string Path(std::string_view parent, std::string_view key) {
  return parent.empty() ? std::string(key) : std::string(parent) + "." + std::string(key);
}

std::string Index(std::string_view parent, size_t i) {
  return std::string(parent) + "[" + std::to_string(i) + "]";
}

absl::StatusOr<const json*> Member(const json& parent, std::string_view parent_path,
                                   const char* key) {
  const auto it = parent.find(key);
  if (it == parent.end()) return Missing(Path(parent_path, key));
  return &*it;
}

absl::StatusOr<const json*> ObjectMember(const json& parent, std::string_view parent_path,
                                         const char* key) {
  ASSIGN_OR_RETURN(const json* value, Member(parent, parent_path, key));
  if (!value->is_object()) return Expected(Path(parent_path, key), "an object");
  return value;
}

absl::StatusOr<const json*> ArrayMember(const json& parent, std::string_view parent_path,
                                        const char* key) {
  ASSIGN_OR_RETURN(const json* value, Member(parent, parent_path, key));
  if (!value->is_array()) return Expected(Path(parent_path, key), "an array");
  return value;
}

absl::StatusOr<const json*> OptionalArrayMember(const json& parent, std::string_view parent_path,
                                                const char* key) {
  const auto it = parent.find(key);
  if (it == parent.end()) return nullptr;
  if (!it->is_array()) return Expected(Path(parent_path, key), "an array");
  return &*it;
}

absl::StatusOr<const json*> NullableArrayMember(const json& parent, std::string_view parent_path,
                                                const char* key) {
  const auto it = parent.find(key);
  if (it == parent.end() || it->is_null()) return nullptr;
  if (!it->is_array()) return Expected(Path(parent_path, key), "an array");
  return &*it;
}

absl::StatusOr<std::string> StringMember(const json& parent, std::string_view parent_path,
                                         const char* key) {
  ASSIGN_OR_RETURN(const json* value, Member(parent, parent_path, key));
  if (!value->is_string()) return Expected(Path(parent_path, key), "a string");
  return value->get<std::string>();
}

absl::StatusOr<std::string> NonEmptyStringMember(const json& parent, std::string_view parent_path,
                                                 const char* key) {
  ASSIGN_OR_RETURN(std::string value, StringMember(parent, parent_path, key));
  if (value.empty()) return Expected(Path(parent_path, key), "a non-empty string");
  return value;
}

absl::StatusOr<std::string> OptionalStringMember(const json& parent, std::string_view parent_path,
                                                 const char* key) {
  const auto it = parent.find(key);
  if (it == parent.end() || it->is_null()) return std::string();
  if (!it->is_string()) return Expected(Path(parent_path, key), "a string");
  return it->get<std::string>();
}

bool AllDigits(std::string_view text) {
  return !text.empty() &&
         std::all_of(text.begin(), text.end(), [](char c) { return c >= '0' && c <= '9'; });
}

absl::StatusOr<json> ParseJsonObjectBody(std::string_view body) {
  if (JsonNestingDepth(body) > kMaxInputJsonDepth) {
    return Expected("body",
                    "JSON nested at most " + std::to_string(kMaxInputJsonDepth) + " levels deep");
  }
  json doc = json::parse(body, nullptr, /*allow_exceptions=*/false);
  if (!doc.is_object()) return Expected("body", "a JSON object");
  return doc;
}

}  // namespace ogw
