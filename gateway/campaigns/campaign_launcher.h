#pragma once

#include <atomic>
#include <functional>
#include <string>
#include <string_view>

#include "gateway/bulletins/bulletin_store.h"
#include "gateway/campaigns/campaign_store.h"
#include "gateway/contacts/contact_store.h"
#include "gateway/core/post_scope.h"
#include "gateway/invitations/event_seats.h"
#include "gateway/invitations/event_store.h"
#include "gateway/segments/segment_store.h"
#include "queue/delivery_queue.h"
#include "templates/template_renderer.h"
#include "templates/template_store.h"

namespace ogw {

// Launches a campaign: evaluates its segment once within the campaign's post (an event's
// message: reads the event's people in the states of its purpose), picks for each
// contact the channel and address to use (the campaign's channel, or the contact's first usable
// one; only addresses with consent and not opted out), and fans the recipients out into the
// delivery queue. Messages are rendered at send time, not here. A campaign on the bulletin
// channel instead publishes one entry in its post's bulletin, a text per language of its
// template. Thread-safe.
class CampaignLauncher {
 public:
  // `seats` (may be null: no event messages) gives an event message's audience; with `events`
  // segments may select by RSVP answers (rsvp(), attended()).
  CampaignLauncher(ContactStore* contacts, SegmentStore* segments, TemplateStore* templates,
                   CampaignStore* campaigns, DeliveryQueue* queue, const Clock* clock,
                   EventSeats* seats = nullptr, EventStore* events = nullptr,
                   BulletinStore* bulletins = nullptr, const TemplateRenderer* renderer = nullptr);

  // Errors: NotFound (campaign,
  // template or segment gone), FailedPrecondition (already launched, launch in progress, or
  // nobody to send to), InvalidArgument (segment expression no longer parses).
  // `visited` (optional) counts the contacts looked at, for a progress display.
  // `planned_only`: a launch at its planned time, Cancelled when the plan was taken back or
  // moved later meanwhile (decided under the launch lock: such a plan never launches early).
  absl::StatusOr<Campaign> Launch(std::string_view org_id, std::string_view campaign_id,
                                  std::atomic<int64_t>* visited = nullptr,
                                  bool planned_only = false);

 private:
  ContactStore* contacts_;
  SegmentStore* segments_;
  TemplateStore* templates_;
  // Passes each person of an event message's audience who still exists to `pick`.
  absl::Status EventAudience(const Campaign& campaign,
                             const std::function<void(const Contact&)>& pick);
  // The bulletin channel's launch: the entry (its id derived from the campaign's, so a launch
  // repeated after a crash finds it rather than publishing twice), then the campaign finished.
  absl::StatusOr<Campaign> Publish(Campaign campaign, const Template& tmpl);

  CampaignStore* campaigns_;
  DeliveryQueue* queue_;
  const Clock* clock_;
  EventSeats* seats_;
  EventStore* events_;
  BulletinStore* bulletins_;
  const TemplateRenderer* renderer_;
};

// The address a campaign message to `contact` uses on `channel_choice` ("preferred" or a
// channel name): its channel and address index, or nullopt with the reason it has none.
struct AddressChoice {
  uint8_t channel = 0;
  uint8_t address_index = 0;
};
std::optional<AddressChoice> ChooseAddress(const Contact& contact, std::string_view channel_choice,
                                           std::string* reason);

// Where a reply's sender can be answered: the channel they used, at the address they wrote
// from (their contact may hold it under another index, or not yet at all: nullopt).
std::optional<std::pair<Channel, size_t>> ReplyAddress(const Contact& contact, Channel channel,
                                                       std::string_view address);

}  // namespace ogw
