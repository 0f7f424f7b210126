#pragma once

// Meta's Graph API error object, shared by WhatsApp Cloud and Messenger:
//   {"error": {"message": "...", "type": "OAuthException", "code": 190,
//              "error_subcode": 463, "error_data": {"details": "..."}, "fbtrace_id": "..."}}
// (https://developers.facebook.com/docs/graph-api/guides/error-handling).

#include <cstdint>
#include <string>

#include <nlohmann/json_fwd.hpp>

namespace ogw {

struct GraphError {
  bool present = false;  // The body carried an error object.
  int64_t code = 0;
  int64_t subcode = 0;
  std::string message;
  std::string details;     // error_data.details (WhatsApp), else "".
  std::string fbtrace_id;  // For Meta's support; safe to log.
};

// The error object of an answer body (as ParseAnswerObject read it); `present` false when it
// has none. Codes written as strings count; other types are left at 0.
GraphError ParseGraphError(const nlohmann::json& doc);

}  // namespace ogw
