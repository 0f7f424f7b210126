#pragma once

// Reads people's replies to a campaign's in-channel survey (in_channel_survey.h) and asks the
// next question (docs/ARCHITECTURE.md, "In-channel surveys").
//
// A reply belongs to the survey of the campaign it answers (CampaignResponses::Attribute:
// named by e-mail threading or a WhatsApp context, else the latest campaign sent to the person
// in the last 7 days) while the person has questions left. It is read against their current
// question; a clear answer is stored (per question and value, as bitmaps segments read) and
// the next question, or the thanks after the last, goes back on the channel the person used,
// in their language, through the priority lane. An unclear answer is counted and left for an
// officer: the conversation stays open in the inbox.
//
// Reliability: like the RSVP responder, it runs before the inbound pipeline stores the reply.
// The answer is written by one script that also records the provider message it came from, so
// a provider's retry after a crash changes nothing; only the next question can repeat.
// Thread-safe.

#include <optional>
#include <string>

#include "gateway/campaigns/campaign_store.h"
#include "gateway/contacts/contact.h"
#include "gateway/core/channel.h"
#include "gateway/core/clock.h"
#include "gateway/core/redis_client.h"
#include "gateway/inbound/person_reply.h"
#include "queue/delivery_queue.h"

namespace ogw {

struct SurveyOutcome {
  std::string campaign_id;
  std::string question;  // Its key.
  std::string answer;    // The choice's value, or "unclear".
};

class SurveyResponder {
 public:
  SurveyResponder(RedisPool* redis, const Clock* clock, CampaignStore* campaigns,
                  DeliveryQueue* queue)
      : redis_(redis), clock_(clock), campaigns_(campaigns), queue_(queue) {}

  // nullopt when the reply answers no survey with questions left (an ordinary message).
  absl::StatusOr<std::optional<SurveyOutcome>> OnReply(const PersonReply& reply);

 private:
  // Queues `text` to the person on the channel and address they wrote from.
  absl::Status Say(const PersonReply& reply, const std::string& campaign_id,
                   const std::string& subject, const std::string& text);

  RedisPool* redis_;
  const Clock* clock_;
  CampaignStore* campaigns_;
  DeliveryQueue* queue_;
};

}  // namespace ogw
