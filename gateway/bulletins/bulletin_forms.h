#pragma once

// The public bulletins' reply and subscription forms (docs/ARCHITECTURE.md, "Reply and
// subscription forms"): what a reader sent, checked field by field, and what it becomes: a
// reply in the post's inbox and the person's conversation, or confirmation requests that
// grant consent only when the person answers them. Nothing here trusts the addresses given:
// anyone can type anyone's address into a web form.

#include <atomic>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "gateway/contacts/contact_store.h"
#include "gateway/conversations/conversation_log.h"
#include "gateway/core/clock.h"
#include "gateway/core/status.h"
#include "gateway/inbound/inbound_pipeline.h"
#include "gateway/inbound/person_tokens.h"

namespace ogw {

// The form "subscribe"; a reply form is named by its entry's id.
inline constexpr std::string_view kSubscribeForm = "subscribe";

// Where a form was shown.
struct BulletinFormPlace {
  std::string org_id;
  std::string post_id;      // "" for the organisation's bulletin.
  std::string country;      // The post's (ISO alpha-2; ""): phones in national form read in it.
  std::string form;         // An entry id, or kSubscribeForm.
  std::string entry_title;  // The entry replied to, in the language shown (the reply's subject).
};

// What the form sent, as the reader typed it.
struct BulletinFormFields {
  std::string token;  // BulletinForms::IssueToken when the form was shown.
  std::string language;
  std::string message;
  std::string name;
  std::string email;
  std::string phone;
  // Subscription: "email", "sms", and the chat channels the post offers ("telegram",
  // "whatsapp", "messenger").
  std::vector<std::string> channels;
  bool consent = false;
  std::string website;  // The honeypot: people never see it, so never fill it.
  // The code form after a subscription by SMS: the page's token and the code typed.
  std::string code_token;
  std::string code;
};

struct BulletinFormOutcome {
  enum class Kind {
    kAccepted,  // Stored, or confirmations sent.
    kInvalid,   // `errors` say which fields, by code (BulletinFormErrorText).
    kIgnored,   // A robot (the honeypot was filled): thanked, nothing stored.
  };
  Kind kind = Kind::kAccepted;
  // Field -> code: "required", "too_long", "characters", "email", "phone", "reach_back",
  // "consent", "channels", "too_fast", "expired"; the code form: "code" with "wrong",
  // "tries" or "expired".
  std::vector<std::pair<std::string, std::string>> errors;
  std::string contact_id;  // A reply: whose conversation holds it.
  std::string entry_id;    // A reply: its entry in that conversation.
  // A subscription: what the page after it says.
  bool by_email = false;   // A link went (or would have gone) to the e-mail address.
  std::string code_token;  // An SMS code: the page asks for it with this token.
  // The chat channels chosen travel with the confirmation message (an address was given).
  bool chat_links_sent = false;
  // (app name, link): shown on the page, only for a contact the form itself created with no
  // address at all, so nobody can tie their chat to someone else's contact.
  std::vector<std::pair<std::string, std::string>> chat_links;
};

// A chat channel's app as pages and messages name it ("telegram" -> "Telegram"), the same in
// every language.
std::string_view ChatAppName(std::string_view channel);

// The chat links the forms offer (gateway/providers/chat_links.h).
struct ChatLinkSource {
  // The chat channels ("telegram", ...) whose account serves a post and can make a link.
  std::function<std::vector<std::string>(const std::string& org_id, const std::string& post_id)>
      channels;
  // A person's links: {"telegram": link, ...}.
  std::function<nlohmann::json(const std::string& org_id, const Contact& contact)> links;
};

// Thread-safe; owns nothing.
class BulletinForms {
 public:
  static constexpr size_t kMaxMessageChars = 2000;
  static constexpr size_t kMaxNameChars = 100;
  static constexpr int64_t kTokenMaxAgeSeconds = 86400;
  // How long the code sent by SMS, and the page that asks for it, stay good.
  static constexpr int64_t kCodeMaxAgeSeconds = 86400;

