#pragma once

// The public bulletins' reply and subscription forms (docs/ARCHITECTURE.md, "Reply and
// subscription forms"): what a reader sent, checked field by field, and what it becomes: a
// reply in the post's inbox and the person's conversation, or confirmation requests that
// grant consent only when the person answers them. Nothing here trusts the addresses given:
// anyone can type anyone's address into a web form.

#include <atomic>
#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

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
  std::vector<std::string> channels;  // Subscription: "email", "sms".
  bool consent = false;
  std::string website;  // The honeypot: people never see it, so never fill it.
};

struct BulletinFormOutcome {
  enum class Kind {
    kAccepted,  // Stored, or confirmations sent.
    kInvalid,   // `errors` say which fields, by code (BulletinFormErrorText).
    kIgnored,   // A robot (the honeypot was filled): thanked, nothing stored.
  };
  Kind kind = Kind::kAccepted;
  // Field -> code: "required", "too_long", "characters", "email", "phone", "reach_back",
  // "consent", "channels", "too_fast", "expired".
  std::vector<std::pair<std::string, std::string>> errors;
  std::string contact_id;  // A reply: whose conversation holds it.
  std::string entry_id;    // A reply: its entry in that conversation.
};

// Thread-safe; owns nothing.
class BulletinForms {
 public:
  static constexpr size_t kMaxMessageChars = 2000;
  static constexpr size_t kMaxNameChars = 100;
  static constexpr int64_t kTokenMaxAgeSeconds = 86400;

  BulletinForms(InboundPipeline* inbound, ContactStore* contacts, ConversationLog* conversations,
                const PersonTokens* tokens, const Clock* clock, int min_fill_seconds,
                int max_concurrent);

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
  // the bulletin entry. Sending the same form twice stores it once.
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

 private:
  // The honeypot, the token and the consent box; false when the form goes no further.
  bool CheckCommon(const BulletinFormPlace& place, const BulletinFormFields& fields,
                   BulletinFormOutcome* outcome) const;
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
  std::atomic<int> running_{0};
};

}  // namespace ogw
