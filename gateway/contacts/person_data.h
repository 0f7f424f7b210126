#pragma once

// Everything the gateway keeps about one person, as one JSON document: the right of access
// next to erasure (ContactEraser). Every store that keeps personal data adds itself here as it
// adds itself to the eraser.

#include <optional>
#include <string_view>

#include <nlohmann/json.hpp>

#include "gateway/contacts/contact_store.h"
#include "gateway/conversations/conversation_log.h"
#include "gateway/conversations/conversation_threads.h"
#include "gateway/core/clock.h"
#include "gateway/core/redis_client.h"
#include "gateway/core/status.h"
#include "gateway/invitations/event_seats.h"
#include "queue/delivery_queue.h"

namespace ogw {

struct PersonDataSources {
  RedisPool* redis = nullptr;
  const Clock* clock = nullptr;
  ContactStore* contacts = nullptr;
  ConversationLog* conversations = nullptr;
  ConversationThreads* threads = nullptr;
  EventSeats* seats = nullptr;  // Null: no events kept.
  DeliveryQueue* queue = nullptr;
};

// The person's document: "contact" (with every address's consent record), "conversation" (the
// officers' state of it, or null), "history" (every entry of their log, oldest first: what
// they wrote, what was sent, delivery reports, clicks, consent changes, notes), "events" (their
// place in each event), "messages" (officers' messages to them, with text and status) and
// "exported_at". nullopt when the person does not exist.
absl::StatusOr<std::optional<nlohmann::json>> CollectPersonData(const PersonDataSources& sources,
                                                                std::string_view org_id,
                                                                std::string_view contact_id);

}  // namespace ogw