  // `chat_links` may hold null functions: no chat channel is offered.
  BulletinForms(InboundPipeline* inbound, ContactStore* contacts, ConversationLog* conversations,
                const PersonTokens* tokens, const Clock* clock, int min_fill_seconds,
                int max_concurrent, ChatLinkSource chat_links);

  // One of the `max_concurrent` forms handled at once, held while a form is handled, so a
  // flood of form posts never holds every thread that serves the pages.
  class Slot {
   public:
    explicit Slot(std::atomic<int>* running) : running_(running) {}
    Slot(Slot&& other) noexcept : running_(other.running_) { other.running_ = nullptr; }
    Slot(const Slot&) = delete;
    Slot& operator=(const Slot&) = delete;
    Slot& operator=(Slot&&) = delete;
    ~Slot() {
      if (running_ != nullptr) running_->fetch_sub(1);
    }

   private:
    std::atomic<int>* running_;
  };
  // A slot, or nullopt when every one is taken.
  std::optional<Slot> TryEnter();

  // The token a form carries, issued now.
  std::string IssueToken(const BulletinFormPlace& place) const;

  // A reply to the entry place.form: into the conversation of the owner of the e-mail address
  // (else of the phone), else of a new unverified contact of the post, marked as written on
  // the bulletin entry. Sending the same form twice stores it once. A reader who gives no
  // address but chooses chat apps gets a new contact holding nothing but the reply, and its
  // chat links (outcome.chat_links) to be answered there.
  absl::StatusOr<BulletinFormOutcome> Reply(const BulletinFormPlace& place,
                                            const BulletinFormFields& fields);

  // A subscription on the chosen channels: each address is sent a confirmation
  // (InboundPipeline::RequestOptIn) and its consent granted only when the person confirms.
  // An address the organisation knows stays with its contact; addresses it does not know go
  // to a new unverified contact of the post, never to a contact someone else's address
  // names. The answer is the same whether or not anything was sent, so the form tells
  // nobody who is subscribed.
  absl::StatusOr<BulletinFormOutcome> Subscribe(const BulletinFormPlace& place,
                                                const BulletinFormFields& fields);

  // The chat channels a reader may choose (a subscription, or how to answer a reply): those
  // whose account serves the post and can make a chat link.
  std::vector<std::string> ChatChannels(const BulletinFormPlace& place) const;

  // The code from the SMS, typed on the page after a subscription (fields.code_token and
  // fields.code): accepted when consent is granted; else invalid with ("code", "wrong" |
  // "tries" | "expired").
  absl::StatusOr<BulletinFormOutcome> ConfirmCode(const BulletinFormPlace& place,
                                                  const BulletinFormFields& fields);

 private:
  // The honeypot, the token and the consent box; false when the form goes no further.
  bool CheckCommon(const BulletinFormPlace& place, const BulletinFormFields& fields,
                   BulletinFormOutcome* outcome) const;
  // The links of `channels` (chat channel names) of the contact, as (app name, link).
  absl::StatusOr<std::vector<std::pair<std::string, std::string>>> ChatLinksOf(
      const std::string& org_id, const std::string& contact_id,
      const std::vector<std::string>& channels) const;
  // The chat channels of fields.channels the post offers, each once; `*unknown` tells
  // whether another name was sent (`also` lists the other names the form accepts there).
  std::vector<std::string> ChosenChats(const BulletinFormPlace& place,
                                       const BulletinFormFields& fields,
                                       const std::vector<std::string_view>& also,
                                       bool* unknown) const;
  // A new unverified contact of the post holding `addresses`; its id, or the owner of an
  // address taken meanwhile.
  absl::StatusOr<std::string> CreateContact(const BulletinFormPlace& place,
                                            const BulletinFormFields& fields,
                                            const std::vector<Address>& addresses);

  InboundPipeline* inbound_;
  ContactStore* contacts_;
  ConversationLog* conversations_;
  const PersonTokens* tokens_;
  const Clock* clock_;
  const int min_fill_seconds_;
  const int max_concurrent_;
  const ChatLinkSource chat_links_;
  std::atomic<int> running_{0};
};

}  // namespace ogw
