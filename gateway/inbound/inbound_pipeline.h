#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "adapters/inbound.h"
#include "gateway/contacts/contact_store.h"
#include "gateway/conversations/conversation_log.h"
#include "gateway/conversations/conversation_threads.h"
#include "gateway/core/clock.h"
#include "gateway/core/redis_client.h"
#include "gateway/core/status.h"
#include "gateway/inbound/keywords.h"
#include "gateway/inbound/person_tokens.h"
#include "gateway/campaigns/survey_responder.h"
#include "gateway/invitations/rsvp_responder.h"
#include "queue/delivery_queue.h"

namespace ogw {

struct KeywordSettings {
  std::vector<std::string> stop_keywords = KeywordMatcher::DefaultStopKeywords();
  std::vector<std::string> start_keywords = KeywordMatcher::DefaultStartKeywords();
  // START (and the other start keywords) re-grant consent the person withdrew by keyword.
  bool resubscribe_on_start = true;
};

// What the pipeline works with. It owns none of these: the Runtime (gateway/app/runtime) owns
// them and outlives the pipeline. Each is thread-safe; `tokens` may be null (no opt-in links
// or e-mail threading), the others may not.
struct InboundDeps {
  RedisPool* redis = nullptr;
  const Clock* clock = nullptr;
  ContactStore* contacts = nullptr;
  ConversationLog* conversations = nullptr;
  DeliveryQueue* queue = nullptr;
  const PersonTokens* tokens = nullptr;
  // Where people reach the gateway's pages (the confirmation link of a START by e-mail).
  std::string public_base_url;
  // Reads replies to invitations as RSVP answers; null: no invitations.
  RsvpResponder* rsvp = nullptr;
  // Reads replies to campaigns' in-channel surveys; null: none.
  SurveyResponder* surveys = nullptr;
  // Opens the person's conversation in their post's inbox; null: no inbox (tests).
  ConversationThreads* threads = nullptr;
};

// Where an inbound message or report came in: the provider account and the organisation and
// post that own it (its number, mailbox or bot).
struct InboundSource {
  std::string org_id;
  std::string post_id;  // "" when the provider belongs to the organisation as a whole.
  std::string provider;
  // The provider answers STOP/START itself (Twilio's Advanced Opt-Out): no confirmation.
  bool provider_confirms_keywords = false;
  // The provider's country (ISO alpha-2; "" none): SMS senders in national form are read in it.
  std::string country;
};

struct InboundResult {
  enum class Kind { kStored, kDuplicate };
  Kind kind = Kind::kStored;
  std::string contact_id;
  std::string entry_id;
  bool created_contact = false;
  KeywordIntent keyword = KeywordIntent::kNone;  // Acted on (consent changed).
  bool linked = false;              // A personal chat link tied the sender's chat to the contact.
  std::optional<RsvpOutcome> rsvp;  // The reply answered an invitation.
  std::optional<SurveyOutcome> survey;  // The reply answered a campaign's survey question.
};

// A person's own consent change on one channel, from a keyword, a one-click unsubscribe or a
// provider's report.
struct ConsentChange {
  std::string org_id;
  std::string contact_id;
  std::string channel;   // Every address serving it changes, or only `address` when set.
  std::string address;   // Normalised value; "" for all of the channel's addresses.
  bool withdraw = true;  // false: granted again.
  std::string source;    // e.g. "keyword:sms", "unsubscribe:email", "provider:twilio".
  // When the contact does not have `address`: add it (unverified) with the change, rather than
  // answer NotFound.
  bool add_address = false;
};

// What a confirmation request (InboundPipeline::RequestOptIn) carries besides its link.
struct OptInExtras {
  // > 0: a code instead of the link: PersonTokens::OptInCode of the OptInCodeToken that
  // expires then (the page that asks for the code holds that token).
  int64_t code_expires_at_seconds = 0;
  // The person's chat links, as (app name, link): sent only to the address's owner, they
  // are also sent to an address already granted.
  std::vector<std::pair<std::string, std::string>> chat_links;
};

// What a confirmation code typed on a page did.
enum class CodeConfirmation {
  kGranted,       // Consent granted (or already was).
  kWrongCode,     // Not the code; counted.
  kTooManyTries,  // Too many wrong codes today: none is checked until tomorrow.
  kExpired,       // The token is forged, expired or of another organisation, or the address
                  // is gone.
};

// Turns what providers deliver into the conversation log (docs/ARCHITECTURE.md, "Conversations
// and the life of a reply"). Every method is safe to call again with the same input (provider
// retries): a message is stored once, a report counted once. Thread-safe.
class InboundPipeline {
 public:
  InboundPipeline(InboundDeps deps, KeywordSettings settings);

