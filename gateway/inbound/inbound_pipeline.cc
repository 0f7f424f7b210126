#include "gateway/inbound/inbound_pipeline.h"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <cstdlib>
#include <optional>

#include "gateway/contacts/normalize.h"
#include "gateway/core/crypto.h"
#include "gateway/core/ids.h"
#include "gateway/core/key_schema.h"
#include "gateway/core/text.h"
#include "queue/campaign_responses.h"

namespace ogw {
namespace {

constexpr int64_t kSeenTtlSeconds = 7 * 24 * 3600;  // Longer than any provider retries.
constexpr size_t kMaxTextBytes = 64 * 1024;
constexpr size_t kMaxSubjectBytes = 998;
constexpr size_t kMaxIdBytes = 300;
constexpr size_t kMaxAnswers = 8;
constexpr int kWriteAttempts = 5;
// Six digits, five tries a day: one chance in 200,000 a day of guessing.
constexpr int64_t kMaxCodeTriesPerDay = 5;

// Stores one inbound message, all or nothing, once per provider message id.
// KEYS: contacts hash, conversation, inbox of the person's post, seen marker.
// ARGV: contact id, max entries, max inbox items, seen ttl, field, value, ...
// Returns {'dup', '<contact>/<entry>'} when already stored, {'gone'} when the contact was
// erased meanwhile, else {'ok', entry id}.
const RedisScript kStoreInboundScript(R"lua(
local seen = redis.call('GET', KEYS[4])
if seen then return {'dup', seen} end
if redis.call('HEXISTS', KEYS[1], ARGV[1]) == 0 then return {'gone'} end
local args = {'XADD', KEYS[2], 'MAXLEN', '~', ARGV[2], '*'}
local channel = ''
for i = 7, #ARGV, 2 do
  args[#args + 1] = ARGV[i]
  args[#args + 1] = ARGV[i + 1]
  if ARGV[i] == 'channel' then channel = ARGV[i + 1] end
end
local id = redis.call(unpack(args))
redis.call('XADD', KEYS[3], 'MAXLEN', '~', ARGV[3], '*', 'contact', ARGV[1], 'entry', id,
           'channel', channel)
redis.call('SET', KEYS[4], ARGV[1] .. '/' .. id, 'EX', ARGV[4])
-- ARGV[5]: the sender's address key ('' for a simulation over a real channel); ARGV[6]: when.
if ARGV[5] ~= '' then
  local at = tonumber(ARGV[6])
  local before = tonumber(redis.call('HGET', KEYS[5], ARGV[5]) or '0')
  if at > before then redis.call('HSET', KEYS[5], ARGV[5], ARGV[6]) end
  if at >= tonumber(redis.call('HGET', KEYS[5], 'at') or '0') then
    redis.call('HSET', KEYS[5], 'channel', channel, 'address', ARGV[5], 'at', ARGV[6])
  end
end
return {'ok', id}
)lua");

// When the person wrote: the provider's time when it gave one, never later than now (a
// provider clock ahead must not stretch a service window or reorder an inbox).
int64_t WrittenAt(const InboundMessage& message, int64_t now_millis) {
  return message.received_at_ms > 0 ? std::min(message.received_at_ms, now_millis) : now_millis;
}

// Who a message of the gateway went to.
struct SentMessage {
  std::string contact_id;               // Empty when the record names none.
  std::string channel;                  // Channel name.
  std::optional<size_t> address_index;  // Campaign messages: which of the contact's.
  bool in_play = true;                  // Cascades: the person's step in play.
};

// The recipient of gateway message `message_id` of `org_id`: a direct message by its stored
// payload, a campaign message ("<campaign>:<index>") by its queue record, on the step that
// used `channel` when given. nullopt when the organisation has no such message (or no longer
// has its record), or no step of it used that channel.
absl::StatusOr<std::optional<SentMessage>> FindSentMessage(DeliveryQueue& queue,
                                                           std::string_view org_id,
                                                           const std::string& message_id,
                                                           std::optional<Channel> channel) {
  const size_t colon = message_id.rfind(':');
  if (colon == std::string::npos) {
    if (!IsWellFormedId(message_id, "m")) return std::nullopt;
    ASSIGN_OR_RETURN(auto payload, queue.GetDirectPayload(org_id, message_id));
    if (!payload) return std::nullopt;
    return SentMessage{payload->value("contact_id", ""), payload->value("channel", ""),
                       std::nullopt};
  }
  int64_t index = -1;
  try {
    index = std::stoll(message_id.substr(colon + 1));
  } catch (const std::exception&) {
    return std::nullopt;
  }
  std::optional<DeliveryQueue::StepRecipient> step;
  if (channel) {
    ASSIGN_OR_RETURN(step, queue.CampaignRecipientOn(org_id, message_id.substr(0, colon), index,
                                                     static_cast<uint8_t>(*channel)));
  } else {
    ASSIGN_OR_RETURN(auto recipient,
                     queue.CampaignRecipient(org_id, message_id.substr(0, colon), index));
    if (recipient) step = DeliveryQueue::StepRecipient{*recipient, true};
  }
  if (!step || step->recipient.channel > static_cast<uint8_t>(Channel::kMessenger)) {
    return std::nullopt;
  }
  return SentMessage{step->recipient.contact_id,
                     std::string(ChannelName(static_cast<Channel>(step->recipient.channel))),
                     step->recipient.address_index, step->in_play};
}

// The sender's address `from`, as the provider gave it, the way contacts hold it (phone
// senders read in the provider's country).
absl::StatusOr<std::string> SenderAddress(AddressKind kind, const InboundSource& source,
                                          std::string_view from) {
  absl::StatusOr<std::string> address;
  if (kind == AddressKind::kPhone || kind == AddressKind::kWhatsApp) {
    address = NormalizeSmsSender(from, source.country).value;
  } else {
    address = NormalizeAddress(kind, from, "");
  }
  if (!address.ok()) {
    return absl::InvalidArgumentError("from: " + std::string(MessageOf(address.status())));
  }
  return address;
}

// The fields of a message's `in` entry, clipped to what a conversation keeps.
// Whether the message is the person's own act on the channel: not an officer's drill over a
// real channel, not a web form anyone could fill with the address.
bool SpeaksForPerson(const InboundMessage& message) {
  return !message.simulated_over_real_channel && message.bulletin_entry.empty();
}

std::vector<std::pair<std::string, std::string>> InboundFields(const InboundSource& source,
                                                               const InboundMessage& message,
                                                               const std::string& address,
                                                               const std::string& in_reply_to,
                                                               KeywordIntent intent) {
  return {
      {"channel", std::string(ChannelName(message.channel))},
      {"address", address},
      {"provider", source.provider},
      {"provider_message_id", message.provider_message_id},
      {"to", TruncateUtf8(message.to, kMaxIdBytes)},
      {"post", source.post_id},
      {"subject", TruncateUtf8(message.subject, kMaxSubjectBytes)},
      {"text", TruncateUtf8(message.text, kMaxTextBytes)},
      {"button", TruncateUtf8(message.button, kMaxIdBytes)},
      {"in_reply_to", in_reply_to},
      {"auto_reply", message.auto_reply ? "true" : ""},
      {"simulated", message.simulated ? "true" : ""},
      {"bulletin_entry", message.bulletin_entry},
      {"keyword", intent == KeywordIntent::kStop    ? "stop"
                  : intent == KeywordIntent::kStart ? "start"
                                                    : ""},
  };
}

std::string_view StateName(DeliveryReport::State state) {
  switch (state) {
    case DeliveryReport::State::kSent:
      return "sent";
    case DeliveryReport::State::kDelivered:
      return "delivered";
    case DeliveryReport::State::kFailed:
      return "failed";
  }
  return "sent";
}

// The campaign whose message `message_id` is ("<campaign>:<index>"); "" for a direct
// message's id or none.
std::string CampaignOfMessage(std::string_view message_id) {
  const size_t colon = message_id.find(':');
  return colon == std::string_view::npos ? "" : std::string(message_id.substr(0, colon));
}

}  // namespace

InboundPipeline::InboundPipeline(InboundDeps deps, KeywordSettings settings)
    : deps_(deps),
      settings_(std::move(settings)),
      keywords_(settings_.stop_keywords, settings_.start_keywords) {}

absl::StatusOr<std::vector<InboundPipeline::Answered>> InboundPipeline::ResolveAnswers(
    const InboundSource& source, const InboundMessage& message) {
  std::vector<Answered> answered;
  // The channel layer already bounds the list; this bounds the lookups whatever the caller.
  const size_t n = std::min(message.answers.size(), kMaxAnswers);
  for (size_t i = 0; i < n; ++i) {
    const std::string& id = message.answers[i];
    if (id.empty() || id.size() > kMaxIdBytes) continue;
    // Looked up in the receiving organisation only: another's message leads nowhere.
    ASSIGN_OR_RETURN(auto sent, FindSentMessage(*deps_.queue, source.org_id, id, std::nullopt));
    if (sent && !sent->contact_id.empty()) answered.push_back({id, sent->contact_id});
  }
  return answered;
}

absl::StatusOr<std::string> InboundPipeline::FindOrCreateContact(
    const InboundSource& source, const InboundMessage& message,
    const std::vector<Answered>& answered, AddressKind kind, const std::string& address,
    bool* created) {
  *created = false;
  if (!message.contact_id.empty()) return message.contact_id;  // Chosen by a bulletin form.
  const std::string key = AddressKey(kind, address);
  ASSIGN_OR_RETURN(std::vector<std::string> owners,
                   deps_.contacts->FindOwners(source.org_id, {key}));
  // The sender's own address decides first: replies from different people to one newsletter
  // are different conversations, whatever reply address they used or message they answer.
  if (!owners[0].empty()) return owners[0];
  // An unknown address: the person writing from another address of theirs, named by the
  // signed reply token, else by the message (signed Message-ID) they answer.
  if (!message.reply_token.empty() && deps_.tokens != nullptr) {
    if (auto id = deps_.tokens->ContactOfReplyToken(source.org_id, message.reply_token)) {
      ASSIGN_OR_RETURN(auto stored, deps_.contacts->Get(source.org_id, *id));
      if (stored) return *id;
    }
  }
  for (const Answered& a : answered) {
    ASSIGN_OR_RETURN(auto stored, deps_.contacts->Get(source.org_id, a.contact_id));
    if (stored) return a.contact_id;
  }
  // Unknown sender: a new, unverified contact of the post that owns the number or mailbox.
  const int64_t now = deps_.clock->NowMillis();
  Contact contact;
  contact.id = NewId("c", now);
  contact.org_id = source.org_id;
  contact.post_id = source.post_id;
  contact.verified = false;
  contact.created_at_millis = now;
  contact.updated_at_millis = now;
  Address a;
  a.kind = kind;
  a.value = address;
  a.verified = false;
  contact.addresses.push_back(a);
  ASSIGN_OR_RETURN(PutOutcome outcome, deps_.contacts->Put(contact, 0, nullptr));
  if (outcome.code == PutOutcome::Code::kAddressConflict) return outcome.owner_id;  // A race.
  if (outcome.code != PutOutcome::Code::kOk) {
    return absl::AbortedError("could not create the sender's contact");
  }
  *created = true;
  return contact.id;
}

InboundPipeline::KeywordAction InboundPipeline::KeywordOf(const InboundMessage& message,
                                                          Channel channel) const {
  KeywordAction action;
  // A simulation on a channel with a real provider is a drill: it never speaks for the person.
  action.intent = message.auto_reply || !SpeaksForPerson(message) ? KeywordIntent::kNone
                                                                  : keywords_.Match(message.text);
  // Anyone can write any From: a START by e-mail only asks the address to confirm.
  action.confirm_start = action.intent == KeywordIntent::kStart && channel == Channel::kEmail &&
                         settings_.resubscribe_on_start;
  action.change_consent = action.intent == KeywordIntent::kStop ||
                          (action.intent == KeywordIntent::kStart &&
                           settings_.resubscribe_on_start && !action.confirm_start);
  return action;
}

std::string InboundPipeline::InReplyTo(const std::vector<Answered>& answered,
                                       const std::string& contact_id) {
  // Only a message sent to this very person: someone answering another's message (a
  // forwarded newsletter) did not answer it to the gateway.
  for (const Answered& a : answered) {
    if (a.contact_id == contact_id) return a.message_id;
  }
  return "";
}

absl::StatusOr<RedisReply> InboundPipeline::StoreInbound(
    const InboundSource& source, const InboundMessage& message, const Contact& contact,
    const std::string& address, const std::vector<std::pair<std::string, std::string>>& fields,
    const std::string& seen_key) {
  std::vector<std::string> args = {contact.id, std::to_string(ConversationLog::kMaxEntries),
                                   std::to_string(ConversationLog::kMaxInboxItems),
                                   std::to_string(kSeenTtlSeconds)};
  const int64_t at = message.received_at_ms > 0 ? message.received_at_ms : deps_.clock->NowMillis();
  // A drill over a real channel or a web form is not the person writing: it opens no window.
  args.push_back(
      !SpeaksForPerson(message) ? "" : AddressKey(AddressKindForChannel(message.channel), address));
  args.push_back(std::to_string(WrittenAt(message, deps_.clock->NowMillis())));
  for (auto& a : ConversationLog::FieldArgs("in", at, fields)) args.push_back(std::move(a));
  ASSIGN_OR_RETURN(RedisReply r,
                   deps_.redis->Eval(kStoreInboundScript,
                                     {keys::Contacts(source.org_id),
                                      keys::Conversation(source.org_id, contact.id),
                                      keys::Inbox(source.org_id, contact.post_id), seen_key,
                                      keys::LastInbound(source.org_id, contact.id)},
                                     args));
  if (r.elements.empty()) return absl::InternalError("inbound store: empty reply");
  return r;
}

absl::Status InboundPipeline::NoteInThread(const InboundSource& source,
                                           const InboundMessage& message, const Contact& contact,
                                           const std::string& entry_id,
                                           const std::string& in_reply_to, bool handled) {
  // An out-of-office answer is kept in the log but does not reopen the conversation.
  if (deps_.threads == nullptr || message.auto_reply) return absl::OkStatus();
  const std::string campaign = CampaignOfMessage(in_reply_to);
  return deps_.threads
      ->NoteInbound(source.org_id, contact.id, contact.post_id, entry_id,
                    ChannelName(message.channel), campaign,
                    WrittenAt(message, deps_.clock->NowMillis()), handled)
      .status();
}

void InboundPipeline::MarkCampaignResponse(const InboundSource& source,
                                           const InboundMessage& message,
                                           const std::string& contact_id,
                                           const std::string& entry_id,
                                           const std::string& answered, KeywordIntent intent) {
  // An out-of-office answer or a drill is nobody answering; START asks for nothing.
  if (deps_.queue == nullptr || message.auto_reply || !SpeaksForPerson(message) ||
      intent == KeywordIntent::kStart) {
    return;
  }
  CampaignResponses responses(deps_.redis, deps_.clock, deps_.queue->options().chunk_size);
  auto campaign = responses.Attribute(source.org_id, contact_id, answered);
  if (campaign.ok() && campaign->empty()) return;
  absl::Status marked = campaign.status();
  if (marked.ok()) {
    marked = responses
                 .Mark(source.org_id, *campaign, contact_id,
                       intent == KeywordIntent::kStop ? CampaignResponses::Kind::kOptedOut
                                                      : CampaignResponses::Kind::kReplied)
                 .status();
  }
  if (marked.ok()) marked = responses.NoteReply(source.org_id, *campaign, contact_id, entry_id);
  if (!marked.ok()) {
    spdlog::warn("inbound: reply of {} not counted in its campaign: {}", contact_id,
                 MessageOf(marked));
  }
}

void InboundPipeline::FollowUpKeyword(const InboundSource& source, const InboundMessage& message,
                                      const std::string& contact_id, const std::string& address,
                                      const KeywordAction& keyword, bool consent_changed) {
  if (keyword.confirm_start) {
    // Stored; a lost request must not make the provider retry (see below).
    auto asked =
        RequestOptIn(source.org_id, contact_id, std::string(ChannelName(message.channel)), address);
    if (!asked.ok()) {
      spdlog::warn("inbound: opt-in request for {} not queued: {}", contact_id,
                   MessageOf(asked.status()));
    }
  }
  if (consent_changed && !source.provider_confirms_keywords) {
    ConsentChange change{source.org_id,
                         contact_id,
                         std::string(ChannelName(message.channel)),
                         address,
                         keyword.intent == KeywordIntent::kStop,
                         "",
                         false};
    // The message and the change are stored; a lost confirmation must not make the
    // provider retry (the retry would be a duplicate and confirm nothing either).
    auto confirmed = QueueConfirmation(change);
    if (!confirmed.ok()) {
      spdlog::warn("inbound: consent confirmation for {} not queued: {}", contact_id,
                   MessageOf(confirmed));
    }
  }
}

absl::StatusOr<std::optional<InboundResult>> InboundPipeline::TryStore(
    const InboundSource& source, const InboundMessage& message, Channel channel,
    const std::string& address, const std::vector<Answered>& answered, bool linked,
    const std::string& seen_key) {
  InboundResult result;
  ASSIGN_OR_RETURN(result.contact_id,
                   FindOrCreateContact(source, message, answered, AddressKindForChannel(channel),
                                       address, &result.created_contact));
  ASSIGN_OR_RETURN(auto stored, deps_.contacts->Get(source.org_id, result.contact_id));
  if (!stored && !message.contact_id.empty()) {
    return absl::NotFoundError("contact_id: no such contact");
  }
  if (!stored) return std::nullopt;  // Erased meanwhile: the sender becomes a new contact.
  const Contact& contact = stored->contact;
  const std::string in_reply_to = InReplyTo(answered, contact.id);

  // Consent first: should anything fail after it, the provider's retry finds the message
  // not yet stored and repeats; repeating a consent change is a no-op.
  const KeywordAction keyword = KeywordOf(message, channel);
  bool consent_changed = false;
  if (keyword.change_consent) {
    // Written from another address of the person's (found by reply token or the message
    // answered): the keyword is about the address that sent it, which joins the contact.
    const std::string channel_name(ChannelName(channel));
    ConsentChange change{source.org_id,
                         contact.id,
                         channel_name,
                         address,
                         keyword.intent == KeywordIntent::kStop,
                         "keyword:" + channel_name,
                         /*add_address=*/true};
    auto changed = ChangeConsent(change);
    if (changed.status().code() == absl::StatusCode::kAborted) return std::nullopt;
    if (!changed.ok()) return changed.status();
    consent_changed = *changed;
  }

  // The answer before the message: see RsvpResponder on why the order keeps replies safe.
  std::vector<std::pair<std::string, std::string>> fields =
      InboundFields(source, message, address, in_reply_to, keyword.intent);
  const bool may_answer = keyword.intent == KeywordIntent::kNone && !linked &&
                          !message.auto_reply && SpeaksForPerson(message);
  PersonReply reply;
  reply.org_id = source.org_id;
  reply.contact = &contact;
  reply.channel = channel;
  reply.address = address;
  reply.text = message.text;
  reply.button = message.button;
  reply.how = std::string(ChannelName(channel)) + ":" + message.provider_message_id;
  // An answer to a direct message (a survey's previous question) names no campaign: the
  // latest campaign sent to the person counts.
  reply.answered_campaign = CampaignOfMessage(in_reply_to);
  if (deps_.rsvp != nullptr && may_answer && !result.created_contact) {
    ASSIGN_OR_RETURN(result.rsvp, deps_.rsvp->OnReply(reply));
    if (result.rsvp) {
      fields.emplace_back("event", result.rsvp->event_id);
      fields.emplace_back("rsvp", result.rsvp->reading);
    }
  }
  if (deps_.surveys != nullptr && may_answer && !result.created_contact && !result.rsvp) {
    ASSIGN_OR_RETURN(result.survey, deps_.surveys->OnReply(reply));
    if (result.survey) {
      fields.emplace_back("survey", result.survey->campaign_id);
      fields.emplace_back("question", result.survey->question);
      fields.emplace_back("answer", result.survey->answer);
    }
  }
  // What the message answers, for the campaign's report: the survey it answered, else the
  // campaign message it replies to. A reply to an officer's own message answers no campaign.
  const std::string answered_campaign =
      result.survey ? result.survey->campaign_id : CampaignOfMessage(in_reply_to);
  const bool answers_officer =
      !result.survey && !in_reply_to.empty() && answered_campaign.empty();
  auto mark = [&](const std::string& entry_id) {
    if (!answers_officer) {
      MarkCampaignResponse(source, message, contact.id, entry_id, answered_campaign,
                           keyword.intent);
    }
  };
  ASSIGN_OR_RETURN(RedisReply r, StoreInbound(source, message, contact, address, fields, seen_key));
  const std::string& outcome = r.elements[0].str;
  if (outcome == "gone") return std::nullopt;
  // Answered by the gateway itself: nothing for an officer to do.
  const bool handled =
      keyword.intent != KeywordIntent::kNone ||
      (result.rsvp && (result.rsvp->reading == "yes" || result.rsvp->reading == "no" ||
                       result.rsvp->reading == "maybe")) ||
      (result.survey && result.survey->answer != "unclear");
  if (outcome == "dup") {
    result.kind = InboundResult::Kind::kDuplicate;
    const std::string& s = r.elements[1].str;
    result.contact_id = s.substr(0, s.find('/'));
    // A retry after a crash between storing and noting it: the thread catches up.
    if (result.contact_id == contact.id) {
      const std::string entry_id = s.substr(s.find('/') + 1);
      RETURN_IF_ERROR(NoteInThread(source, message, contact, entry_id, in_reply_to, handled));
      mark(entry_id);
    }
    return result;
  }
  result.kind = InboundResult::Kind::kStored;
  result.entry_id = r.elements[1].str;
  // Stored: should this fail, the provider's retry is a duplicate that notes it (above).
  RETURN_IF_ERROR(NoteInThread(source, message, contact, result.entry_id, in_reply_to, handled));
  mark(result.entry_id);
  if (consent_changed) result.keyword = keyword.intent;
  FollowUpKeyword(source, message, contact.id, address, keyword, consent_changed);
  return result;
}

absl::StatusOr<bool> InboundPipeline::OptOut(const InboundSource& source,
                                             const AddressOptOut& opt_out) {
  if (!ReachesPerson(opt_out.channel)) {
    return absl::InvalidArgumentError("channel: not a channel that reaches a person");
  }
  const AddressKind kind = AddressKindForChannel(opt_out.channel);
  ASSIGN_OR_RETURN(const std::string address, SenderAddress(kind, source, opt_out.address));
  ASSIGN_OR_RETURN(std::vector<std::string> owners,
                   deps_.contacts->FindOwners(source.org_id, {AddressKey(kind, address)}));
  if (owners[0].empty()) return false;  // Nobody this organisation knows.
  return ChangeConsent({source.org_id, owners[0], std::string(ChannelName(opt_out.channel)),
                        address, /*withdraw=*/true, "provider:" + source.provider,
                        /*add_address=*/false});
}

absl::StatusOr<InboundResult> InboundPipeline::Receive(const InboundSource& source,
                                                       const InboundMessage& message) {
  const Channel channel = message.channel;
  if (!ReachesPerson(channel)) {
    return absl::InvalidArgumentError("channel: not a channel that reaches a person");
  }
  if (message.provider_message_id.empty() || message.provider_message_id.size() > kMaxIdBytes) {
    return absl::InvalidArgumentError("provider_message_id: must be 1 to 300 bytes");
  }
  if (!message.contact_id.empty() && message.bulletin_entry.empty()) {
    return absl::InvalidArgumentError("contact_id: only a bulletin form names the contact");
  }
  // A bulletin reader answered on a chat app gave no address at all.
  std::string address;
  if (message.contact_id.empty() || !message.from.empty()) {
    ASSIGN_OR_RETURN(address, SenderAddress(AddressKindForChannel(channel), source, message.from));
  }
  const std::string seen_key =
      keys::InboundSeen(source.org_id, source.provider, message.provider_message_id);
  // A provider's retry of a stored message: answer at once, create nothing.
  ASSIGN_OR_RETURN(std::optional<std::string> stored_for,
                   StoredMessageContact(source, message.provider_message_id));
  if (stored_for) {
    InboundResult result;
    result.kind = InboundResult::Kind::kDuplicate;
    result.contact_id = *std::move(stored_for);
    return result;
  }

  ASSIGN_OR_RETURN(const bool linked, LinkChat(source, message, channel, address));
  ASSIGN_OR_RETURN(const std::vector<Answered> answered, ResolveAnswers(source, message));
  for (int attempt = 0; attempt < kWriteAttempts; ++attempt) {
    ASSIGN_OR_RETURN(std::optional<InboundResult> result,
                     TryStore(source, message, channel, address, answered, linked, seen_key));
    if (!result) continue;
    result->linked = linked;
    return *std::move(result);
  }
  return absl::AbortedError("the sender's contact changed repeatedly; try again");
}

absl::StatusOr<std::optional<std::string>> InboundPipeline::StoredMessageContact(
    const InboundSource& source, std::string_view provider_message_id) {
  ASSIGN_OR_RETURN(RedisReply seen,
                   deps_.redis->Command({"GET", keys::InboundSeen(source.org_id, source.provider,
                                                                  provider_message_id)}));
  if (seen.IsNil()) return std::nullopt;
  return seen.str.substr(0, seen.str.find('/'));
}

absl::StatusOr<bool> InboundPipeline::LinkChat(const InboundSource& source,
                                               const InboundMessage& message, Channel channel,
                                               const std::string& address) {
  const bool chat = channel == Channel::kTelegram || channel == Channel::kWhatsApp ||
                    channel == Channel::kMessenger;
  // A code pasted into a web form proves no chat.
  if (!chat || deps_.tokens == nullptr || message.simulated || !message.bulletin_entry.empty()) {
    return false;
  }
  std::optional<std::string> contact_id;
  if (!message.link_token.empty()) {
    contact_id = deps_.tokens->ContactOfChatLinkToken(source.org_id, message.link_token);
  }
  // A code in the text: a word of exactly its length ("/start <code>", a wa.me message).
  for (size_t i = 0; !contact_id && i < message.text.size();) {
    const size_t begin = message.text.find_first_not_of(" \t\r\n/", i);
    if (begin == std::string::npos) break;
    size_t end = message.text.find_first_of(" \t\r\n", begin);
    if (end == std::string::npos) end = message.text.size();
    if (end - begin == PersonTokens::kChatLinkTokenChars) {
      contact_id = deps_.tokens->ContactOfChatLinkToken(
          source.org_id, std::string_view(message.text).substr(begin, end - begin));
    }
    i = end;
  }
  if (!contact_id) return false;
  const std::string key = AddressKey(AddressKindForChannel(channel), address);
  ASSIGN_OR_RETURN(std::vector<std::string> owners,
                   deps_.contacts->FindOwners(source.org_id, {key}));
  // Another person's chat (a shared phone, a forwarded link) is not taken from them.
  if (!owners[0].empty() && owners[0] != *contact_id) return false;
  const std::string channel_name(ChannelName(channel));
  ConsentChange change;
  change.org_id = source.org_id;
  change.contact_id = *contact_id;
  change.channel = channel_name;
  change.address = address;
  change.withdraw = false;
  change.source = "link:" + channel_name;
  change.add_address = true;
  auto changed = ChangeConsent(change);
  if (changed.status().code() == absl::StatusCode::kNotFound) return false;  // Erased.
  RETURN_IF_ERROR(changed.status());
  return true;
}

absl::StatusOr<bool> InboundPipeline::ChangeConsent(const ConsentChange& change) {
  const std::optional<Channel> channel = ParseChannel(change.channel);
  if (!channel) return absl::InvalidArgumentError("channel: unknown channel");
  const AddressKind kind = AddressKindForChannel(*channel);
  for (int attempt = 0; attempt < kWriteAttempts; ++attempt) {
    ASSIGN_OR_RETURN(auto stored, deps_.contacts->Get(change.org_id, change.contact_id));
    if (!stored) return absl::NotFoundError("contact not found");
    Contact updated = stored->contact;
    const int64_t now = deps_.clock->NowMillis();
    bool changed = false;
    bool found = false;
    for (Address& a : updated.addresses) {
      if (a.kind != kind || (!change.address.empty() && a.value != change.address)) continue;
      found = true;
      if (change.withdraw && !(a.opted_out && a.consent.state == ConsentState::kWithdrawn)) {
        a.opted_out = true;
        a.opted_out_at_millis = now;
        a.consent = Consent{ConsentState::kWithdrawn, change.source, now};
        changed = true;
      } else if (!change.withdraw && (a.opted_out || a.consent.state != ConsentState::kGranted)) {
        a.opted_out = false;
        a.opted_out_at_millis = now;
        a.consent = Consent{ConsentState::kGranted, change.source, now};
        changed = true;
      }
    }
    if (!found && change.add_address && !change.address.empty()) {
      Address added;
      added.kind = kind;
      added.value = change.address;
      added.verified = false;
      added.consent = Consent{change.withdraw ? ConsentState::kWithdrawn : ConsentState::kGranted,
                              change.source, now};
      added.opted_out = change.withdraw;
      added.opted_out_at_millis = change.withdraw ? now : 0;
      updated.addresses.push_back(std::move(added));
      found = true;
      changed = true;
    }
    if (!found) return absl::NotFoundError("the contact has no such address");
    // The suppression list first, so a withdrawal holds even when the address is deleted
    // right after; a grant lifts it, so the address may be added elsewhere again.
    for (const Address& a : updated.addresses) {
      if (a.kind != kind || (!change.address.empty() && a.value != change.address)) continue;
      RETURN_IF_ERROR(change.withdraw ? deps_.contacts->Suppress(change.org_id, kind, a.value,
                                                                 change.source, now)
                                      : deps_.contacts->Unsuppress(change.org_id, kind, a.value));
    }
    if (!changed) return false;
    updated.updated_at_millis = now;
    ASSIGN_OR_RETURN(PutOutcome outcome,
                     deps_.contacts->Put(updated, stored->version, &stored->contact));
    if (outcome.code == PutOutcome::Code::kVersionMismatch) continue;
    // kAddressConflict: the added address became another contact's meanwhile.
    if (outcome.code != PutOutcome::Code::kOk) return absl::AbortedError("consent not stored");
    RETURN_IF_ERROR(
        deps_.conversations
            ->Append(change.org_id, {updated.id,
                                     "consent",
                                     {{"channel", change.channel},
                                      {"address", change.address},
                                      {"state", change.withdraw ? "withdrawn" : "granted"},
                                      {"source", change.source}}})
            .status());
    return true;
  }
  return absl::AbortedError("the contact changed repeatedly; try again");
}

absl::Status InboundPipeline::QueueConfirmation(const ConsentChange& change) {
  const std::optional<Channel> channel = ParseChannel(change.channel);
  if (!channel) return absl::InvalidArgumentError("channel: unknown channel");
  const AddressKind kind = AddressKindForChannel(*channel);
  ASSIGN_OR_RETURN(auto stored, deps_.contacts->Get(change.org_id, change.contact_id));
  if (!stored) return absl::NotFoundError("contact not found");
  const Contact& contact = stored->contact;
  int index = -1;
  for (size_t i = 0; i < contact.addresses.size() && i < 256 && index < 0; ++i) {
    const Address& a = contact.addresses[i];
    if (a.kind == kind && (change.address.empty() || a.value == change.address)) {
      index = static_cast<int>(i);
    }
  }
  if (index < 0) return absl::NotFoundError("the contact has no such address");
  return QueueSystemMessage(change.org_id, contact, change.channel, static_cast<size_t>(index),
                            change.withdraw ? OptOutConfirmation(contact.languages)
                                            : OptInConfirmation(contact.languages));
}

absl::Status InboundPipeline::QueueSystemMessage(const std::string& org_id, const Contact& contact,
                                                 const std::string& channel, size_t address_index,
                                                 const std::string& text) {
  const std::optional<Channel> parsed = ParseChannel(channel);
  if (!parsed) return absl::InvalidArgumentError("channel: unknown channel");
  DirectMessageInput input;
  input.contact_id = contact.id;
  input.channel = static_cast<uint8_t>(*parsed);
  input.address_index = static_cast<uint8_t>(address_index);
  // Sent even to an address that opted out: it answers the person's own request.
  input.payload = {{"contact_id", contact.id},
                   {"channel", channel},
                   {"text", text},
                   {"subject", ""},
                   {"author", "system"},
                   {"system", "consent_confirmation"},
                   {"contact_post", contact.post_id}};
  return deps_.queue->EnqueueDirect(org_id, input).status();
}

absl::StatusOr<bool> InboundPipeline::RequestOptIn(const std::string& org_id,
                                                   const std::string& contact_id,
                                                   const std::string& channel,
                                                   const std::string& address,
                                                   const OptInExtras& extras) {
  if (deps_.tokens == nullptr) return false;
  const std::optional<Channel> parsed = ParseChannel(channel);
  if (!parsed) return absl::InvalidArgumentError("channel: unknown channel");
  ASSIGN_OR_RETURN(auto stored, deps_.contacts->Get(org_id, contact_id));
  if (!stored) return false;
  const Contact& contact = stored->contact;
  const AddressKind kind = AddressKindForChannel(*parsed);
  for (size_t i = 0; i < contact.addresses.size() && i < 256; ++i) {
    const Address& a = contact.addresses[i];
    if (a.kind != kind || a.value != address) continue;
    const bool granted = !a.opted_out && a.consent.state == ConsentState::kGranted;
    if (granted && extras.chat_links.empty()) return false;
    // One request a day: a forger repeating START cannot make the gateway mail the person.
    ASSIGN_OR_RETURN(RedisReply first,
                     deps_.redis->Command({"SET", keys::OptInRequested(org_id, contact_id, channel),
                                           "1", "NX", "EX", "86400"}));
    if (first.IsNil()) return false;
    std::string text;
    if (!granted && extras.code_expires_at_seconds > 0) {
      text = OptInCodeRequest(
          contact.languages,
          deps_.tokens->OptInCode(deps_.tokens->OptInCodeToken(org_id, contact_id, channel, address,
                                                               extras.code_expires_at_seconds)));
    } else if (!granted) {
      const int64_t expires = deps_.clock->NowMillis() / 1000 + 7 * 86400;
      text =
          OptInRequest(contact.languages,
                       deps_.public_base_url + "/c/" +
                           deps_.tokens->OptInToken(org_id, contact_id, channel, address, expires));
    }
    if (!extras.chat_links.empty()) {
      if (!text.empty()) text += "\n\n";
      text += ChatLinksText(contact.languages, extras.chat_links);
    }
    RETURN_IF_ERROR(QueueSystemMessage(org_id, contact, channel, i, text));
    return true;
  }
  return false;
}

absl::StatusOr<bool> InboundPipeline::GrantConfirmed(const PersonTokens::OptIn& opt_in) {
  const std::optional<Channel> parsed = ParseChannel(opt_in.channel);
  if (!parsed || deps_.tokens == nullptr) return absl::NotFoundError("no such channel");
  ASSIGN_OR_RETURN(auto stored, deps_.contacts->Get(opt_in.org_id, opt_in.contact_id));
  if (!stored) return absl::NotFoundError("contact not found");
  const AddressKind kind = AddressKindForChannel(*parsed);
  for (const Address& a : stored->contact.addresses) {
    if (a.kind != kind || deps_.tokens->AddressMac(a.value) != opt_in.address_mac) continue;
    return ChangeConsent({opt_in.org_id, opt_in.contact_id, opt_in.channel, a.value,
                          /*withdraw=*/false, "confirmed:" + opt_in.channel, false});
  }
  return absl::NotFoundError("the contact no longer has this address");
}

absl::StatusOr<CodeConfirmation> InboundPipeline::ConfirmCode(std::string_view org_id,
                                                              std::string_view code_token,
                                                              std::string_view code) {
  if (deps_.tokens == nullptr) return CodeConfirmation::kExpired;
  const std::optional<PersonTokens::OptIn> opt_in =
      deps_.tokens->ParseOptInCodeToken(code_token, deps_.clock->NowMillis() / 1000);
  if (!opt_in || opt_in->org_id != org_id) return CodeConfirmation::kExpired;
  const std::string tries_key = keys::OptInCodeTries(org_id, opt_in->contact_id, opt_in->channel);
  ASSIGN_OR_RETURN(RedisReply tries, deps_.redis->Command({"GET", tries_key}));
  if (!tries.IsNil() && std::atoll(tries.str.c_str()) >= kMaxCodeTriesPerDay) {
    return CodeConfirmation::kTooManyTries;
  }
  if (!ConstantTimeEquals(deps_.tokens->OptInCode(code_token), code)) {
    ASSIGN_OR_RETURN(RedisReply counted, deps_.redis->Command({"INCR", tries_key}));
    if (counted.integer == 1) {
      RETURN_IF_ERROR(deps_.redis->Command({"EXPIRE", tries_key, "86400"}).status());
    }
    return counted.integer >= kMaxCodeTriesPerDay ? CodeConfirmation::kTooManyTries
                                                  : CodeConfirmation::kWrongCode;
  }
  auto granted = GrantConfirmed(*opt_in);
  if (granted.status().code() == absl::StatusCode::kNotFound) return CodeConfirmation::kExpired;
  RETURN_IF_ERROR(granted.status());
  return CodeConfirmation::kGranted;
}

absl::StatusOr<bool> InboundPipeline::Report(const InboundSource& source,
                                             const DeliveryReport& given) {
  DeliveryReport report = given;
  if (report.message_id.empty() && !report.provider_message_id.empty() &&
      report.provider_message_id.size() <= kMaxIdBytes) {
    // A provider that names only its own id (Messenger): the worker kept which message it is.
    ASSIGN_OR_RETURN(
        RedisReply found,
        deps_.redis->Command({"GET", keys::ProviderMessage(source.org_id, source.provider,
                                                           report.provider_message_id)}));
    if (!found.IsNil()) report.message_id = found.str;
  }
  if (report.message_id.empty() || report.message_id.size() > kMaxIdBytes) return false;
  // Who the message went to, and on which channel and address.
  ASSIGN_OR_RETURN(auto sent, FindSentMessage(*deps_.queue, source.org_id, report.message_id,
                                              report.channel));
  if (!sent) return false;
  const std::string contact_id = sent->contact_id;
  const std::string channel = sent->channel;
  std::string address;
  if (sent->address_index) {
    ASSIGN_OR_RETURN(auto stored, deps_.contacts->Get(source.org_id, contact_id));
    if (stored && *sent->address_index < stored->contact.addresses.size()) {
      address = stored->contact.addresses[*sent->address_index].value;
    }
  }
  if (address.empty() && !report.to.empty() && ParseChannel(channel)) {
    auto normalised =
        NormalizeAddress(AddressKindForChannel(*ParseChannel(channel)), report.to, "");
    if (normalised.ok()) address = *normalised;
  }
  if (report.state != DeliveryReport::State::kSent) {
    const bool delivered = report.state == DeliveryReport::State::kDelivered;
    RETURN_IF_ERROR(deps_.queue
                        ->RecordDeliveryReport(source.org_id, report.message_id,
                                               delivered ? "delivered" : "undelivered",
                                               TruncateUtf8(report.code, 100),
                                               TruncateUtf8(report.reason, 200),
                                               sent->in_play)
                        .status());
  }
  // One status entry per message, channel and state, also when the provider repeats the report.
  const std::string seen_key =
      keys::InboundSeen(source.org_id, source.provider,
                        "dlr:" + report.message_id + ":" + channel + ":" +
                            std::string(StateName(report.state)));
  ASSIGN_OR_RETURN(RedisReply first, deps_.redis->Command({"SET", seen_key, "1", "NX", "EX",
                                                           std::to_string(kSeenTtlSeconds)}));
  if (!first.IsNil() && !contact_id.empty()) {
    RETURN_IF_ERROR(deps_.conversations
                        ->Append(source.org_id, {contact_id,
                                                 "status",
                                                 {{"message", report.message_id},
                                                  {"channel", channel},
                                                  {"state", std::string(StateName(report.state))},
                                                  {"code", TruncateUtf8(report.code, 100)},
                                                  {"reason", TruncateUtf8(report.reason, 200)},
                                                  {"provider", source.provider}}})
                        .status());
  }
  if (!contact_id.empty() && !address.empty()) {
    if (report.address_invalid) {
      RETURN_IF_ERROR(deps_.contacts->MarkAddressInvalid(
          source.org_id, contact_id, AddressKindForChannel(*ParseChannel(channel)), address,
          report.code + " " + report.reason, deps_.clock->NowMillis()));
    }
    if (report.opted_out) {
      auto changed = ChangeConsent({source.org_id, contact_id, channel, address, true,
                                    "provider:" + source.provider, false});
      if (!changed.ok() && changed.status().code() != absl::StatusCode::kNotFound) {
        return changed.status();
      }
    }
  }
  return true;
}

}  // namespace ogw
