// Feeds API request bodies to the contact input reader: the nesting check and parse the API
// applies to every body, then ContactFromJson on the object (or on each element of an import
// array). A contact that validates is stored and later validated again (a PATCH overlays the
// body on ContactToInputJson of the stored contact), so it must survive that round trip and
// SerializeContact / ParseStoredContact unchanged.

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "gateway/contacts/contact.h"
#include "gateway/contacts/contact_input.h"
#include "gateway/contacts/contact_json.h"
#include "gateway/core/json_reader.h"

namespace {

void CheckOne(const nlohmann::json& obj, const ogw::ContactInputOptions& options) {
  std::vector<ogw::FieldError> errors;
  std::optional<ogw::Contact> contact = ogw::ContactFromJson(obj, options, &errors);
  if (!contact) {
    if (errors.empty()) abort();
    return;
  }
  if (!errors.empty()) abort();

  std::vector<ogw::FieldError> again_errors;
  std::optional<ogw::Contact> again =
      ogw::ContactFromJson(ogw::ContactToInputJson(*contact), options, &again_errors);
  if (!again || !(*again == *contact)) abort();

  auto stored = ogw::ParseStoredContact(ogw::SerializeContact(*contact));
  if (!stored.ok() || !(*stored == *contact)) abort();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view body(reinterpret_cast<const char*>(data), size);
  if (ogw::JsonNestingDepth(body) > ogw::kMaxInputJsonDepth) return 0;
  nlohmann::json doc = nlohmann::json::parse(body, nullptr, false);
  if (doc.is_discarded()) return 0;

  ogw::ContactInputOptions options;
  options.consent_source = "api";
  options.now_millis = 1767225600000;
  if (doc.is_array()) {
    for (const nlohmann::json& element : doc) CheckOne(element, options);
  } else {
    CheckOne(doc, options);
  }
  return 0;
}
