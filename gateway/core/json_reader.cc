#include "gateway/core/json_reader.h"

#include <algorithm>
#include <cmath>
#include <cstdlib>

namespace ogw {

size_t JsonNestingDepth(std::string_view text) {
  size_t depth = 0, deepest = 0;
  bool in_string = false;
  for (size_t i = 0; i < text.size(); ++i) {
    char c = text[i];
    if (in_string) {
      if (c == '\\') {
        ++i;
      } else if (c == '"') {
        in_string = false;
      }
    } else if (c == '"') {
      in_string = true;
    } else if (c == '[' || c == '{') {
      deepest = std::max(deepest, ++depth);
    } else if ((c == ']' || c == '}') && depth > 0) {
      --depth;
    }
  }
  return deepest;
}

JsonReader::JsonReader(const nlohmann::json& node, std::string path, EnvLookup env)
    : JsonReader(node, std::move(path), std::move(env), true, std::make_shared<Problems>()) {}

JsonReader JsonReader::ForInput(const nlohmann::json& node) {
  return JsonReader(node, "", nullptr, false, std::make_shared<Problems>());
}

JsonReader::JsonReader(const nlohmann::json& node, std::string path, EnvLookup env,
                       bool expand_env, std::shared_ptr<Problems> errors)
    : node_(node),
      path_(std::move(path)),
      env_(std::move(env)),
      expand_env_(expand_env),
      errors_(std::move(errors)) {
  if (!env_) env_ = [](const char* name) -> const char* { return std::getenv(name); };
  if (!node_.is_object()) {
    errors_->emplace_back(path_.empty() ? std::string("(root)") : path_, "expected an object");
  }
}

std::string JsonReader::PathOf(std::string_view key) const {
  return path_.empty() ? std::string(key) : path_ + "." + std::string(key);
}

void JsonReader::Error(std::string_view key, std::string_view message) {
  errors_->emplace_back(PathOf(key), std::string(message));
}

void JsonReader::StringList(std::string_view key, std::optional<std::vector<std::string>>* out) {
  const bool present = node_.is_object() && node_.contains(std::string(key)) &&
                       !node_.at(std::string(key)).is_null();
  if (present) {
    StringList(key, &out->emplace());
  } else {
    seen_.emplace(key);
  }
}

const nlohmann::json* JsonReader::Find(std::string_view key, bool required) {
  seen_.emplace(key);
  if (!node_.is_object()) return nullptr;
  auto it = node_.find(std::string(key));
  if (it == node_.end() || it->is_null()) {
    if (required) Error(key, "is required");
    return nullptr;
  }
  return &*it;
}

absl::StatusOr<std::string> JsonReader::Expand(const std::string& raw) const {
  if (!expand_env_) return raw;
  std::string out;
  size_t i = 0;
  while (i < raw.size()) {
    size_t start = raw.find("${", i);
    if (start == std::string::npos) {
      out.append(raw, i);
      break;
    }
    out.append(raw, i, start - i);
    size_t end = raw.find('}', start);
    if (end == std::string::npos) return absl::InvalidArgumentError("unterminated ${");
    std::string name = raw.substr(start + 2, end - start - 2);
    const char* value = env_(name.c_str());
    if (value == nullptr) {
      return absl::InvalidArgumentError("environment variable " + name + " is not set");
    }
    out.append(value);
    i = end + 1;
  }
  return out;
}

void JsonReader::String(std::string_view key, std::string* out, bool required) {
  const nlohmann::json* v = Find(key, required);
  if (v == nullptr) return;
  if (!v->is_string()) return Error(key, "expected a string");
  auto expanded = Expand(v->get<std::string>());
  if (!expanded.ok()) return Error(key, MessageOf(expanded.status()));
  *out = *std::move(expanded);
}

void JsonReader::Int(std::string_view key, int64_t* out, int64_t min, int64_t max,
                       bool required) {
  const nlohmann::json* v = Find(key, required);
  if (v == nullptr) return;
  if (!v->is_number_integer() || v->get<int64_t>() < min || v->get<int64_t>() > max) {
    return Error(key, "expected an integer in " + std::to_string(min) + ".." +
                          std::to_string(max));
  }
  *out = v->get<int64_t>();
}

void JsonReader::Int(std::string_view key, int* out, int min, int max, bool required) {
  int64_t value = *out;
  Int(key, &value, min, max, required);
  *out = static_cast<int>(value);
}

void JsonReader::Double(std::string_view key, double* out, double min, double max,
                          bool required) {
  const nlohmann::json* v = Find(key, required);
  if (v == nullptr) return;
  if (!v->is_number() || !std::isfinite(v->get<double>()) || v->get<double>() < min ||
      v->get<double>() > max) {
    return Error(key, "expected a number in " + std::to_string(min) + ".." + std::to_string(max));
  }
  *out = v->get<double>();
}

void JsonReader::Bool(std::string_view key, bool* out, bool required) {
  const nlohmann::json* v = Find(key, required);
  if (v == nullptr) return;
  if (!v->is_boolean()) return Error(key, "expected true or false");
  *out = v->get<bool>();
}

void JsonReader::AnyObject(std::string_view key, nlohmann::json* out, bool required) {
  const nlohmann::json* v = Find(key, required);
  if (v == nullptr) return;
  if (!v->is_object()) return Error(key, "expected an object");
  *out = *v;
}

void JsonReader::StringList(std::string_view key, std::vector<std::string>* out,
                              bool required) {
  const nlohmann::json* v = Find(key, required);
  if (v == nullptr) return;
  if (!v->is_array()) return Error(key, "expected an array of strings");
  std::vector<std::string> values;
  for (size_t i = 0; i < v->size(); ++i) {
    const auto& item = (*v)[i];
    std::string item_key = std::string(key) + "[" + std::to_string(i) + "]";
    if (!item.is_string()) return Error(item_key, "expected a string");
    auto expanded = Expand(item.get<std::string>());
    if (!expanded.ok()) return Error(item_key, MessageOf(expanded.status()));
    values.push_back(*std::move(expanded));
  }
  *out = std::move(values);
}

void JsonReader::Object(std::string_view key, const std::function<void(JsonReader&)>& fn,
                          bool required) {
  const nlohmann::json* v = Find(key, required);
  if (v == nullptr) return;
  if (!v->is_object()) return Error(key, "expected an object");
  JsonReader child(*v, PathOf(key), env_, expand_env_, errors_);
  fn(child);
  child.CheckUnknownKeys();
}

void JsonReader::ObjectList(std::string_view key,
                              const std::function<void(JsonReader&)>& fn) {
  const nlohmann::json* v = Find(key, false);
  if (v == nullptr) return;
  if (!v->is_array()) return Error(key, "expected an array of objects");
  for (size_t i = 0; i < v->size(); ++i) {
    std::string item_path = PathOf(key) + "[" + std::to_string(i) + "]";
    if (!(*v)[i].is_object()) {
      errors_->emplace_back(item_path, "expected an object");
      continue;
    }
    JsonReader child((*v)[i], item_path, env_, expand_env_, errors_);
    fn(child);
    child.CheckUnknownKeys();
  }
}

void JsonReader::CheckUnknownKeys() {
  if (!node_.is_object()) return;
  for (const auto& [key, _] : node_.items()) {
    // Keys starting with "_" are comments: JSON has no other way to document a config file.
    if (key.starts_with("_")) continue;
    if (!seen_.contains(key)) Error(key, "unknown key");
  }
}

absl::Status JsonReader::Finish() {
  CheckUnknownKeys();
  if (errors_->empty()) return absl::OkStatus();
  std::string message;
  for (const auto& [path, problem] : *errors_) {
    if (!message.empty()) message += "\n";
    message += path + ": " + problem;
  }
  return absl::InvalidArgumentError(message);
}

}  // namespace ogw
