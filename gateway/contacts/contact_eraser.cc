#include "gateway/contacts/contact_eraser.h"

#include <cstdint>
#include <string>
#include <vector>

#include "adapters/sandbox/sandbox_provider.h"
#include "gateway/conversations/conversation_threads.h"
#include "gateway/core/crypto.h"
#include "gateway/core/key_schema.h"

namespace ogw {
namespace {

// How long the queue refuses a person after their erasure began: far longer than a worker
// holds a message (its lease), so a message in flight cannot leave a dead letter behind.
constexpr int64_t kErasureMarkSeconds = 86400;

}  // namespace

ContactEraser::ContactEraser(ContactStore* contacts, DeliveryQueue* queue, TrackedLinks* links,
                             RedisPool* redis, EventSeats* seats, const Clock* clock)
    : contacts_(contacts),
      queue_(queue),
      links_(links),
      redis_(redis),
      seats_(seats),
      clock_(clock) {}

absl::Status ContactEraser::Erase(std::string_view org_id, std::string_view contact_id,
                                  std::vector<EventSeatChanges>* seat_changes) {
  std::vector<uint8_t> channels;
  for (Channel c : kPersonChannels) channels.push_back(static_cast<uint8_t>(c));
  // Retried when the contact changes meanwhile, so the addresses forgotten are current.
  for (int attempt = 0; attempt < 5; ++attempt) {
    ASSIGN_OR_RETURN(std::optional<StoredContact> stored, contacts_->Get(org_id, contact_id));
    if (!stored) return absl::NotFoundError("contact not found");
    // From here on the queue takes no new message for the person and keeps no dead letter
    // naming them (a worker may hold one of their messages while this runs).
    RETURN_IF_ERROR(redis_
                        ->Command({"SET", keys::ErasedContact(org_id, Sha1Hex(contact_id)), "1", "EX",
                                   std::to_string(kErasureMarkSeconds)})
                        .status());
    RETURN_IF_ERROR(queue_->ForgetContact(org_id, contact_id, channels));
    RETURN_IF_ERROR(links_->ForgetContact(org_id, contact_id));
    if (seats_ != nullptr && clock_ != nullptr) {
      ASSIGN_OR_RETURN(std::vector<EventSeatChanges> changes,
                       seats_->ForgetPerson(org_id, contact_id, clock_->NowMillis()));
      if (seat_changes != nullptr) {
        for (EventSeatChanges& c : changes) seat_changes->push_back(std::move(c));
      }
    }
    std::vector<std::string> addresses;
    for (const Address& a : stored->contact.addresses) addresses.push_back(a.value);
    RETURN_IF_ERROR(ForgetSandboxRecipients(*redis_, org_id, addresses));
    ConversationThreads threads(redis_, clock_);
    RETURN_IF_ERROR(threads.Forget(org_id, contact_id));
    absl::Status erased = contacts_->Erase(org_id, *stored);
    if (absl::IsFailedPrecondition(erased)) continue;
    RETURN_IF_ERROR(erased);
    // Once more, now that no worker can read the contact any more: what one that read it
    // before wrote meanwhile (a retry's lane entry, a tracked link) goes too.
    RETURN_IF_ERROR(queue_->ForgetContact(org_id, contact_id, channels));
    RETURN_IF_ERROR(threads.Forget(org_id, contact_id));
    return links_->ForgetContact(org_id, contact_id);
  }
  return absl::AbortedError("contact changed repeatedly during erasure; try again");
}

}  // namespace ogw
