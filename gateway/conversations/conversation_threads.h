#pragma once

// The officers' side of a person's conversation: its state (open, waiting for the person,
// closed), the officer it is assigned to, its labels and a version that every change moves on,
// and the per-post indexes the inbox lists it from (docs/ARCHITECTURE.md, "The officers'
// inbox"). The messages themselves stay in the person's ConversationLog.

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "gateway/core/clock.h"
#include "gateway/core/redis_client.h"
#include "gateway/core/status.h"

namespace ogw {

enum class ThreadState { kOpen, kWaiting, kClosed };
inline constexpr std::array<ThreadState, 3> kThreadStates = {
    ThreadState::kOpen, ThreadState::kWaiting, ThreadState::kClosed};
std::string_view ThreadStateName(ThreadState state);
std::optional<ThreadState> ParseThreadState(std::string_view name);

// A label as officers type it, normalised (trimmed, ASCII lower case); nullopt when it is
// empty, longer than 40 bytes, not UTF-8, or holds a comma, colon or control character.
std::optional<std::string> NormaliseLabel(std::string_view label);
inline constexpr size_t kMaxLabels = 20;

struct ConversationThread {
  std::string contact_id;
  std::string post_id;
  ThreadState state = ThreadState::kOpen;
  std::string assignee;  // Officer id; empty: nobody.
  std::vector<std::string> labels;
  std::vector<std::string> channels;   // Channels the person wrote on.
  std::vector<std::string> campaigns;  // Campaigns the person answered (newest 20).
  int64_t last_activity_millis = 0;
  std::string last_inbound_entry;  // The person's last message in their log.
  std::string last_channel;
  int64_t version = 0;  // 0: no thread yet (nobody wrote and no officer acted).
  std::string updated_by;
};

// The inbox's filters; empty fields do not filter.
struct ThreadFilter {
  std::string post;  // "" = people without a post.
  std::optional<ThreadState> state;
  std::optional<std::string> assignee;  // Officer id, or "" for unassigned.
  std::string channel;
  std::string campaign;
  std::string label;
};

// Paging position: conversations older than this (last activity, then contact id).
struct ThreadCursor {
  int64_t millis = 0;
  std::string contact_id;
  bool empty() const { return contact_id.empty(); }
  std::string Encode() const;  // "<millis>-<contact id>"
  static std::optional<ThreadCursor> Decode(std::string_view text);
};

struct ThreadPage {
  std::vector<std::pair<std::string, int64_t>> items;  // Contact id, last activity.
  ThreadCursor next;                                   // Empty when there is nothing more.
};

// A change an officer makes. Unset fields stay as they are.
struct ThreadChange {
  std::string officer_id;
  std::optional<int64_t> expected_version;  // Refused (FailedPrecondition) when it differs.
  std::optional<ThreadState> state;
  std::optional<std::string> assignee;  // "" unassigns.
  std::optional<std::vector<std::string>> labels;
  bool officer_message = false;  // An officer's message went out: counts as activity.
  std::string note;              // An internal note, appended to the log (never sent).
  bool log_change = false;       // Append a "thread" entry recording the change.
};

struct ThreadChangeResult {
  int64_t version = 0;
  std::string entry_id;  // The note or change entry appended, if any.
};

// Thread-safe; every write is one Lua script that checks the person still exists, so nothing
// re-creates a thread after erasure.
class ConversationThreads {
 public:
  // Conversations examined per listing call at most, so a filter matching few of a large set
  // costs bounded Redis time; the page then ends early with a cursor to go on from.
  static constexpr size_t kListBudget = 5'000;

  ConversationThreads(RedisPool* redis, const Clock* clock, size_t list_budget = kListBudget)
      : redis_(redis), clock_(clock), list_budget_(list_budget) {}

  // The person wrote (entry `entry_id` of their log, on `channel`, answering `campaign` if
  // known): the thread opens (again) and moves to the top of their post's inbox. A message the
  // gateway answered itself (`handled`: STOP, a clear RSVP answer) moves it without opening it
  // (a new thread starts closed). A retry of the same or an older entry changes nothing.
  // Returns the version, 0 when the person is gone.
  absl::StatusOr<int64_t> NoteInbound(std::string_view org_id, std::string_view contact_id,
                                      std::string_view post_id, std::string_view entry_id,
                                      std::string_view channel, std::string_view campaign,
                                      int64_t at_millis, bool handled = false);
  // An officer's change. NotFound when the person is gone; FailedPrecondition with the current
  // version in the message ("version N") when `expected_version` is stale.
  absl::StatusOr<ThreadChangeResult> Change(std::string_view org_id, std::string_view contact_id,
                                            std::string_view post_id, const ThreadChange& change);
  // nullopt when there is no thread (nobody wrote and no officer acted yet).
  absl::StatusOr<std::optional<ConversationThread>> Get(std::string_view org_id,
                                                        std::string_view contact_id);
  absl::StatusOr<std::vector<std::optional<ConversationThread>>> GetMany(
      std::string_view org_id, const std::vector<std::string>& contact_ids);
  // Newest activity first, after `after` when given, at most `limit`.
  absl::StatusOr<ThreadPage> List(std::string_view org_id, const ThreadFilter& filter,
                                  const ThreadCursor& after, size_t limit);
  // Conversations of `post` ("" = none) per state.
  absl::StatusOr<std::array<int64_t, 3>> CountByState(std::string_view org_id,
                                                      std::string_view post);
  // The person now belongs to `post_id`: their thread moves to that post's inbox.
  absl::Status Move(std::string_view org_id, std::string_view contact_id, std::string_view post_id);
  // Erasure: the thread and its index entries go.
  absl::Status Forget(std::string_view org_id, std::string_view contact_id);

 private:
  absl::StatusOr<RedisReply> Run(std::string_view org_id, std::string_view contact_id,
                                 std::vector<std::string> args);

  RedisPool* redis_;
  const Clock* clock_;
  size_t list_budget_;
};

}  // namespace ogw
