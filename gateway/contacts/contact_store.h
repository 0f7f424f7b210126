#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "gateway/contacts/contact.h"
#include "gateway/core/post_scope.h"
#include "gateway/core/redis_client.h"
#include "gateway/core/status.h"

namespace ogw {

struct StoredContact {
  Contact contact;
  int64_t version = 0;  // Bumped by every write; 0 means "does not exist".
};

// Outcome of a conditional write. Redis failures are reported as a Status instead.
struct PutOutcome {
  enum class Code { kOk, kVersionMismatch, kAddressConflict };
  Code code = Code::kOk;
  int64_t version = 0;       // New version (kOk) or the current one (kVersionMismatch).
  std::string address_key;   // kAddressConflict: the "<kind>:<value>" already taken.
  std::string owner_id;      // kAddressConflict: the contact that holds it.
};

struct ContactPage {
  std::vector<Contact> contacts;
  std::string next_cursor;  // Empty on the last page.
};

// Contacts of all organisations in Redis (key schema: docs/ARCHITECTURE.md, key_schema.h).
// Every write is one Lua script, so a contact, its address index entries and its listing
// entries change together or not at all. The address index guarantees that one normalised
// address maps to at most one contact per organisation. Thread-safe.
class ContactStore {
 public:
  // `suppression_key`: the installation secret that keys the suppression list's HMACs (so the
  // list cannot be reversed by hashing every phone number); "" keeps the unkeyed SHA-256 of
  // older versions (tests, benchmarks).
  explicit ContactStore(RedisPool* redis, std::string suppression_key = "");

  absl::StatusOr<std::optional<StoredContact>> Get(std::string_view org_id,
                                                   std::string_view contact_id);
  // One entry per id, std::nullopt for missing ids.
  absl::StatusOr<std::vector<std::optional<StoredContact>>> GetMany(
      std::string_view org_id, const std::vector<std::string>& contact_ids);
  // Owner contact id per address key ("" when unknown), in order.
  absl::StatusOr<std::vector<std::string>> FindOwners(std::string_view org_id,
                                                      const std::vector<std::string>& address_keys);

  // Writes `contact` if its current version equals `expected_version` (0: must not exist).
  // `previous` is the stored contact the caller read at that version (nullptr when creating);
  // its addresses and post are unindexed where they changed.
  absl::StatusOr<PutOutcome> Put(const Contact& contact, int64_t expected_version,
                                 const Contact* previous);
  // The same for many contacts in one round trip; outcomes in order.
  struct PutRequest {
    const Contact* contact;
    int64_t expected_version;
    const Contact* previous;
  };
  absl::StatusOr<std::vector<PutOutcome>> PutMany(const std::vector<PutRequest>& requests);

  // Erasure of what this store holds: the contact document, its index entries, its
  // conversation and every cached API response that carried its data; only the anonymous
  // counter "contacts_erased" remains. `stored` is the contact as last read: NotFound when it
  // is gone, FailedPrecondition when it changed since (read it again). ContactEraser erases a
  // person everywhere; this is its last step.
  absl::Status Erase(std::string_view org_id, const StoredContact& stored);

  // Marks the contact's address of `kind` with `value` as unable to receive anything (a hard
  // bounce, an unknown number), with the provider's reason. Retries on concurrent writes; a
  // contact or address that is gone is not an error.
  absl::Status MarkAddressInvalid(std::string_view org_id, std::string_view contact_id,
                                  AddressKind kind, std::string_view value,
                                  std::string_view reason, int64_t now_millis);

  // The suppression list (docs/ARCHITECTURE.md, "Conversations and the life of a reply"):
  // an address its owner opted out of stays opted out wherever it is added again (deleted and
  // re-added, imported into another contact) until the owner opts in. Every write applies it
  // to addresses new to the contact. Keeps only a hash of the address.
  absl::Status Suppress(std::string_view org_id, AddressKind kind, std::string_view value,
                        std::string_view source, int64_t now_millis);
  absl::Status Unsuppress(std::string_view org_id, AddressKind kind, std::string_view value);

  // Contacts visible in `scope`, in id (creation) order, after `cursor`.
  absl::StatusOr<ContactPage> List(std::string_view org_id, const PostScope& scope,
                                   std::string_view cursor, size_t limit);

  // Calls `fn` for every contact visible in `scope`, in no particular order, until it returns
  // false. Reads in batches; a contact written during the scan may or may not be seen.
  absl::Status ForEach(std::string_view org_id, const PostScope& scope,
                       const std::function<bool(const Contact&)>& fn);

  // Organisation counters (contacts_created, contacts_erased, ...).
  absl::StatusOr<std::vector<std::pair<std::string, int64_t>>> Stats(std::string_view org_id);

 private:
  // After a stored write: a person who moved to another post takes their conversation along.
  void FollowPostMove(const Contact& contact, const Contact* previous);
  static std::vector<std::string> PutKeys(const Contact& contact, const Contact* previous);
  static std::vector<std::string> PutArgs(const Contact& contact, int64_t expected_version,
                                          const Contact* previous);
  static absl::StatusOr<PutOutcome> ParseOutcome(const RedisReply& reply);
  // Copies of the requests' contacts with suppressed new addresses opted out, where any are.
  // The suppression list's field for an address, and the unkeyed field older versions wrote
  // (still honoured, and removed when the address is suppressed or lifted again).
  std::string SuppressionField(std::string_view org_id, AddressKind kind,
                               std::string_view value) const;
  absl::Status ApplySuppression(std::vector<PutRequest>& requests,
                                std::vector<std::unique_ptr<Contact>>& copies);
  absl::Status ForEachInPost(std::string_view org_id, std::string_view post_id,
                             const std::function<bool(const Contact&)>& fn, bool* stopped);

  RedisPool* redis_;
  const std::string suppression_key_;
};

}  // namespace ogw
