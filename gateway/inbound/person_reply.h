#pragma once

#include <string>

#include "gateway/contacts/contact.h"
#include "gateway/core/channel.h"

namespace ogw {

// A person's reply as the inbound pipeline has it, before it is stored: what the responders
// that read replies as answers (RsvpResponder, SurveyResponder) are given.
struct PersonReply {
  std::string org_id;
  const Contact* contact = nullptr;
  Channel channel = Channel::kSms;
  std::string address;  // The sender's address, normalised.
  std::string text;     // For e-mail, without quoted history.
  std::string button;   // The id of a pressed button; "" for none.
  std::string how;      // "<channel>:<provider message id>": one reading per message.
  // The campaign the channel says the reply answers (e-mail threading, a WhatsApp context);
  // "" when it does not say.
  std::string answered_campaign;
};

}  // namespace ogw
