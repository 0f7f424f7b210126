#pragma once

// Reading JSON whose shape a provider defines (WhatsApp and Messenger webhooks, Telegram
// updates) member by member, where a refusal names the path of the member at fault and what
// was expected there ("entry[0].changes: expected an array", "update.update_id: missing"),
// never the value found: a value may be a person's text or number, and refusals reach logs.
// One place for these so every parser refuses in the same words.

#include <cstddef>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "gateway/core/status.h"

namespace ogw {

// InvalidArgument "<path>: missing".
absl::Status Missing(std::string_view path);

// InvalidArgument "<path>: expected <what>".
absl::Status Expected(std::string_view path, std::string_view what);

// "<parent>.<key>", or just "<key>" at the root (an empty parent).
std::string Path(std::string_view parent, std::string_view key);

// "<parent>[<i>]".
std::string Index(std::string_view parent, size_t i);

// parent[key] of any type; Missing when absent (or `parent` is no object).
absl::StatusOr<const nlohmann::json*> Member(const nlohmann::json& parent,
                                             std::string_view parent_path, const char* key);

// parent[key], which must be an object.
absl::StatusOr<const nlohmann::json*> ObjectMember(const nlohmann::json& parent,
                                                   std::string_view parent_path, const char* key);

// parent[key], which must be an array.
absl::StatusOr<const nlohmann::json*> ArrayMember(const nlohmann::json& parent,
                                                  std::string_view parent_path, const char* key);

// parent[key], an array that may be absent (nullptr then); null is not an array.
absl::StatusOr<const nlohmann::json*> OptionalArrayMember(const nlohmann::json& parent,
                                                          std::string_view parent_path,
                                                          const char* key);

// parent[key], an array that may be absent or null (nullptr for both).
absl::StatusOr<const nlohmann::json*> NullableArrayMember(const nlohmann::json& parent,
                                                          std::string_view parent_path,
                                                          const char* key);

// parent[key], which must be a string.
absl::StatusOr<std::string> StringMember(const nlohmann::json& parent, std::string_view parent_path,
                                         const char* key);

// parent[key], which must be a string that is not empty.
absl::StatusOr<std::string> NonEmptyStringMember(const nlohmann::json& parent,
                                                 std::string_view parent_path, const char* key);

// parent[key], a string that may be absent or null (empty then).
absl::StatusOr<std::string> OptionalStringMember(const nlohmann::json& parent,
                                                 std::string_view parent_path, const char* key);

// Whether `text` is one or more ASCII digits.
bool AllDigits(std::string_view text);

// A request body that must be a JSON object, its nesting checked before parsing (nlohmann
// recurses per level, so a hostile body must not reach the parser): "body: expected JSON
// nested at most 32 levels deep" or "body: expected a JSON object" when it is not.
absl::StatusOr<nlohmann::json> ParseJsonObjectBody(std::string_view body);

}  // namespace ogw