  // A chat message carrying a personal chat-link code of the organisation (PersonTokens::
  // ChatLinkToken: Telegram's "/start <code>", Messenger's ref, a wa.me prefilled code) first
  // ties the sender's chat to the contact it names: the address is added to that contact
  // with consent granted from "link:<channel>" (the person's own act), unless it already
  // belongs to another contact, which keeps it.
  //
  // Finds or creates the sender's contact, stores the message in the person's conversation
  // (deduplicated by provider message id), and acts on opt-out / opt-in keywords. A message
  // that is neither a keyword, a chat link nor an auto-reply, from a person with an open
  // invitation, is read as their RSVP before it is stored (RsvpResponder); its `in` entry
  // then names the `event` and the `rsvp` reading. Returns only
  // after the message is stored: the caller may then acknowledge it.
  //
  // The contact, always one of source.org_id: the owner of the sender's address when the
  // organisation knows it (the person who wrote, whatever they answer); else the person
  // message.reply_token names, then the recipient of the first of message.answers that is a
  // message of this organisation (the person writing from another address of theirs), each
  // only while that contact exists; else a new unverified contact of source.post_id. When one
  // of message.answers was sent to that same contact, the `in` entry names it as
  // `in_reply_to`.
  // A bulletin form's message (InboundMessage::contact_id) goes to the contact it names.
  absl::StatusOr<InboundResult> Receive(const InboundSource& source, const InboundMessage& message);
  // The contact whose conversation already holds the message source.provider delivered as
  // `provider_message_id`; nullopt when none does (yet).
  absl::StatusOr<std::optional<std::string>> StoredMessageContact(
      const InboundSource& source, std::string_view provider_message_id);

  // Applies a delivery report: status of the message, a `status` entry in the conversation,
  // the address marked invalid or opted out when the report says so. A report that names only
  // the provider's id finds its message through the index the worker keeps for such providers
  // (keys::ProviderMessage). False when the message is unknown (e.g. sent by another system
  // on the same account).
  absl::StatusOr<bool> Report(const InboundSource& source, const DeliveryReport& report);

  // Withdraws or re-grants consent and notes it in the conversation. Returns whether anything
  // changed (repeating a change is a no-op).
  absl::StatusOr<bool> ChangeConsent(const ConsentChange& change);
  // Withdraws consent for the address of the contact of source.org_id that owns it (source
  // "provider:<provider>"; no confirmation: the person cannot be reached there). False when
  // no contact has the address or nothing changed; InvalidArgument naming the field when the
  // address does not read.
  absl::StatusOr<bool> OptOut(const InboundSource& source, const AddressOptOut& opt_out);
  // Queues the one confirmation of a change, in the person's language, on the direct lane.
  absl::Status QueueConfirmation(const ConsentChange& change);
  // A START from a sender that cannot be authenticated (e-mail: anyone can write any From),
  // or a subscription on a web form: consent is not granted; the address is sent a link that
  // does (GrantConfirmed), at most once a day. False when nothing was sent (already granted
  // and no chat links, asked today, no such address).
  absl::StatusOr<bool> RequestOptIn(const std::string& org_id, const std::string& contact_id,
                                    const std::string& channel, const std::string& address,
                                    const OptInExtras& extras = {});
  // The grant behind a confirmation link (PersonTokens::OptInToken): the contact's address
  // whose MAC the link names. NotFound when the contact or address is gone.
  absl::StatusOr<bool> GrantConfirmed(const PersonTokens::OptIn& opt_in);
  // The grant behind a code sent by SMS (OptInExtras::code_expires_at_seconds): `code_token`
  // is the page's PersonTokens::OptInCodeToken, which must be of `org_id`. Wrong codes are
  // counted per contact and channel, a few a day, so codes cannot be tried one by one.
  absl::StatusOr<CodeConfirmation> ConfirmCode(std::string_view org_id, std::string_view code_token,
                                               std::string_view code);

