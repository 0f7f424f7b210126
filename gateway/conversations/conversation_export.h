#pragma once

// Every conversation of the people in a scope over a time range, for export
// (GET /v1/conversations/export): each entry of each person's log (what was sent, what they
// wrote, delivery reports, consent changes, officers' notes), person by person, oldest entry
// first. Contacts are read in batches of 100 and their logs with one pipelined XRANGE per
// person, 50 entries at a time (a long log page by page), so any number of people exports in
// bounded memory.

#include <cstdint>
#include <functional>
#include <string_view>

#include "gateway/contacts/contact_store.h"
#include "gateway/core/post_scope.h"
#include "gateway/core/redis_client.h"
#include "gateway/core/status.h"

namespace ogw {

struct ConversationExportRequest {
  PostScope scope;
  int64_t from_millis = 0;        // Entries at or after.
  int64_t to_millis = INT64_MAX;  // Entries at or before.
  bool csv = true;                // Else JSON: {"entries": [...]}.
};

// The CSV columns: at, contact_id, name, kind, channel, address, subject, text, campaign,
// message, state, code, author, entry_id.
absl::Status ExportConversations(RedisPool& redis, ContactStore& contacts, std::string_view org_id,
                                 const ConversationExportRequest& request,
                                 const std::function<bool(std::string_view chunk)>& write);

}  // namespace ogw
