#include "adapters/meta/graph_error.h"

#include <nlohmann/json.hpp>

#include "absl/strings/numbers.h"

namespace ogw {
namespace {

int64_t IntegerOf(const nlohmann::json& object, const char* key) {
  const auto it = object.find(key);
  if (it == object.end()) return 0;
  if (it->is_number_integer()) return it->get<int64_t>();
  int64_t value = 0;
  if (it->is_string() && absl::SimpleAtoi(it->get_ref<const std::string&>(), &value)) {
    return value;
  }
  return 0;
}

std::string StringOf(const nlohmann::json& object, const char* key) {
  const auto it = object.find(key);
  return it != object.end() && it->is_string() ? it->get<std::string>() : std::string();
}

}  // namespace

GraphError ParseGraphError(const nlohmann::json& doc) {
  GraphError error;
  if (!doc.is_object()) return error;
  const auto it = doc.find("error");
  if (it == doc.end() || !it->is_object()) return error;
  const nlohmann::json& e = *it;
  error.present = true;
  error.code = IntegerOf(e, "code");
  error.subcode = IntegerOf(e, "error_subcode");
  error.message = StringOf(e, "message");
  error.fbtrace_id = StringOf(e, "fbtrace_id");
  if (const auto data = e.find("error_data"); data != e.end() && data->is_object()) {
    error.details = StringOf(*data, "details");
  }
  return error;
}

}  // namespace ogw
