#include "gateway/contacts/contact_eraser.h"

#include <cstdint>
#include <string>
#include <vector>

#include "adapters/sandbox/sandbox_provider.h"

namespace ogw {

ContactEraser::ContactEraser(ContactStore* contacts, DeliveryQueue* queue, TrackedLinks* links,
                             RedisPool* redis)
    : contacts_(contacts), queue_(queue), links_(links), redis_(redis) {}

absl::Status ContactEraser::Erase(std::string_view org_id, std::string_view contact_id) {
  std::vector<uint8_t> channels;
  for (Channel c : kAllChannels) channels.push_back(static_cast<uint8_t>(c));
  // Retried when the contact changes meanwhile, so the addresses forgotten are current.
  for (int attempt = 0; attempt < 5; ++attempt) {
    ASSIGN_OR_RETURN(std::optional<StoredContact> stored, contacts_->Get(org_id, contact_id));
    if (!stored) return absl::NotFoundError("contact not found");
    RETURN_IF_ERROR(queue_->ForgetContact(org_id, contact_id, channels));
    RETURN_IF_ERROR(links_->ForgetContact(org_id, contact_id));
    std::vector<std::string> addresses;
    for (const Address& a : stored->contact.addresses) addresses.push_back(a.value);
    RETURN_IF_ERROR(ForgetSandboxRecipients(*redis_, org_id, addresses));
    absl::Status erased = contacts_->Erase(org_id, *stored);
    if (!absl::IsFailedPrecondition(erased)) return erased;
  }
  return absl::AbortedError("contact changed repeatedly during erasure; try again");
}

}  // namespace ogw
