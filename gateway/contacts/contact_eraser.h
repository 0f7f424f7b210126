#pragma once

#include <string_view>
#include <vector>

#include "gateway/contacts/contact_store.h"
#include "gateway/core/clock.h"
#include "gateway/core/redis_client.h"
#include "gateway/core/status.h"
#include "gateway/invitations/event_seats.h"
#include "queue/delivery_queue.h"
#include "templates/tracked_links.h"

namespace ogw {

// Erasure of one person on request, everywhere the gateway keeps their data: the contact
// document and indexes, conversation and cached API responses (ContactStore), queued direct
// messages, per-person ordering state and dead letters (DeliveryQueue), personal tracked links
// (TrackedLinks), their places in events (EventSeats: their seat goes to the waitlist) and
// sandbox outbox entries sent to their addresses. Every store that later
// keeps personal data adds itself here.
//
// The contact document goes last: when a step fails the person is still listed and the
// erasure can simply be asked for again (every step is idempotent). Each step's work is
// proportional to the person's own data, never to an organisation's queue. Thread-safe.
class ContactEraser {
 public:
  // `seats` and `clock` may be null where no events are kept (tools, benchmarks).
  ContactEraser(ContactStore* contacts, DeliveryQueue* queue, TrackedLinks* links, RedisPool* redis,
                EventSeats* seats = nullptr, const Clock* clock = nullptr);

  // NotFound when the contact does not exist; Aborted when it kept changing meanwhile. With
  // `seat_changes`, the changes made in each event the person was in (a freed seat offered to
  // the next person), for the caller to announce.
  absl::Status Erase(std::string_view org_id, std::string_view contact_id,
                     std::vector<EventSeatChanges>* seat_changes = nullptr);

 private:
  ContactStore* contacts_;
  DeliveryQueue* queue_;
  TrackedLinks* links_;
  RedisPool* redis_;
  EventSeats* seats_;
  const Clock* clock_;
};

}  // namespace ogw
