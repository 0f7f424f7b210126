#pragma once

// Binds the behaviour predicates of a segment expression (replied, clicked, opted_out, rsvp,
// attended) to the people they name, read once from the campaigns' outcome bitmaps and the
// events' seats, so that evaluation over every contact stays a set lookup.

#include <string_view>

#include "gateway/campaigns/campaign_store.h"
#include "gateway/core/post_scope.h"
#include "gateway/core/status.h"
#include "gateway/invitations/event_seats.h"
#include "gateway/invitations/event_store.h"
#include "gateway/segments/segment_expression.h"
#include "queue/delivery_queue.h"

namespace ogw {

struct BehaviourSources {
  DeliveryQueue* queue = nullptr;
  CampaignStore* campaigns = nullptr;
  EventStore* events = nullptr;  // With `seats`; null: rsvp() and attended() are refused.
  EventSeats* seats = nullptr;
};

// `expression` with its behaviour predicates bound (itself when it has none). The campaigns
// and events named must exist in `org_id` and be visible within `scope` (organisation-wide, or
// of a post it allows), and a campaign must have been launched: InvalidArgument naming the
// predicate otherwise (one answer for missing and out of scope).
absl::StatusOr<SegmentExpression> BindBehaviour(const SegmentExpression& expression,
                                                std::string_view org_id, const PostScope& scope,
                                                const BehaviourSources& sources);

}  // namespace ogw
