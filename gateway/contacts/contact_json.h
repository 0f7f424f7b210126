#pragma once

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
std::string SerializeContact(const Contact& contact);

// The contact in the input form ContactFromJson reads (no id, org or timestamps), so an
// update can overlay a request body on the stored contact and validate the result as a whole.
nlohmann::json ContactToInputJson(const Contact& contact);

// Reads a stored document. Errors are kDataLoss: stored data is written only by
// SerializeContact, so a failure means corruption, not bad user input.
absl::StatusOr<Contact> ParseStoredContact(std::string_view document);

}  // namespace ogw
