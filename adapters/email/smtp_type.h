#pragma once

#include "adapters/provider_type.h"

namespace ogw {

// "smtp": e-mail through an SMTP server (adapters/email/smtp_provider.h); replies and bounces
// from its IMAP mailbox (imap_url, polled) or POSTed as raw mail by a relay to
// /v1/inbound/email/{provider} with "Authorization: Bearer <inbound_secret>".
const ProviderType& SmtpType();

}  // namespace ogw
