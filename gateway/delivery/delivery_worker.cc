#include "gateway/delivery/delivery_worker.h"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <array>
#include <chrono>
#include <map>
#include <set>
#include <tuple>
#include <unordered_map>

#include "absl/strings/numbers.h"
#include "gateway/conversations/last_inbound.h"
#include "gateway/core/key_schema.h"
#include "gateway/delivery/contact_rendering.h"
#include "gateway/delivery/quiet_hours.h"
#include "templates/markdown_render.h"
#include "templates/sms_encoding.h"

namespace ogw {
namespace {

constexpr size_t kDirectBatch = 100;
constexpr size_t kScheduledBatch = 500;
constexpr int64_t kOrgListTtlMillis = 5'000;
constexpr int64_t kPausedRecheckMillis = 1'000;
constexpr int64_t kMaxRateWaitMillis = 1'000;
constexpr int64_t kWaitBehindEarlierMillis = 2'000;
// The template variable of the person's chat links ({{chat_links.telegram}}).
constexpr char kChatLinksVariable[] = "chat_links";
// {{survey.completion_url}}: the person's own link that marks the campaign's survey completed.
constexpr char kSurveyVariable[] = "survey";
// Providers report within minutes; a week covers a phone that was off for days.
constexpr int64_t kProviderMessageTtlSeconds = 7 * 86'400;

MessageOutcome Outcome(const ClaimedMessage& m, MessageOutcome::Kind kind, std::string code = "",
                       std::string reason = "", int64_t due = 0) {
  MessageOutcome o;
  o.kind = kind;
  o.message = m;
  o.code = std::move(code);
  o.reason = std::move(reason);
  o.due_millis = due;
  return o;
}

std::string_view OutcomeLabel(MessageOutcome::Kind kind) {
  switch (kind) {
    case MessageOutcome::Kind::kSent:
      return "sent";
    case MessageOutcome::Kind::kFailed:
      return "failed";
    case MessageOutcome::Kind::kRetry:
      return "retried";
    case MessageOutcome::Kind::kDeferred:
      return "deferred";
    case MessageOutcome::Kind::kDead:
      return "dead_lettered";
    case MessageOutcome::Kind::kDropped:
      return "cancelled";
    case MessageOutcome::Kind::kHeld:
      return "held";
  }
  return "failed";
}

// What became of one message its provider answered.
MessageOutcome Classify(const ClaimedMessage& m, const SendResult& r, const BackoffPolicy& backoff,
                        int64_t now, std::mt19937_64& rng) {
  switch (r.outcome) {
    case SendResult::Outcome::kAccepted: {
      MessageOutcome o = Outcome(m, MessageOutcome::Kind::kSent);
      o.provider_message_id = r.provider_message_id;
      return o;
    }
    case SendResult::Outcome::kPermanent:
      return Outcome(m, MessageOutcome::Kind::kFailed, r.code, r.reason);
    case SendResult::Outcome::kOptedOut:
      return Outcome(m, MessageOutcome::Kind::kFailed, "opted_out", r.reason);
    case SendResult::Outcome::kTransient:
      break;
  }
  if (!r.attempted) {
    return Outcome(m, MessageOutcome::Kind::kDeferred, r.code, r.reason,
                   now + std::max<int64_t>(r.retry_after_millis, 1'000));
  }
  if (m.attempt + 1 >= backoff.max_attempts) {
    return Outcome(m, MessageOutcome::Kind::kDead, r.code, r.reason);
  }
  return Outcome(m, MessageOutcome::Kind::kRetry, r.code, r.reason,
                 now + RetryDelayMillis(backoff, m.attempt + 1, r.retry_after_millis, rng));
}

// The contact's address a message was queued for; null when it was removed or replaced since.
const Address* QueuedAddress(const Contact& c, const QueuedRecipient& r) {
  const size_t ai = r.address_index;
  const std::optional<Channel> channel = PersonChannelFromByte(r.channel);
  if (!channel || ai >= c.addresses.size() ||
      c.addresses[ai].kind != AddressKindForChannel(*channel)) {
    return nullptr;
  }
  return &c.addresses[ai];
}

// What an SMS costs against the provider's rate: its segments, at least one.
int64_t SmsCost(const std::string& text) {
  auto info = AnalyzeSms(text);
  return info.ok() ? std::max<int64_t>(1, static_cast<int64_t>(info->segments)) : 1;
}

}  // namespace

struct DeliveryWorker::Batch {
  std::string org_id;
  int64_t now = 0;
  std::unordered_map<std::string, Contact> contacts;  // Looked up for every message.
  std::map<std::string, std::optional<Campaign>> campaigns;
  std::map<std::string, std::optional<Template>> templates;  // By campaign id.
  // Event messages' events, by campaign id; nullopt when the event is gone.
  std::map<std::string, std::optional<Event>> events;
  // Campaigns whose template uses {{chat_links...}}: the person's links join its variables.
  std::set<std::string> with_chat_links;
  // Campaigns whose template uses {{survey...}}: the person's completion link joins them.
  std::set<std::string> with_survey;
  std::map<std::string, std::string> post_languages;  // Filled as needed.
  // When the person last wrote from an address of a channel with a service window:
  // "<contact id>\n<address key>" -> millis (absent: never).
  std::unordered_map<std::string, int64_t> last_inbound;
  // Per group (ReadControl):
  // Campaign -> its state; nullopt when the campaign is gone.
  std::map<std::string, std::optional<CampaignState>> states;
  std::map<std::string, std::set<std::string>> waiting;  // Campaign -> contacts waiting.
};

struct DeliveryWorker::Pending {
  ClaimedMessage claimed;
  Channel channel = Channel::kEmail;
  OutboundMessage out;
  std::string language;  // The template language chosen for this recipient.
  // Direct messages: what the conversation entry quotes, from the payload parsed in Prepare
  // (`out` goes to the provider).
  std::string text;
  std::string subject;
  std::string author;
};

struct DeliveryWorker::Group {
  std::vector<MessageOutcome> outcomes;
  std::vector<Pending> pending;
  // The conversation entries of the messages a provider accepted (when there is a log).
  std::vector<ConversationAppend> notes;
  std::vector<std::vector<std::string>> link_commands;  // Tracked links minted for the group.
  // An address a provider reported on, to update once the group's outcomes are recorded.
  struct AddressReport {
    std::string contact_id;
    Channel channel = Channel::kSms;
    std::string address;
    std::string detail;  // invalid_addresses: the provider's reason; opted_out: the account.
  };
  std::vector<AddressReport> invalid_addresses;  // The provider says they do not exist.
  std::vector<AddressReport> opted_out;          // Their person opted out at the provider.
  // Provider message ids whose reports will name nothing else (SET commands).
  std::vector<std::vector<std::string>> provider_ids;
};

DeliveryWorker::DeliveryWorker(WorkerDeps deps, WorkerOptions options)
    : deps_(deps), options_(std::move(options)) {
  options_.threads = std::max<size_t>(options_.threads, 1);
  options_.group_size = std::max<size_t>(options_.group_size, 1);
  if (!deps_.sleep) {
    deps_.sleep = [](int64_t ms) { std::this_thread::sleep_for(std::chrono::milliseconds(ms)); };
  }
}

DeliveryWorker::~DeliveryWorker() { Stop(); }

void DeliveryWorker::Start() {
  stopping_ = false;
  for (size_t i = 0; i < options_.threads; ++i) threads_.emplace_back([this] { Loop(); });
}

void DeliveryWorker::Stop() {
  stopping_ = true;
  for (auto& t : threads_) t.join();
  threads_.clear();
}

void DeliveryWorker::Loop() {
  while (!stopping_) {
    auto handled = RunOnce();
    if (!handled.ok()) {
      spdlog::warn("delivery worker: {}", MessageOf(handled.status()));
      std::this_thread::sleep_for(std::chrono::milliseconds(500));
    } else if (*handled == 0) {
      std::this_thread::sleep_for(std::chrono::milliseconds(options_.idle_poll_millis));
    }
  }
}

absl::StatusOr<std::vector<std::string>> DeliveryWorker::OrgIds() {
  const int64_t now = deps_.clock->NowMillis();
  {
    std::lock_guard lock(mu_);
    if (org_ids_at_ != 0 && now - org_ids_at_ < kOrgListTtlMillis) return org_ids_;
  }
  ASSIGN_OR_RETURN(std::vector<Organisation> orgs, deps_.orgs->ListOrganisations());
  std::vector<std::string> ids;
  for (const auto& o : orgs) ids.push_back(o.id);
  std::lock_guard lock(mu_);
  org_ids_ = ids;
  org_ids_at_ = now;
  return ids;
}

absl::StatusOr<size_t> DeliveryWorker::RunOnce() {
  ASSIGN_OR_RETURN(std::vector<std::string> orgs, OrgIds());
  // The priority lane first, on every pass: a reply waits for at most one chunk.
  ASSIGN_OR_RETURN(size_t direct, DrainDirect(orgs));
  ASSIGN_OR_RETURN(size_t scheduled, DrainScheduled(orgs));
  ASSIGN_OR_RETURN(size_t chunk, DrainOneChunk());
  SweepInvitations(orgs);
  const size_t steps = SweepCascades(orgs);
  return direct + scheduled + chunk + steps;
}

size_t DeliveryWorker::SweepCascades(const std::vector<std::string>& orgs) {
  size_t queued = 0;
  for (const std::string& org : orgs) {
    // One sweep per organisation and interval across every worker process; the sweep itself
    // is one script per campaign, so two overlapping ones would still queue each step once.
    if (options_.cascade_sweep_millis > 0) {
      auto turn = deps_.redis->Command({"SET", keys::CascadeSweep(org), "1", "NX", "PX",
                                        std::to_string(options_.cascade_sweep_millis)});
      if (!turn.ok() || turn->IsNil()) continue;
    }
    if (auto swept = deps_.queue->SweepCascades(org); !swept.ok()) {
      spdlog::warn("channel cascades of {}: {}", org, MessageOf(swept.status()));
    } else {
      queued += *swept;
    }
  }
  return queued;
}

void DeliveryWorker::SweepInvitations(const std::vector<std::string>& orgs) {
  if (deps_.rsvp == nullptr && deps_.event_messages == nullptr) return;
  for (const std::string& org : orgs) {
    // One sweep per organisation and interval across every worker process.
    auto turn = deps_.redis->Command({"SET", keys::InvitationSweep(org), "1", "NX", "PX",
                                      std::to_string(options_.invitation_sweep_millis)});
    if (!turn.ok() || turn->IsNil()) continue;
    if (deps_.rsvp != nullptr) {
      if (auto swept = deps_.rsvp->Sweep(org); !swept.ok()) {
        spdlog::warn("invitation sweep of {}: {}", org, MessageOf(swept.status()));
      }
    }
    if (deps_.event_messages == nullptr) continue;
    if (auto launched = deps_.event_messages->LaunchDue(org); !launched.ok()) {
      spdlog::warn("event messages of {}: {}", org, MessageOf(launched.status()));
    }
  }
}

absl::StatusOr<size_t> DeliveryWorker::DrainDirect(const std::vector<std::string>& orgs) {
  size_t handled = 0;
  for (const std::string& org : orgs) {
    ASSIGN_OR_RETURN(std::vector<ClaimedMessage> claimed,
                     deps_.queue->ClaimDirect(org, kDirectBatch));
    if (claimed.empty()) continue;
    ASSIGN_OR_RETURN(size_t n, Deliver(org, std::move(claimed), nullptr));
    handled += n;
  }
  return handled;
}

absl::StatusOr<size_t> DeliveryWorker::DrainScheduled(const std::vector<std::string>& orgs) {
  size_t handled = 0;
  for (const std::string& org : orgs) {
    ASSIGN_OR_RETURN(std::vector<ClaimedMessage> claimed,
                     deps_.queue->ClaimScheduled(org, kScheduledBatch));
    if (claimed.empty()) continue;
    ASSIGN_OR_RETURN(size_t n, Deliver(org, std::move(claimed), nullptr));
    handled += n;
  }
  return handled;
}

absl::StatusOr<size_t> DeliveryWorker::DrainOneChunk() {
  ASSIGN_OR_RETURN(std::optional<ChunkClaim> claim, deps_.queue->ClaimChunk());
  if (!claim) return 0;
  const std::string org = claim->org_id;
  std::vector<ClaimedMessage> messages = std::move(claim->messages);
  ASSIGN_OR_RETURN(size_t n, Deliver(org, std::move(messages), &*claim));
  return std::max<size_t>(n, 1);  // A claimed chunk is progress even when all was done.
}

absl::StatusOr<DeliveryWorker::Batch> DeliveryWorker::LoadBatch(
    const std::string& org_id, const std::vector<ClaimedMessage>& messages) {
  Batch batch;
  batch.org_id = org_id;
  batch.now = deps_.clock->NowMillis();
  std::set<std::string> contact_ids;
  std::set<std::string> campaign_ids;
  for (const auto& m : messages) {
    contact_ids.insert(m.recipient.contact_id);
    if (!m.campaign_id.empty()) campaign_ids.insert(m.campaign_id);
  }
  ASSIGN_OR_RETURN(std::vector<std::optional<StoredContact>> stored,
                   deps_.contacts->GetMany(org_id, {contact_ids.begin(), contact_ids.end()}));
  for (auto& s : stored) {
    if (s) batch.contacts.emplace(s->contact.id, std::move(s->contact));
  }
  RETURN_IF_ERROR(LoadLastInbound(batch, messages));
  for (const std::string& id : campaign_ids) {
    ASSIGN_OR_RETURN(batch.campaigns[id], deps_.campaigns->Get(org_id, id));
    const auto& c = batch.campaigns[id];
    if (!c) continue;
    // The copy frozen at launch; a campaign launched before copies were kept renders the
    // template as it is now.
    ASSIGN_OR_RETURN(batch.templates[id], deps_.templates->GetFrozen(org_id, id));
    if (!batch.templates[id]) {
      ASSIGN_OR_RETURN(batch.templates[id], deps_.templates->Get(org_id, c->template_id));
    }
    if (!c->event_id.empty() && deps_.events != nullptr) {
      ASSIGN_OR_RETURN(batch.events[id], deps_.events->Get(org_id, c->event_id));
    }
    if (batch.templates[id]) {
      for (const std::string& name : TemplateRenderer::ReferencedVariables(*batch.templates[id])) {
        auto names = [&name](std::string_view variable) {
          return name == variable || name.starts_with(std::string(variable) + ".");
        };
        if (deps_.chat_links && names(kChatLinksVariable)) batch.with_chat_links.insert(id);
        if (deps_.tokens != nullptr && names(kSurveyVariable)) batch.with_survey.insert(id);
      }
    }
  }
  return batch;
}

absl::Status DeliveryWorker::LoadLastInbound(Batch& batch,
                                             const std::vector<ClaimedMessage>& messages) {
  std::vector<std::string> wanted;
  std::vector<std::vector<std::string>> commands;
  for (const ClaimedMessage& m : messages) {
    const std::optional<Channel> channel = PersonChannelFromByte(m.recipient.channel);
    if (!channel || !HasServiceWindow(*channel)) continue;
    const auto c = batch.contacts.find(m.recipient.contact_id);
    if (c == batch.contacts.end()) continue;
    const Address* address = QueuedAddress(c->second, m.recipient);
    if (address == nullptr) continue;
    std::string key = c->first + "\n" + AddressKey(*address);
    if (batch.last_inbound.count(key)) continue;
    batch.last_inbound.emplace(key, 0);
    commands.push_back({"HGET", keys::LastInbound(batch.org_id, c->first), AddressKey(*address)});
    wanted.push_back(std::move(key));
  }
  if (commands.empty()) return absl::OkStatus();
  ASSIGN_OR_RETURN(std::vector<RedisReply> replies, deps_.redis->Pipeline(commands));
  for (size_t i = 0; i < replies.size() && i < wanted.size(); ++i) {
    RETURN_IF_ERROR(replies[i].AsStatus());
    int64_t at = 0;
    if (!replies[i].IsNil() && absl::SimpleAtoi(replies[i].str, &at)) {
      batch.last_inbound[wanted[i]] = at;
    }
  }
  return absl::OkStatus();
}

bool DeliveryWorker::WindowOpen(const Batch& batch, const Contact& c, const Address& address) {
  const auto it = batch.last_inbound.find(c.id + "\n" + AddressKey(address));
  return it != batch.last_inbound.end() && ServiceWindowOpen(it->second, batch.now);
}

absl::Status DeliveryWorker::ReadControl(Batch& batch, std::span<const ClaimedMessage> group) {
  batch.states.clear();
  batch.waiting.clear();
  std::map<std::string, std::vector<QueuedRecipient>> by_campaign;
  for (const ClaimedMessage& m : group) {
    if (m.campaign_id.empty()) continue;
    if (!batch.states.count(m.campaign_id)) {
      ASSIGN_OR_RETURN(std::optional<CampaignState> state,
                       deps_.queue->State(batch.org_id, m.campaign_id));
      batch.states[m.campaign_id] = state;
    }
    if (!m.already_sent) by_campaign[m.campaign_id].push_back(m.recipient);
  }
  // Per-person order across campaigns: a message waits while the same person still has an
  // unsettled message on the same channel from a campaign launched earlier.
  for (const auto& [campaign, recipients] : by_campaign) {
    ASSIGN_OR_RETURN(batch.waiting[campaign],
                     deps_.queue->WaitingBehindEarlier(batch.org_id, campaign, recipients));
  }
  return absl::OkStatus();
}

std::optional<MessageOutcome> DeliveryWorker::CampaignOutcome(Batch& batch,
                                                              const ClaimedMessage& m) {
  using Kind = MessageOutcome::Kind;
  const std::optional<CampaignState> state = batch.states[m.campaign_id];
  if (m.already_sent) return Outcome(m, Kind::kSent);
  if (state == CampaignState::kCancelled) return Outcome(m, Kind::kDropped);
  if (state == CampaignState::kPaused || state == CampaignState::kScheduled) {
    return Outcome(m, Kind::kHeld, "", "", batch.now + kPausedRecheckMillis);
  }
  if (!state || !batch.campaigns[m.campaign_id]) {
    return Outcome(m, Kind::kFailed, "campaign_gone", "the campaign no longer exists");
  }
  if (batch.waiting[m.campaign_id].count(m.recipient.contact_id)) {
    return Outcome(m, Kind::kHeld, "waiting_for_earlier",
                   "an earlier campaign's message to this person is not sent",
                   batch.now + kWaitBehindEarlierMillis);
  }
  return std::nullopt;
}

DeliveryWorker::Pending DeliveryWorker::PendingFor(const Batch& batch, const ClaimedMessage& m,
                                                   const Contact& c, const Address& address,
                                                   bool consent_confirmation) const {
  const bool direct = m.lane == ClaimedMessage::Lane::kDirect;
  Pending p;
  p.claimed = m;
  p.channel = static_cast<Channel>(m.recipient.channel);
  p.out.org_id = batch.org_id;
  p.out.channel = p.channel;
  p.out.text_format = TextFormatOf(p.channel);
  p.out.to = address.value;
  p.out.message_id = direct ? m.direct_id : m.campaign_id + ":" + std::to_string(m.index);
  // E-mail carries the person's one-click unsubscribe link: in the header, and in the body of
  // campaign messages.
  const bool email_extras =
      p.channel == Channel::kEmail && deps_.tokens != nullptr && !consent_confirmation;
  if (email_extras) {
    p.out.unsubscribe_url =
        deps_.public_base_url + "/u/" + deps_.tokens->UnsubscribeToken(batch.org_id, c.id, "email");
  }
  if (email_extras && !deps_.reply_domain.empty()) {
    p.out.reply_to =
        "reply+" + deps_.tokens->ReplyToken(batch.org_id, c.id) + "@" + deps_.reply_domain;
  }
  return p;
}

void DeliveryWorker::FillDirect(const nlohmann::json& payload, Pending& p) {
  if (payload.is_object()) {
    p.text = payload.value("text", "");
    p.subject = payload.value("subject", "");
    p.author = payload.value("author", "");
  }
  // The officer writes Markdown: plain-text channels send it as written, the others get it
  // in their format (Telegram HTML escapes it), and e-mail adds its HTML part.
  p.out.text = p.text;
  if (p.out.text_format != TextFormat::kPlainText) {
    auto text = RenderMarkdown(p.text, p.out.text_format);
    if (text.ok()) p.out.text = *std::move(text);
  }
  p.out.subject = p.subject;
  if (p.channel == Channel::kEmail) {
    auto html = RenderMarkdown(p.out.text, TextFormat::kHtml);
    if (html.ok()) p.out.html = *std::move(html);
  }
}

std::optional<MessageOutcome> DeliveryWorker::RenderCampaign(Batch& batch, const Contact& c,
                                                             Pending& p, Group& group) {
  using Kind = MessageOutcome::Kind;
  const ClaimedMessage& m = p.claimed;
  const Campaign& campaign = *batch.campaigns[m.campaign_id];
  if (campaign.quiet_hours) {
    if (auto until =
            QuietUntil(*campaign.quiet_hours, c.time_zone, options_.default_time_zone, batch.now)) {
      return Outcome(m, Kind::kDeferred, "quiet_hours", "recipient's local quiet hours", *until);
    }
  }
  const auto& tmpl = batch.templates[m.campaign_id];
  if (!tmpl) return Outcome(m, Kind::kFailed, "template_gone", "the template no longer exists");
  std::function<std::string(std::string_view, size_t)> track;
  if (deps_.links != nullptr) {
    track = [&](std::string_view url, size_t index) {
      LinkOwner owner{batch.org_id, m.campaign_id, c.id, static_cast<uint32_t>(index)};
      auto token = deps_.links->Prepare(owner, url, &group.link_commands);
      // mailto: and the like stay as written.
      return token.ok() ? TrackedLinks::Url(deps_.public_base_url, *token) : std::string(url);
    };
  }
  const Event* event = nullptr;
  if (!campaign.event_id.empty()) {
    auto found = batch.events.find(m.campaign_id);
    if (found == batch.events.end() || !found->second) {
      return Outcome(m, Kind::kFailed, "event_gone", "the event no longer exists");
    }
    event = &*found->second;
  }
  nlohmann::json extra;
  const bool survey = batch.with_survey.count(m.campaign_id) > 0;
  if (batch.with_chat_links.count(m.campaign_id) || event != nullptr || survey) {
    extra = campaign.variables.is_object() ? campaign.variables : nlohmann::json::object();
  }
  if (survey) {
    // The campaign's own `survey` variable, if any, keeps its other fields.
    if (!extra[kSurveyVariable].is_object()) extra[kSurveyVariable] = nlohmann::json::object();
    extra[kSurveyVariable]["completion_url"] =
        deps_.public_base_url + "/done/" +
        deps_.tokens->CompletionToken(batch.org_id, m.campaign_id, c.id);
  }
  if (batch.with_chat_links.count(m.campaign_id)) {
    extra[kChatLinksVariable] = deps_.chat_links(batch.org_id, c);
  }
  const std::string post_language = PostLanguage(batch, c.post_id);
  std::string page;  // The person's own page of the event.
  if (event != nullptr) {
    // The event's words and dates in the language the person reads the message in.
    const std::string language = TemplateRenderer::BodyLanguage(*tmpl, c.languages, post_language);
    extra["event"] = EventVariables(*event, language, c.time_zone);
    page = EventPageUrl(*event, c);
    extra["event"]["answer_url"] = page;
    extra["event"]["calendar_url"] = page.empty() ? "" : page + "/calendar.ics";
  }
  auto rendered =
      RenderFor(*deps_.renderer, *tmpl, c, p.channel, post_language,
                extra.is_null() ? campaign.variables : extra, track, p.out.unsubscribe_url);
  if (!rendered.ok()) {
    return Outcome(m, Kind::kFailed, "render_error", std::string(MessageOf(rendered.status())));
  }
  p.language = rendered->body_language;
  p.out.subject = std::move(rendered->subject);
  p.out.text = std::move(rendered->text);
  p.out.text_format = rendered->text_format;
  p.out.html = std::move(rendered->html);
  if (rendered->whatsapp_template) {
    ProviderTemplate& approved = p.out.provider_template.emplace();
    approved.name = std::move(rendered->whatsapp_template->name);
    approved.language = std::move(rendered->whatsapp_template->language);
    approved.parameters = std::move(rendered->whatsapp_template->parameters);
    approved.header_media = std::move(rendered->whatsapp_header_media);
    approved.button_payloads = std::move(rendered->whatsapp_button_payloads);
  }
  p.out.buttons = std::move(rendered->buttons);
  p.out.media = std::move(rendered->media);
  if (event != nullptr) AddEventParts(*event, campaign, c, page, batch.now, p);
  if (!campaign.in_channel_survey.empty()) AddFirstQuestion(campaign.in_channel_survey, p);
  return std::nullopt;
}

void DeliveryWorker::AddFirstQuestion(const InChannelSurvey& survey, Pending& p) {
  // In the language the message was rendered in; the answers bring the next ones.
  const std::string question = TextIn(survey.questions.front().text, {p.language});
  AddAboveOptOut(p.channel, p.language, "\n\n" + question, &p.out);
  if (!p.out.html.empty()) {
    const std::string html = "<p>" + HtmlEscape(question) + "</p>";
    const size_t body_end = p.out.html.rfind("</body>");
    p.out.html.insert(body_end == std::string::npos ? p.out.html.size() : body_end, html);
  }
}

std::string DeliveryWorker::EventPageUrl(const Event& event, const Contact& c) const {
  if (deps_.tokens == nullptr) return "";
  return deps_.public_base_url + "/e/" + deps_.tokens->EventLinkToken(event.org_id, event.id, c.id);
}

void DeliveryWorker::AddEventParts(const Event& event, const Campaign& campaign, const Contact& c,
                                   std::string_view page_url, int64_t now, Pending& p) const {
  const std::optional<EventPurpose> purpose = ParseEventPurpose(campaign.event_purpose);
  if (!purpose) return;
  if (AsksForAnswer(*purpose)) AddAnswerPrompt(p.channel, p.language, &p.out);
  AddEventLinks(p.channel, p.language, *purpose, page_url, &p.out);
  if (CarriesCalendar(*purpose) && p.channel == Channel::kEmail) {
    p.out.attachments.push_back(CalendarAttachment(event, c.languages, p.out.to,
                                                   CalendarUidDomain(deps_.public_base_url), now));
  }
  if ((*purpose == EventPurpose::kReminder || *purpose == EventPurpose::kUpdate) &&
      p.channel == Channel::kMessenger) {
    // Messenger's one tag that lets a message out of the 24-hour window: an update about an
    // event the person said they would attend.
    p.out.message_tag = "CONFIRMED_EVENT_UPDATE";
  }
}

void DeliveryWorker::Prepare(Batch& batch, const ClaimedMessage& m, Group& group) {
  using Kind = MessageOutcome::Kind;
  auto settle = [&](Kind kind, std::string code = "", std::string reason = "", int64_t due = 0) {
    group.outcomes.push_back(Outcome(m, kind, std::move(code), std::move(reason), due));
  };
  const bool direct = m.lane == ClaimedMessage::Lane::kDirect;
  if (!direct) {
    if (std::optional<MessageOutcome> settled = CampaignOutcome(batch, m)) {
      return group.outcomes.push_back(*std::move(settled));
    }
  }
  // Consent and addresses are checked at send time, not only at launch.
  auto found = batch.contacts.find(m.recipient.contact_id);
  if (found == batch.contacts.end()) {
    return settle(Kind::kFailed, "contact_erased",
                  "the contact was erased after the message was queued");
  }
  const Contact& c = found->second;
  const Address* address = QueuedAddress(c, m.recipient);
  if (address == nullptr) {
    return settle(Kind::kFailed, "address_removed",
                  "the address was removed after the message was queued");
  }
  // A direct message's payload is parsed once, here: the provider gets its text, and so does
  // the conversation entry once it is sent.
  const nlohmann::json payload =
      direct ? nlohmann::json::parse(m.payload, nullptr, false) : nlohmann::json();
  const bool consent_confirmation =
      payload.is_object() && payload.value("system", "") == "consent_confirmation";
  // The confirmation of a person's own opt-out is the one message an opted-out address gets.
  const Address::Use use = consent_confirmation ? Address::Use::kConsentConfirmation
                           : direct             ? Address::Use::kDirect
                                                : Address::Use::kCampaign;
  if (std::string why(address->UnusableBecause(use)); !why.empty()) {
    return settle(Kind::kFailed, why, "checked at send time");
  }

  Pending p = PendingFor(batch, m, c, *address, consent_confirmation);
  if (direct) {
    FillDirect(payload, p);
  } else if (std::optional<MessageOutcome> settled = RenderCampaign(batch, c, p, group)) {
    return group.outcomes.push_back(*std::move(settled));
  }
  if (HasServiceWindow(p.channel)) {
    p.out.window_open = WindowOpen(batch, c, *address);
    // Outside the window only an approved template may go (WhatsApp); without one the
    // message cannot be sent at all until the person writes again.
    if (!p.out.window_open && !p.out.provider_template && p.out.message_tag.empty()) {
      return settle(
          Kind::kFailed, "outside_window",
          "the person has not written in the last 24 hours and the message has no " +
              std::string(p.channel == Channel::kWhatsApp ? "WhatsApp template" : "permitted tag") +
              " for outside that window");
    }
  }
  if (p.channel == Channel::kSms) p.out.cost = SmsCost(p.out.text);
  group.pending.push_back(std::move(p));
}

void DeliveryWorker::NoteFor(const Pending& p, const OutboundMessage& out,
                             const MessageOutcome& sent, Group& group) const {
  if (deps_.conversations == nullptr) return;
  const ClaimedMessage& m = p.claimed;
  ConversationAppend& e = group.notes.emplace_back();
  e.contact_id = m.recipient.contact_id;
  e.kind = "out";
  e.fields.reserve(8);
  e.fields.emplace_back("channel", sent.channel);
  e.fields.emplace_back("provider_message_id", sent.provider_message_id);
  e.fields.emplace_back("language", sent.language);
  e.fields.emplace_back("address", out.to);
  if (m.lane == ClaimedMessage::Lane::kDirect) {
    e.fields.emplace_back("message", m.direct_id);
    e.fields.emplace_back("text", p.text);
    e.fields.emplace_back("subject", p.subject);
    e.fields.emplace_back("author", p.author);
  } else {
    e.fields.emplace_back("message", out.message_id);  // <campaign>:<index>
    e.fields.emplace_back("campaign", m.campaign_id);
  }
}

absl::Status DeliveryWorker::NoteSent(const Batch& batch, const Group& group) {
  if (deps_.conversations == nullptr) return absl::OkStatus();
  return deps_.conversations->AppendMany(batch.org_id, group.notes);
}

std::string DeliveryWorker::PostLanguage(Batch& batch, const std::string& post_id) {
  if (post_id.empty()) return "";
  auto it = batch.post_languages.find(post_id);
  if (it != batch.post_languages.end()) return it->second;
  auto post = deps_.orgs->GetPost(batch.org_id, post_id);
  std::string language = post.ok() && *post ? (*post)->default_language : "";
  batch.post_languages.emplace(post_id, language);
  return language;
}

absl::Status DeliveryWorker::Send(Batch& batch, Group& group,
                                  const std::function<absl::Status()>& renew) {
  thread_local std::mt19937_64 rng{std::random_device{}()};
  // Each message goes through the provider of its channel for the person's post (falling
  // back to the organisation's, then the shared one).
  std::map<std::pair<Channel, const ProviderBinding*>, std::vector<size_t>> by_provider;
  std::vector<std::shared_ptr<const ProviderBinding>> in_use;  // Alive while the group sends.
  for (size_t i = 0; i < group.pending.size(); ++i) {
    const Pending& p = group.pending[i];
    const auto contact = batch.contacts.find(p.claimed.recipient.contact_id);
    const std::string& post = contact == batch.contacts.end() ? "" : contact->second.post_id;
    std::shared_ptr<const ProviderBinding> binding =
        deps_.providers->For(p.channel, batch.org_id, post);
    if (binding == nullptr) {
      // Configuration, not the message: wait for a provider rather than fail.
      group.outcomes.push_back(Outcome(p.claimed, MessageOutcome::Kind::kHeld, "no_provider",
                                       "no provider for this channel", batch.now + 60'000));
      continue;
    }
    std::vector<size_t>& indexes = by_provider[{p.channel, binding.get()}];
    if (indexes.empty()) in_use.push_back(std::move(binding));
    indexes.push_back(i);
  }
  for (const auto& [key, indexes] : by_provider) {
    const auto& [channel, binding] = key;
    const std::string channel_name(ChannelName(channel));
    size_t next = 0;
    bool counted_wait = false;
    while (next < indexes.size()) {
      std::vector<int64_t> costs;
      for (size_t k = next; k < indexes.size(); ++k) {
        costs.push_back(group.pending[indexes[k]].out.cost);
      }
      ASSIGN_OR_RETURN(RateGrant grant,
                       deps_.rate_limiter->TakeUpTo(binding->account, binding->rate, costs));
      if (grant.granted == 0) {
        if (!counted_wait) {
          counted_wait = true;
          std::map<std::string, int64_t> held;  // Campaign -> messages held back.
          for (size_t k = next; k < indexes.size(); ++k) {
            ++held[group.pending[indexes[k]].claimed.campaign_id];
          }
          for (const auto& [campaign, n] : held) {
            if (!campaign.empty()) {
              RETURN_IF_ERROR(deps_.queue->CountRateLimited(batch.org_id, campaign, n));
            }
            if (deps_.metrics) {
              deps_.metrics->CountDelivery(channel_name, campaign, "rate_limited",
                                           static_cast<double>(n));
            }
          }
        }
        if (stopping_) break;
        deps_.sleep(std::clamp<int64_t>(grant.wait_millis, 1, kMaxRateWaitMillis));
        RETURN_IF_ERROR(renew());
        continue;
      }
      std::vector<OutboundMessage> out;
      for (size_t k = next; k < next + grant.granted; ++k) {
        out.push_back(std::move(group.pending[indexes[k]].out));
      }
      std::vector<SendResult> results(out.size());
      const double n = static_cast<double>(out.size());
      if (deps_.metrics) deps_.metrics->AddInFlight(channel_name, n);
      binding->provider->SendBatch(out, results);
      if (deps_.metrics) deps_.metrics->AddInFlight(channel_name, -n);
      const int64_t answered = deps_.clock->NowMillis();
      for (size_t k = 0; k < out.size(); ++k) {
        const Pending& p = group.pending[indexes[next + k]];
        MessageOutcome o = Classify(p.claimed, results[k], options_.backoff, answered, rng);
        if (results[k].outcome == SendResult::Outcome::kPermanent && results[k].address_invalid) {
          group.invalid_addresses.push_back({p.claimed.recipient.contact_id, channel, out[k].to,
                                             results[k].code + " " + results[k].reason});
        }
        if (results[k].outcome == SendResult::Outcome::kOptedOut) {
          group.opted_out.push_back(
              {p.claimed.recipient.contact_id, channel, out[k].to, binding->account});
        }
        o.channel = channel_name;
        if (o.kind == MessageOutcome::Kind::kSent && results[k].reports_name_provider_id &&
            !results[k].provider_message_id.empty()) {
          group.provider_ids.push_back({"SET",
                                        keys::ProviderMessage(batch.org_id, binding->account,
                                                              results[k].provider_message_id),
                                        out[k].message_id, "EX",
                                        std::to_string(kProviderMessageTtlSeconds)});
        }
        if (o.kind == MessageOutcome::Kind::kSent) {
          o.language = p.language;
          o.units = p.out.cost;
          NoteFor(p, out[k], o, group);
        }
        group.outcomes.push_back(std::move(o));
      }
      next += grant.granted;
    }
    // Stopping while rate-limited: the rest go back to the scheduled lane untouched.
    for (size_t k = next; k < indexes.size(); ++k) {
      group.outcomes.push_back(Outcome(group.pending[indexes[k]].claimed,
                                       MessageOutcome::Kind::kDeferred, "rate_limited",
                                       "worker stopped while rate-limited", batch.now));
    }
  }
  return absl::OkStatus();
}

absl::StatusOr<size_t> DeliveryWorker::Deliver(const std::string& org_id,
                                               std::vector<ClaimedMessage> messages,
                                               const ChunkClaim* claim) {
  ASSIGN_OR_RETURN(Batch batch, LoadBatch(org_id, messages));
  size_t handled = 0;
  size_t begin = 0;
  // Keeps the claim on what is not recorded yet: the chunk, or the lane items from `begin` on.
  auto renew = [&]() -> absl::Status {
    if (claim != nullptr) return deps_.queue->RenewChunk(*claim);
    return deps_.queue->RenewItems(org_id,
                                   std::span<const ClaimedMessage>(messages).subspan(begin));
  };
  for (; begin < messages.size(); begin += options_.group_size) {
    if (stopping_ && claim != nullptr) {
      // Shutting down: give the rest of the chunk back for another worker.
      RETURN_IF_ERROR(deps_.queue->ReleaseChunk(*claim));
      return handled;
    }
    const auto members = std::span<const ClaimedMessage>(messages).subspan(
        begin, std::min(options_.group_size, messages.size() - begin));
    RETURN_IF_ERROR(ReadControl(batch, members));
    if (claim != nullptr && batch.states[claim->campaign_id] == CampaignState::kPaused) {
      RETURN_IF_ERROR(deps_.queue->ReleaseChunk(*claim));
      return handled;
    }
    Group group;
    for (const ClaimedMessage& m : members) Prepare(batch, m, group);
    // A tracked link must resolve before anyone can click it.
    if (!group.link_commands.empty()) {
      ASSIGN_OR_RETURN(std::vector<RedisReply> stored, deps_.redis->Pipeline(group.link_commands));
      for (const RedisReply& r : stored) RETURN_IF_ERROR(r.AsStatus());
    }
    RETURN_IF_ERROR(Send(batch, group, renew));
    // Before the outcomes: a report may come the moment the provider accepted a message.
    if (!group.provider_ids.empty()) {
      ASSIGN_OR_RETURN(std::vector<RedisReply> stored, deps_.redis->Pipeline(group.provider_ids));
      for (const RedisReply& r : stored) RETURN_IF_ERROR(r.AsStatus());
    }
    RETURN_IF_ERROR(deps_.queue->Record(org_id, group.outcomes));
    RETURN_IF_ERROR(NoteSent(batch, group));
    for (const Group::AddressReport& r : group.invalid_addresses) {
      RETURN_IF_ERROR(
          deps_.contacts->MarkAddressInvalid(org_id, r.contact_id, AddressKindForChannel(r.channel),
                                             r.address, r.detail, deps_.clock->NowMillis()));
    }
    for (const Group::AddressReport& r : group.opted_out) {
      if (deps_.inbound == nullptr) break;
      auto changed =
          deps_.inbound->ChangeConsent({org_id, r.contact_id, std::string(ChannelName(r.channel)),
                                        r.address, true, "provider:" + r.detail, false});
      if (!changed.ok() && changed.status().code() != absl::StatusCode::kNotFound) {
        return changed.status();
      }
    }
    if (deps_.metrics != nullptr) {
      // Counted once per channel, campaign and outcome of the group, not per message.
      std::map<std::tuple<std::optional<Channel>, std::string_view, MessageOutcome::Kind>, double>
          counts;
      for (const MessageOutcome& o : group.outcomes) {
        counts[{PersonChannelFromByte(o.message.recipient.channel), o.message.campaign_id,
                o.kind}] += 1;
      }
      for (const auto& [key, n] : counts) {
        const auto& [channel, campaign, kind] = key;
        deps_.metrics->CountDelivery(channel ? ChannelName(*channel) : "unknown", campaign,
                                     OutcomeLabel(kind), n);
      }
    }
    handled += group.outcomes.size();
    if (claim != nullptr) RETURN_IF_ERROR(deps_.queue->RenewChunk(*claim));
  }
  if (claim != nullptr) RETURN_IF_ERROR(deps_.queue->FinishChunk(*claim));
  return handled;
}

}  // namespace ogw
