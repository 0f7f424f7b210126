// Feeds arbitrary documents to ParseStoredContact and to both paths behind it. The fast path
// is a hand-written reader of what SerializeContact writes; it must return either nothing or
// exactly the contact the nlohmann path returns, and what SerializeContact writes must read
// back to the same document. Stored contacts come from Redis, but the fast reader is the kind
// of code where a length check goes missing.

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <optional>
#include <string>
#include <string_view>

#include "gateway/contacts/contact.h"
#include "gateway/contacts/contact_json.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view document(reinterpret_cast<const char*>(data), size);
  namespace internal = ogw::contact_json_internal;

  auto parsed = ogw::ParseStoredContact(document);
  auto slow = internal::ParseStoredContactSlow(document);
  std::optional<ogw::Contact> fast = internal::ParseStoredContactFast(document);
  if (fast) {
    if (!slow.ok() || !(*fast == *slow)) abort();
  }
  if (parsed.ok() != slow.ok()) abort();
  if (!parsed.ok()) return 0;
  if (!(*parsed == *slow)) abort();

  // A document SerializeContact did not write may carry what it drops (an invalid_reason
  // without "invalid"), so compare from the first serialisation on.
  const std::string again = ogw::SerializeContact(*parsed);
  auto reparsed = ogw::ParseStoredContact(again);
  if (!reparsed.ok() || ogw::SerializeContact(*reparsed) != again) abort();
  std::optional<ogw::Contact> fast_again = internal::ParseStoredContactFast(again);
  if (fast_again && !(*fast_again == *reparsed)) abort();
  return 0;
}
