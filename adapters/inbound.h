#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "gateway/core/channel.h"

namespace ogw {

// What providers hand the gateway from the other direction. Each provider's webhook or mailbox
// parser produces these; the gateway's inbound pipeline (gateway/inbound) persists them into
// the person's conversation log. Parsers never log the text or the sender.

// A message a person sent to one of the gateway's numbers, mailboxes or bots.
struct InboundMessage {
  std::string provider;             // Configured provider name that received it.
  Channel channel = Channel::kSms;  // A channel that reaches a person.
  std::string provider_message_id;  // The provider's id; deduplicates provider retries.
  std::string from;                 // Sender address as the provider gave it (not normalised).
  std::string to;                   // The gateway's number / mailbox / bot it was sent to.
  std::string text;                 // What the person wrote (e-mail: quoted history stripped).
  std::string subject;              // E-mail only.
  // The quick-reply button the person pressed (Telegram's callback data, a WhatsApp reply
  // button's id, a Messenger quick reply's payload), with `text` its label where the channel
  // gives one. Empty for a typed message.
  std::string button;
  // A personal link code the provider handed over outside the text (Messenger's m.me ref);
  // codes in the text (Telegram's "/start <code>", a wa.me message) are found there.
  // Unverified: the pipeline checks its signature.
  std::string link_token;
  // E-mail threading, strongest first: the token of a reply+<token>@ address, then the
  // Message-IDs of In-Reply-To and References (without angle brackets; References from the
  // last, the parent, back). As the sender wrote them: unverified.
  std::string reply_token;
  std::vector<std::string> references;
  // Gateway message ids ("<campaign>:<index>" or a direct message id) of the gateway's own
  // messages this one answers, strongest first, each verified by the channel's layer (e-mail:
  // the Message-IDs of `references` whose signature checks for the receiving provider). The
  // pipeline trusts them, so a parser leaves this empty and only code that verified an id
  // fills it; ids of another organisation's messages lead nowhere.
  std::vector<std::string> answers;
  int64_t received_at_ms = 0;       // Provider's time when known, else 0 (the gateway's clock).
  // Sent by a machine on the person's behalf (out-of-office, vacation responder): kept in the
  // conversation, but neither an answer nor a keyword.
  bool auto_reply = false;
  // Written by an officer through the sandbox (POST /v1/sandbox/replies), not by the person.
  bool simulated = false;
  // With `simulated`: the channel has a real provider, so the simulation must not act for the
  // person (no keyword changes consent).
  bool simulated_over_real_channel = false;
  // Written on the public reply form of this bulletin entry: the address was typed by whoever
  // filled the form, so the message is kept (and answerable) but speaks for nobody: no
  // keyword, invitation or survey answer, no messaging window.
  std::string bulletin_entry;
  // With `bulletin_entry`: the contact the form chose for the message (the owner of the
  // address typed, or one the form created); `from` may then be empty, for a reader who
  // gave no address and is answered on a chat app once they follow its link.
  std::string contact_id;
};

// The person stopped the provider reaching them at an address, outside any message (blocked a
// Telegram bot): consent for that address is withdrawn, as a STOP would, without a reply.
struct AddressOptOut {
  Channel channel = Channel::kSms;
  std::string address;  // As the provider gave it (not normalised).
};

// A provider's report on a message the gateway sent.
struct DeliveryReport {
  enum class State {
    kSent,       // Handed on by the provider (e.g. to the carrier); not yet at the handset.
    kDelivered,  // Reached the person's device or mailbox.
    kFailed,     // Will not be delivered.
  };
  std::string provider;
  // The gateway's message id ("<campaign>:<index>" or a direct message id) when the provider
  // echoes it (Kannel's dlr-url, a StatusCallback query), else empty.
  std::string message_id;
  std::string provider_message_id;
  // The channel of the reported message. A cascade sends one campaign message on several
  // channels under one id: the channel says which of them the report is about.
  std::optional<Channel> channel;
  std::string to;                   // The recipient address, when the report names it.
  State state = State::kSent;
  std::string code;                 // Provider's code, e.g. "twilio_30003", "dlr_16", "5.1.1".
  std::string reason;               // Provider's text; never the message body.
  // The address cannot receive anything (hard bounce, number does not exist): mark it invalid.
  bool address_invalid = false;
  // The recipient opted out at the provider (Twilio 21610): withdraw consent for the channel.
  bool opted_out = false;
};

}  // namespace ogw
