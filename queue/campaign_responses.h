#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "gateway/core/clock.h"
#include "gateway/core/redis_client.h"
#include "gateway/core/status.h"

namespace ogw {

// What people did with a campaign's message, marked per recipient index in the campaign's
// bitmaps (`:clk`, `:rpl`, `:opt`, `:cpl`) for its report, and counted once per person in its
// stats (people_clicked, people_replied, people_opted_out, people_completed). See docs/ARCHITECTURE.md, "Campaign
// reports and audience snapshots". Thread-safe.
class CampaignResponses {
 public:
  enum class Kind { kClicked, kReplied, kOptedOut, kCompleted };
  // How long after a campaign's launch a message from one of its recipients answers it when
  // the channel does not say which message it answers.
  static constexpr int64_t kReplyWindowMillis = int64_t{7} * 24 * 3600 * 1000;

  // `chunk_size`: the delivery queue's (QueueOptions::chunk_size).
  CampaignResponses(RedisPool* redis, const Clock* clock, size_t chunk_size);

  // The recipient index of `contact_id` in the campaign; nullopt when not one of its
  // recipients (or the campaign's chunks are gone).
  absl::StatusOr<std::optional<int64_t>> IndexOf(std::string_view org_id,
                                                 std::string_view campaign_id,
                                                 std::string_view contact_id);
  enum class Marked { kNotRecipient, kFirstTime, kAgain };
  // Marks what `contact_id` did; counted the first time only.
  absl::StatusOr<Marked> Mark(std::string_view org_id, std::string_view campaign_id,
                              std::string_view contact_id, Kind kind);
  // Notes that the person's conversation entry `entry_id` counted for the campaign (a reply or
  // a STOP), for the export of its replies. Noting it again changes nothing.
  absl::Status NoteReply(std::string_view org_id, std::string_view campaign_id,
                         std::string_view contact_id, std::string_view entry_id);
  // A followed tracked link: counted in `clicks` (every click) and marked.
  absl::Status CountClick(std::string_view org_id, std::string_view campaign_id,
                          std::string_view contact_id);
  // The campaign a message from `contact_id` answers: `answered_campaign` when the channel
  // named the message (and the person was its recipient), else the latest campaign launched
  // within kReplyWindowMillis whose message to them was sent. "" when none.
  absl::StatusOr<std::string> Attribute(std::string_view org_id, std::string_view contact_id,
                                        std::string_view answered_campaign);

 private:
  RedisPool* redis_;
  const Clock* clock_;
  int64_t chunk_size_;
};

}  // namespace ogw
