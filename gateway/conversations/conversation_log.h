#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "gateway/core/clock.h"
#include "gateway/core/redis_client.h"
#include "gateway/core/status.h"

namespace ogw {

// One event in a person's conversation. `kind` is "out", "in", "status", "click", "consent" or
// "rsvp"; `fields` are the kind's fields (docs/ARCHITECTURE.md, "Conversations").
struct ConversationEntry {
  std::string id;  // Stream id "<millis>-<seq>": time order, and the paging cursor.
  std::string kind;
  int64_t at_millis = 0;
  std::vector<std::pair<std::string, std::string>> fields;

  // The value of `name`, or "".
  std::string Field(std::string_view name) const;
};

// An entry to append for a contact.
struct ConversationAppend {
  std::string contact_id;
  std::string kind;
  std::vector<std::pair<std::string, std::string>> fields;
};

// A reference in a post's inbox.
struct InboxItem {
  std::string id;          // The inbox stream id (paging cursor).
  std::string contact_id;
  std::string entry_id;    // The entry in the contact's conversation.
  std::string channel;
};

// Every person's single log across channels, and the posts' inboxes (key schema:
// docs/ARCHITECTURE.md). Appends check in the same Lua script that the contact still exists,
// so nothing re-creates a log after erasure. Thread-safe.
class ConversationLog {
 public:
  static constexpr int64_t kMaxEntries = 5'000;
  static constexpr int64_t kMaxInboxItems = 100'000;

  ConversationLog(RedisPool* redis, const Clock* clock) : redis_(redis), clock_(clock) {}

  // Appends one entry. Returns its id, or "" when the contact no longer exists.
  absl::StatusOr<std::string> Append(std::string_view org_id, const ConversationAppend& entry);
  // Appends many entries (the delivery worker's sent messages) with one pipelined XADD each
  // into logs that exist; the entries of people without a log yet take a second round trip
  // through a script that checks each person still exists, as Append does.
  absl::Status AppendMany(std::string_view org_id, const std::vector<ConversationAppend>& entries);
  // Appends a click entry (campaign, link) unless one was noted for the same person, campaign
  // and link within the hour, or the log is full: anyone holding a link (a link-preview bot, a
  // forwarded e-mail) can click it endlessly, and clicks must never push the person's replies
  // and consent records out of their capped history. Returns whether it was appended.
  absl::StatusOr<bool> AppendClick(std::string_view org_id, const std::string& contact_id,
                                   const std::string& campaign_id, const std::string& link_index,
                                   const std::string& url);

  // Newest first, older than `before` (an entry id; "" for the newest), at most `limit`.
  absl::StatusOr<std::vector<ConversationEntry>> Read(std::string_view org_id,
                                                      std::string_view contact_id,
                                                      std::string_view before, size_t limit);
  // One entry by id; NotFound when absent.
  absl::StatusOr<ConversationEntry> Get(std::string_view org_id, std::string_view contact_id,
                                        std::string_view entry_id);
  // Entries by (contact id, entry id), in one round trip; nullopt for those absent.
  absl::StatusOr<std::vector<std::optional<ConversationEntry>>> GetMany(
      std::string_view org_id, const std::vector<std::pair<std::string, std::string>>& entries);

  // Newest first, older than `before`, at most `limit`, from the inbox of `post` ("" = none).
  absl::StatusOr<std::vector<InboxItem>> ReadInbox(std::string_view org_id, std::string_view post,
                                                   std::string_view before, size_t limit);

  // The arguments of the append script (shared with the inbound pipeline's script).
  static std::vector<std::string> FieldArgs(std::string_view kind, int64_t at_millis,
                                            const std::vector<std::pair<std::string, std::string>>& fields);
  static absl::StatusOr<ConversationEntry> ParseEntry(const RedisReply& reply);
  // Whether `id` looks like a stream id ("<digits>-<digits>").
  static bool IsEntryId(std::string_view id);

 private:
  RedisPool* redis_;
  const Clock* clock_;
};

}  // namespace ogw
