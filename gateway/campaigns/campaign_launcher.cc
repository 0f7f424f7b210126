#include "gateway/campaigns/campaign_launcher.h"

#include <algorithm>

#include "gateway/core/text.h"
#include "gateway/invitations/event_messages.h"
#include "gateway/reports/audience_snapshot.h"
#include "gateway/segments/behaviour_facts.h"
#include "gateway/segments/segment_expression.h"

namespace ogw {
namespace {

constexpr Channel kFallbackOrder[] = {Channel::kEmail, Channel::kSms, Channel::kWhatsApp,
                                      Channel::kTelegram, Channel::kMessenger};

// The index of the first reachable address serving `channel`, or -1.
int ReachableAddress(const Contact& contact, Channel channel) {
  const AddressKind kind = AddressKindForChannel(channel);
  for (size_t i = 0; i < contact.addresses.size() && i < 256; ++i) {
    if (contact.addresses[i].kind == kind && contact.addresses[i].Reachable()) {
      return static_cast<int>(i);
    }
  }
  return -1;
}

// Why a contact has no usable address of `kind` (for the launch summary).
std::string UnreachableReason(const Contact& contact, AddressKind kind) {
  const Address* address = contact.FindAddress(kind);
  if (address == nullptr) return "no_address";
  return std::string(address->UnusableBecause(Address::Use::kCampaign));
}

struct Pick {
  std::string contact_id;
  uint8_t channel;
  uint8_t address_index;
  std::string audience;  // The report snapshot's record (a few bytes: no allocation).
  std::string steps;     // Cascades: the later steps (CascadePlan::steps of this person).
};

// The channels a cascade goes through for `contact`, in order: the campaign's list, or the
// contact's own order followed by every other channel.
std::vector<Channel> CascadeOrder(const Contact& contact, const ChannelCascade& cascade) {
  std::vector<Channel> order;
  if (!cascade.channels.empty()) {
    for (const std::string& name : cascade.channels) {
      if (auto c = ParseChannel(name)) order.push_back(*c);
    }
    return order;
  }
  order = contact.channel_order;
  for (Channel c : kFallbackOrder) {
    if (std::find(order.begin(), order.end(), c) == order.end()) order.push_back(c);
  }
  return order;
}

// Steps after the first, per recipient: one for every channel but the first.
size_t CascadeWidth(const Campaign& campaign) {
  const size_t channels = campaign.cascade.channels.empty() ? std::size(kFallbackOrder)
                                                            : campaign.cascade.channels.size();
  return std::max<size_t>(1, channels - 1);
}

// The channels whose providers report delivery: SMS delivery reports, WhatsApp and Messenger
// statuses. E-mail reports only bounces and Telegram nothing: a message accepted there and
// not bounced counts as delivered.
std::string ChannelsReportingDelivery() {
  return {static_cast<char>(Channel::kSms), static_cast<char>(Channel::kWhatsApp),
          static_cast<char>(Channel::kMessenger)};
}

bool IsMultiChannel(const Campaign& campaign) {
  return campaign.channel == "cascade" || campaign.channel == "all";
}

}  // namespace

std::optional<AddressChoice> ChooseAddress(const Contact& contact, std::string_view channel_choice,
                                           std::string* reason) {
  if (channel_choice != "preferred") {
    const std::optional<Channel> channel = ParseChannel(channel_choice);
    if (!channel) {
      *reason = "unknown_channel";
      return std::nullopt;
    }
    const int index = ReachableAddress(contact, *channel);
    if (index < 0) {
      *reason = UnreachableReason(contact, AddressKindForChannel(*channel));
      return std::nullopt;
    }
    return AddressChoice{static_cast<uint8_t>(*channel), static_cast<uint8_t>(index)};
  }
  // The contact's own order first, then every other channel.
  std::vector<Channel> order = contact.channel_order;
  for (Channel c : kFallbackOrder) {
    if (std::find(order.begin(), order.end(), c) == order.end()) order.push_back(c);
  }
  for (Channel c : order) {
    const int index = ReachableAddress(contact, c);
    if (index >= 0) return AddressChoice{static_cast<uint8_t>(c), static_cast<uint8_t>(index)};
  }
  *reason = contact.addresses.empty() ? "no_address" : "no_consent";
  return std::nullopt;
}

std::optional<std::pair<Channel, size_t>> ReplyAddress(const Contact& contact, Channel channel,
                                                       std::string_view address) {
  if (!ReachesPerson(channel)) return std::nullopt;
  const AddressKind kind = AddressKindForChannel(channel);
  for (size_t i = 0; i < contact.addresses.size() && i < 256; ++i) {
    if (contact.addresses[i].kind == kind && contact.addresses[i].value == address) {
      return std::make_pair(channel, i);
    }
  }
  return std::nullopt;
}

CampaignLauncher::CampaignLauncher(ContactStore* contacts, SegmentStore* segments,
                                   TemplateStore* templates, CampaignStore* campaigns,
                                   DeliveryQueue* queue, const Clock* clock, EventSeats* seats,
                                   EventStore* events, BulletinStore* bulletins,
                                   const TemplateRenderer* renderer)
    : contacts_(contacts),
      segments_(segments),
      templates_(templates),
      campaigns_(campaigns),
      queue_(queue),
      clock_(clock),
      seats_(seats),
      events_(events),
      bulletins_(bulletins),
      renderer_(renderer) {}

absl::Status CampaignLauncher::EventAudience(const Campaign& campaign,
                                             const std::function<void(const Contact&)>& pick) {
  if (seats_ == nullptr) return absl::FailedPreconditionError("event messages are not available");
  const std::optional<EventPurpose> purpose = ParseEventPurpose(campaign.event_purpose);
  if (!purpose) {
    return absl::InvalidArgumentError("event message purpose " + campaign.event_purpose +
                                      " is unknown");
  }
  std::vector<std::string> ids;
  for (SeatState state : AudienceOf(*purpose)) {
    std::string cursor;
    do {
      ASSIGN_OR_RETURN(PeoplePage page,
                       seats_->List(campaign.org_id, campaign.event_id, state, cursor, 1000));
      for (const PersonState& p : page.people) ids.push_back(p.contact_id);
      cursor = page.next_cursor;
    } while (!cursor.empty());
  }
  constexpr size_t kBatch = 500;
  for (size_t i = 0; i < ids.size(); i += kBatch) {
    const std::vector<std::string> batch(
        ids.begin() + static_cast<std::ptrdiff_t>(i),
        ids.begin() + static_cast<std::ptrdiff_t>(std::min(ids.size(), i + kBatch)));
    ASSIGN_OR_RETURN(std::vector<std::optional<StoredContact>> contacts,
                     contacts_->GetMany(campaign.org_id, batch));
    for (const auto& stored : contacts) {
      if (stored) pick(stored->contact);  // Erased since: nobody to write to.
    }
  }
  return absl::OkStatus();
}

absl::StatusOr<Campaign> CampaignLauncher::Launch(std::string_view org_id,
                                                  std::string_view campaign_id,
                                                  std::atomic<int64_t>* visited,
                                                  bool planned_only) {
  ASSIGN_OR_RETURN(std::unique_ptr<LaunchLock> lock, campaigns_->HoldLaunch(org_id, campaign_id));
  if (!lock) return absl::FailedPreconditionError("a launch of this campaign is in progress");

  ASSIGN_OR_RETURN(std::optional<Campaign> found, campaigns_->Get(org_id, campaign_id));
  if (!found) return absl::NotFoundError("campaign not found");
  Campaign campaign = *std::move(found);
  if (campaign.launched()) return absl::FailedPreconditionError("campaign already launched");
  if (planned_only && campaign.event_id.empty() &&
      (campaign.launch_at_millis == 0 || campaign.launch_at_millis > clock_->NowMillis())) {
    return absl::CancelledError("its planned launch was taken back or moved");
  }
  ASSIGN_OR_RETURN(std::optional<Template> tmpl, templates_->Get(org_id, campaign.template_id));
  if (!tmpl) return absl::NotFoundError("template " + campaign.template_id + " not found");
  if (campaign.channel == ChannelName(Channel::kBulletin)) {
    return Publish(std::move(campaign), *tmpl);
  }

  std::vector<Pick> picks;
  std::map<std::string, int64_t> skipped;
  std::string reason;
  AudienceEncoder encoder(
      campaign.report_attributes.empty() ? DefaultReportAttributes() : campaign.report_attributes,
      clock_->NowMillis());
  auto count = [visited] {
    if (visited != nullptr) visited->fetch_add(1, std::memory_order_relaxed);
  };
  const bool multi = IsMultiChannel(campaign);
  const size_t width = multi ? CascadeWidth(campaign) : 0;
  auto pick = [&](const Contact& contact) {
    if (multi) {
      // Every usable channel of the person, in the cascade's order.
      std::string usable;
      for (Channel c : CascadeOrder(contact, campaign.cascade)) {
        const int index = ReachableAddress(contact, c);
        if (index < 0) continue;
        usable.push_back(static_cast<char>(c));
        usable.push_back(static_cast<char>(index));
      }
      if (usable.empty()) {
        ++skipped[contact.addresses.empty() ? "no_address" : "no_consent"];
        return;
      }
      Pick& p = picks.emplace_back(Pick{contact.id,
                                        static_cast<uint8_t>(usable[0]),
                                        static_cast<uint8_t>(usable[1]),
                                        {},
                                        usable.substr(2)});
      p.steps.resize(width * 2, static_cast<char>(CascadePlan::kNoStep));
      encoder.Append(contact, p.channel, &p.audience);
      return;
    }
    if (auto choice = ChooseAddress(contact, campaign.channel, &reason)) {
      Pick& p =
          picks.emplace_back(Pick{contact.id, choice->channel, choice->address_index, {}, {}});
      encoder.Append(contact, choice->channel, &p.audience);
    } else {
      ++skipped[reason];
    }
  };
  std::string expression_text;
  if (!campaign.event_id.empty()) {
    RETURN_IF_ERROR(EventAudience(campaign, [&](const Contact& contact) {
      count();
      pick(contact);
    }));
  } else {
    ASSIGN_OR_RETURN(std::optional<Segment> segment, segments_->Get(org_id, campaign.segment_id));
    if (!segment) return absl::NotFoundError("segment " + campaign.segment_id + " not found");
    const PostScope scope =
        campaign.post_id.empty() ? PostScope::All() : PostScope::Of({campaign.post_id});
    ASSIGN_OR_RETURN(SegmentExpression parsed, SegmentExpression::Parse(segment->expression));
    // What people did (replied(...), rsvp(...)) is read once, as the campaign's post sees it.
    ASSIGN_OR_RETURN(SegmentExpression expression,
                     BindBehaviour(parsed, org_id, scope,
                                   {.queue = queue_,
                                    .campaigns = campaigns_,
                                    .events = events_,
                                    .seats = events_ != nullptr ? seats_ : nullptr}));
    expression_text = segment->expression;
    RETURN_IF_ERROR(contacts_->ForEach(org_id, scope, [&](const Contact& contact) {
      count();
      if (expression.Matches(contact)) pick(contact);
      return true;
    }));
  }
  // A scan may visit a contact twice while Redis resizes the hash: one message per person.
  std::sort(picks.begin(), picks.end(),
            [](const Pick& a, const Pick& b) { return a.contact_id < b.contact_id; });
  picks.erase(
      std::unique(picks.begin(), picks.end(),
                  [](const Pick& a, const Pick& b) { return a.contact_id == b.contact_id; }),
      picks.end());
  if (picks.empty()) {
    return absl::FailedPreconditionError(
        "nobody in the audience has a usable address on this channel");
  }

  std::string packed;
  packed.reserve(picks.size() * kRecordBytes);
  AudienceRecords audience{.records = {}, .width = encoder.width(), .dictionary = {}};
  audience.records.reserve(picks.size() * encoder.width());
  std::map<std::string, int64_t> channels;
  CascadePlan cascade{
      .mode = campaign.channel == "all" ? CascadePlan::Mode::kAll : CascadePlan::Mode::kCascade,
      .width = width,
      .steps = {},
      .undelivered_after_millis =
          campaign.channel == "all" ? 0
                                    : int64_t{campaign.cascade.undelivered_after_minutes} * 60'000,
      .unanswered_after_millis = campaign.channel == "all"
                                     ? 0
                                     : int64_t{campaign.cascade.unanswered_after_minutes} * 60'000,
      .reporting_channels = ChannelsReportingDelivery()};
  if (multi) cascade.steps.reserve(picks.size() * width * 2);
  for (const Pick& p : picks) {
    RETURN_IF_ERROR(AppendRecipient({p.contact_id, p.channel, p.address_index}, &packed));
    audience.records += p.audience;
    cascade.steps += p.steps;
    ++channels[std::string(ChannelName(static_cast<Channel>(p.channel)))];
  }
  audience.dictionary = encoder.Dictionary();
  // Frozen before the first message can be sent.
  RETURN_IF_ERROR(templates_->Freeze(org_id, campaign_id, *tmpl));
  RETURN_IF_ERROR(queue_->EnqueueCampaign(org_id, campaign_id, packed, campaign.send_at_millis,
                                          audience, multi ? &cascade : nullptr));
  campaign.template_version = tmpl->version;
  campaign.segment_expression = expression_text;

  campaign.launched_at_millis = clock_->NowMillis();
  campaign.queued = static_cast<int64_t>(picks.size());
  int64_t skipped_total = 0;
  for (const auto& [_, n] : skipped) skipped_total += n;
  campaign.audience = campaign.queued + skipped_total;
  campaign.skipped = std::move(skipped);
  campaign.channels = std::move(channels);
  RETURN_IF_ERROR(campaigns_->Update(campaign));
  return campaign;
}

absl::StatusOr<Campaign> CampaignLauncher::Publish(Campaign campaign, const Template& tmpl) {
  if (bulletins_ == nullptr || renderer_ == nullptr) {
    return absl::FailedPreconditionError("this process publishes no bulletins");
  }
  constexpr size_t kMaxTitleBytes = 200;
  Recipient nobody;
  nobody.variables = campaign.variables.is_object() ? campaign.variables : nlohmann::json::object();
  // The data-use statements rendered as bodies are, variables filled in.
  Template data_use = tmpl;
  data_use.id += "#data_use";
  for (TemplateVariant& v : data_use.variants) v.body = v.data_use;
  std::map<std::string, BulletinText> texts;
  for (const TemplateVariant& v : tmpl.variants) {
    if (v.body.empty()) continue;
    // Each language on its own: the body and title of that variant, variables filled in.
    nobody.languages = {v.language};
    std::string language;
    ASSIGN_OR_RETURN(std::string body, renderer_->RenderBodyMarkdown(tmpl, nobody, "", &language));
    if (language != v.language) continue;
    std::string title = campaign.name;
    if (!v.subject.empty()) {
      RenderRequest request;
      request.channel = Channel::kEmail;
      request.recipient = &nobody;
      ASSIGN_OR_RETURN(RenderedMessage rendered, renderer_->Render(tmpl, request));
      if (!rendered.subject.empty()) title = rendered.subject;
    }
    if (tmpl.collects_data && !v.data_use.empty()) {
      std::string used;
      ASSIGN_OR_RETURN(std::string statement,
                       renderer_->RenderBodyMarkdown(data_use, nobody, "", &used));
      body += "\n\n" + statement;
    }
    // A title is one line of text.
    for (char& c : title) {
      if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f) c = ' ';
    }
    texts[v.language] = {TruncateUtf8(title, kMaxTitleBytes), std::move(body), ""};
  }
  if (texts.empty()) return absl::FailedPreconditionError("the template has no body to publish");
  BulletinChange change;
  change.post_id = campaign.post_id;
  change.texts = std::move(texts);
  const int64_t now = clock_->NowMillis();
  if (campaign.send_at_millis > now) change.published_at_millis = campaign.send_at_millis;
  RETURN_IF_ERROR(templates_->Freeze(campaign.org_id, campaign.id, tmpl));
  absl::StatusOr<BulletinEntry> entry =
      bulletins_->Create(campaign.org_id, change, campaign.created_by, campaign.id);
  if (entry.status().code() == absl::StatusCode::kAlreadyExists) {
    // Published by a launch that stopped before it could say so.
    ASSIGN_OR_RETURN(std::optional<BulletinEntry> stored,
                     bulletins_->Get(campaign.org_id, BulletinStore::EntryIdOf(campaign.id)));
    if (!stored) return absl::InternalError("bulletin entry vanished");
    entry = *std::move(stored);
  }
  if (entry.status().code() == absl::StatusCode::kInvalidArgument ||
      entry.status().code() == absl::StatusCode::kResourceExhausted) {
    // The text cannot be shown, or the bulletin is full: the officers' to change, not a fault.
    return absl::FailedPreconditionError("cannot publish: " +
                                         std::string(MessageOf(entry.status())));
  }
  RETURN_IF_ERROR(entry.status());
  RETURN_IF_ERROR(queue_->FinishWithoutMessages(campaign.org_id, campaign.id));
  campaign.bulletin_entry_id = entry->id;
  campaign.template_version = tmpl.version;
  campaign.launched_at_millis = now;
  campaign.channels = {{std::string(ChannelName(Channel::kBulletin)), 1}};
  RETURN_IF_ERROR(campaigns_->Update(campaign));
  return campaign;
}

}  // namespace ogw
