#pragma once

#include <optional>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "gateway/contacts/contact.h"
#include "gateway/core/status.h"

namespace ogw {

// The one JSON form of a contact: stored in Redis and returned by the API.
// Fields are always written in the same order, so equal contacts serialise to equal bytes
// (the importer relies on that to detect unchanged rows).
nlohmann::json ContactToJson(const Contact& contact);
// The contact's attributes as a JSON object (text as strings, numbers as numbers).
nlohmann::json AttributesJson(const Contact& contact);
std::string SerializeContact(const Contact& contact);

// The contact in the input form ContactFromJson reads (no id, org or timestamps), so an
// update can overlay a request body on the stored contact and validate the result as a whole.
nlohmann::json ContactToInputJson(const Contact& contact);

// Reads a stored document. Errors are kDataLoss: stored data is written only by
// SerializeContact, so a failure means corruption, not bad user input.
absl::StatusOr<Contact> ParseStoredContact(std::string_view document);

namespace contact_json_internal {
// The two paths behind ParseStoredContact, exposed for tests. The fast one reads documents as
// SerializeContact writes them (and any equivalent JSON it is sure about) and returns nullopt
// for everything else; when it returns a contact, it is the one the nlohmann path returns.
std::optional<Contact> ParseStoredContactFast(std::string_view document);
absl::StatusOr<Contact> ParseStoredContactSlow(std::string_view document);
}  // namespace contact_json_internal

}  // namespace ogw
