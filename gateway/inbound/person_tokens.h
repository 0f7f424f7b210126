#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace ogw {

// Signed tokens that name a person without a lookup, used where a message leaves the gateway
// and comes back: the reply address reply+<token>@domain (threads an e-mail reply to the
// person), the one-click unsubscribe link /u/<token> (RFC 8058) and a person's event page
// /e/<token>; it also derives the key of the e-mail Message-IDs. Tokens are HMAC-SHA256
// signed with the gateway's link secret, so they cannot be forged or enumerated; a token of
// another organisation does not verify. Thread-safe.
class PersonTokens {
 public:
  explicit PersonTokens(std::string secret) : secret_(std::move(secret)) {}

  // 36 lower-case characters: fits an e-mail local part with room for "reply+".
  std::string ReplyToken(std::string_view org_id, std::string_view contact_id) const;
  // The contact a reply token of `org_id` names; nullopt when malformed or forged. Case is
  // ignored (some mail systems change it).
  std::optional<std::string> ContactOfReplyToken(std::string_view org_id,
                                                 std::string_view token) const;

  // The personal code of a link that ties a chat to the person: Telegram's /start payload,
  // Messenger's ref, the text prefilled in a wa.me link. 42 lower-case characters [a-z0-9]
  // (Telegram takes at most 64 of [A-Za-z0-9_-]), signed for this purpose alone.
  static constexpr size_t kChatLinkTokenChars = 42;
  std::string ChatLinkToken(std::string_view org_id, std::string_view contact_id) const;
  // The contact a chat-link code of `org_id` names; nullopt when malformed or forged. Case is
  // ignored.
  std::optional<std::string> ContactOfChatLinkToken(std::string_view org_id,
                                                    std::string_view token) const;

  struct Unsubscribe {
    std::string org_id;
    std::string contact_id;
    std::string channel;
  };
  std::string UnsubscribeToken(std::string_view org_id, std::string_view contact_id,
                               std::string_view channel) const;
  std::optional<Unsubscribe> ParseUnsubscribeToken(std::string_view token) const;

  // A person's own page of an event (/e/<token>): their answer and calendar file. Names the
  // organisation, the event and the contact; does not expire (the page checks the event).
  struct EventLink {
    std::string org_id;
    std::string event_id;
    std::string contact_id;
  };
  std::string EventLinkToken(std::string_view org_id, std::string_view event_id,
                             std::string_view contact_id) const;
  std::optional<EventLink> ParseEventLinkToken(std::string_view token) const;

  // A person's link that marks a campaign's survey completed (/done/<token>): the survey tool
  // sends the person there, or calls it, at the end. Does not expire.
  struct Completion {
    std::string org_id;
    std::string campaign_id;
    std::string contact_id;
  };
  std::string CompletionToken(std::string_view org_id, std::string_view campaign_id,
                              std::string_view contact_id) const;
  std::optional<Completion> ParseCompletionToken(std::string_view token) const;

  // The link that confirms a START from a sender that cannot be authenticated: names the
  // address (by a MAC, not in clear) and expires.
  struct OptIn {
    std::string org_id;
    std::string contact_id;
    std::string channel;
    std::string address_mac;  // AddressMac of the address to re-grant.
    int64_t expires_at_seconds = 0;
  };
  std::string OptInToken(std::string_view org_id, std::string_view contact_id,
                         std::string_view channel, std::string_view address,
                         int64_t expires_at_seconds) const;
  // nullopt when malformed, forged or expired at `now_seconds`.
  std::optional<OptIn> ParseOptInToken(std::string_view token, int64_t now_seconds) const;
  std::string AddressMac(std::string_view address) const;

  // An SMS confirmation asks for a code rather than a link (a link costs a second segment).
  // The page that asks for the code holds this token: it names what the code confirms, like
  // OptInToken, but is signed for this purpose alone, so it is no /c/ link. The code is a MAC
  // of the token: whoever holds the token still needs the SMS.
  std::string OptInCodeToken(std::string_view org_id, std::string_view contact_id,
                             std::string_view channel, std::string_view address,
                             int64_t expires_at_seconds) const;
  std::optional<OptIn> ParseOptInCodeToken(std::string_view token, int64_t now_seconds) const;
  // Six digits.
  std::string OptInCode(std::string_view code_token) const;

  // The token of a public bulletin form (a reply to `form` = an entry id, or "subscribe"):
  // when it was issued, signed for that bulletin and form. Forms are refused when the token
  // is younger than a person needs to fill them or older than a day (BulletinForms).
  std::string BulletinFormToken(std::string_view org_id, std::string_view post_id,
                                std::string_view form, int64_t issued_at_seconds) const;
  // When the token was issued; nullopt when malformed or signed for another form.
  std::optional<int64_t> BulletinFormIssuedAt(std::string_view token, std::string_view org_id,
                                              std::string_view post_id,
                                              std::string_view form) const;

  // The key that signs the Message-IDs of the gateway's e-mails (adapters/email/
  // email_message_id.h): derived from the secret, so every process sharing the secret signs
  // and verifies alike. 64 characters (hex of 32 bytes); a secret: never log it.
  std::string EmailMessageIdKey() const;

 private:
  // "<a>.<b>.<c>.<mac>", signed for `purpose`; and its parts when the MAC verifies.
  std::string SignedTriple(std::string_view purpose, std::string_view a, std::string_view b,
                           std::string_view c) const;
  std::optional<std::array<std::string, 3>> VerifiedTriple(std::string_view purpose,
                                                           std::string_view token) const;
  std::string Mac(std::string_view purpose, std::string_view data, size_t chars) const;
  // "<org>.<contact>.<channel>.<address MAC>.<expires>.<mac>", signed for `purpose`.
  std::string SignedOptIn(std::string_view purpose, std::string_view org_id,
                          std::string_view contact_id, std::string_view channel,
                          std::string_view address, int64_t expires_at_seconds) const;
  std::optional<OptIn> VerifiedOptIn(std::string_view purpose, std::string_view token,
                                     int64_t now_seconds) const;

  std::string secret_;
};

}  // namespace ogw
