#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "gateway/core/status.h"

namespace ogw {

// The deepest nesting of arrays and objects in JSON text (strings are skipped; the text need not
// be valid). Bodies from outside are checked against a limit before parsing: nlohmann recurses
// per level when copying or destroying a value, so a few hundred kilobytes of "[[[[..." would
// otherwise exhaust the stack.
size_t JsonNestingDepth(std::string_view text);
inline constexpr size_t kMaxInputJsonDepth = 32;

// Reads a JSON object (a config file or an API request body) into typed fields, tracking the
// path of every key. Unknown keys, wrong types and out-of-range values are reported with their
// full path (e.g. "server.port: expected an integer in 1..65535").
// In configuration mode strings may reference environment variables as ${NAME} (a missing
// variable is an error), so secrets never live in the file; in input mode (API bodies) they
// are taken literally, so a caller can never read the server's environment.
// Not thread-safe; use one reader per load.
class JsonReader {
 public:
  // `env` looks up environment variables; defaults to getenv.
  using EnvLookup = std::function<const char*(const char*)>;
  // Configuration mode.
  JsonReader(const nlohmann::json& node, std::string path, EnvLookup env = nullptr);
  // Input mode: no ${} expansion.
  static JsonReader ForInput(const nlohmann::json& node);

  // Each reader leaves `*out` untouched when the key is absent (so defaults survive) unless
  // `required` is set, in which case absence is an error.
  void String(std::string_view key, std::string* out, bool required = false);
  void Int(std::string_view key, int64_t* out, int64_t min, int64_t max, bool required = false);
  void Int(std::string_view key, int* out, int min, int max, bool required = false);
  void Double(std::string_view key, double* out, double min, double max, bool required = false);
  void Bool(std::string_view key, bool* out, bool required = false);
  void StringList(std::string_view key, std::vector<std::string>* out, bool required = false);
  // A list that is left out differs from an empty one: `*out` stays unset.
  void StringList(std::string_view key, std::optional<std::vector<std::string>>* out);
  // An object taken whole, its keys unchecked (free-form data such as template variables).
  void AnyObject(std::string_view key, nlohmann::json* out, bool required = false);
  // Visits a child object; `fn` receives a reader for it. Absent keys are skipped.
  void Object(std::string_view key, const std::function<void(JsonReader&)>& fn,
              bool required = false);
  // Visits every element of an array of objects.
  void ObjectList(std::string_view key, const std::function<void(JsonReader&)>& fn);
  // Records an error at `key` (for cross-field checks done by the caller).
  void Error(std::string_view key, std::string_view message);

  // All errors found so far, including unknown keys at this level and below.
  // OK when none; otherwise InvalidArgument listing every problem on its own line.
  absl::Status Finish();
  // The same problems as (path, message) pairs; call after Finish().
  const std::vector<std::pair<std::string, std::string>>& problems() const { return *errors_; }

 private:
  using Problems = std::vector<std::pair<std::string, std::string>>;
  JsonReader(const nlohmann::json& node, std::string path, EnvLookup env, bool expand_env,
             std::shared_ptr<Problems> errors);
  const nlohmann::json* Find(std::string_view key, bool required);
  std::string PathOf(std::string_view key) const;
  void CheckUnknownKeys();
  absl::StatusOr<std::string> Expand(const std::string& raw) const;

  const nlohmann::json& node_;
  std::string path_;
  EnvLookup env_;
  bool expand_env_;
  std::shared_ptr<Problems> errors_;
  std::set<std::string, std::less<>> seen_;
};

}  // namespace ogw