 private:
  // One of InboundMessage::answers that is a message of the organisation, and its recipient.
  struct Answered {
    std::string message_id;
    std::string contact_id;
  };

  // What a message's keyword asks of the sender's consent.
  struct KeywordAction {
    KeywordIntent intent = KeywordIntent::kNone;
    bool change_consent = false;  // STOP, or a START that re-grants consent at once.
    bool confirm_start = false;   // A START by e-mail: the address is only asked to confirm.
  };

  absl::StatusOr<std::vector<Answered>> ResolveAnswers(const InboundSource& source,
                                                       const InboundMessage& message);
  absl::StatusOr<std::string> FindOrCreateContact(const InboundSource& source,
                                                  const InboundMessage& message,
                                                  const std::vector<Answered>& answered,
                                                  AddressKind kind, const std::string& address,
                                                  bool* created);

  // One try at storing a message (Receive); nullopt when its contact changed: try again.
  absl::StatusOr<std::optional<InboundResult>> TryStore(const InboundSource& source,
                                                        const InboundMessage& message,
                                                        Channel channel, const std::string& address,
                                                        const std::vector<Answered>& answered,
                                                        bool linked, const std::string& seen_key);
  // Ties the sender's chat to the contact a chat-link code in `message` names (see Receive);
  // whether it did.
  absl::StatusOr<bool> LinkChat(const InboundSource& source, const InboundMessage& message,
                                Channel channel, const std::string& address);
  // Which keyword `message` carries and what it may do on `channel`.
  KeywordAction KeywordOf(const InboundMessage& message, Channel channel) const;
  // The id of the answered message sent to `contact_id` (the `in` entry's in_reply_to); "": none.
  static std::string InReplyTo(const std::vector<Answered>& answered,
                               const std::string& contact_id);
  // Stores the `in` entry, its inbox item, the seen marker and when the person last wrote from
  // `address` (normalised) all at once; the non-empty reply.
  absl::StatusOr<RedisReply> StoreInbound(
      const InboundSource& source, const InboundMessage& message, const Contact& contact,
      const std::string& address, const std::vector<std::pair<std::string, std::string>>& fields,
      const std::string& seen_key);
  // Notes the stored entry `entry_id` in the person's conversation: it opens, unless the
  // gateway answered the message itself (`handled`: a keyword, a clear RSVP answer).
  absl::Status NoteInThread(const InboundSource& source, const InboundMessage& message,
                            const Contact& contact, const std::string& entry_id,
                            const std::string& in_reply_to, bool handled);
  // Marks the stored message (`entry_id` in the person's conversation) in the report of the
  // campaign it answers (`answered` when the channel or a survey names it, else the latest
  // campaign sent to the person), a reply or an opt-out for STOP, and notes it among the
  // campaign's replies (CampaignResponses). Failures are only logged: the message is stored.
  void MarkCampaignResponse(const InboundSource& source, const InboundMessage& message,
                            const std::string& contact_id, const std::string& entry_id,
                            const std::string& answered, KeywordIntent intent);
  // The opt-in request or consent confirmation a stored keyword asks for; failures only logged.
  void FollowUpKeyword(const InboundSource& source, const InboundMessage& message,
                       const std::string& contact_id, const std::string& address,
                       const KeywordAction& keyword, bool consent_changed);

  absl::Status QueueSystemMessage(const std::string& org_id, const Contact& contact,
                                  const std::string& channel, size_t address_index,
                                  const std::string& text);

  InboundDeps deps_;
  KeywordSettings settings_;
  KeywordMatcher keywords_;
};

}  // namespace ogw
