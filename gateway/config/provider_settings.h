#pragma once

#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "gateway/core/json_reader.h"

namespace ogw {

// A provider account. Channels without one use the sandbox provider.
struct ProviderSettings {
  std::string name;                   // Unique; also the rate-limit account.
  std::string type;                   // "sandbox", "webhook", "twilio", "kannel" or "smtp".
  std::vector<std::string> channels;  // Channels it serves: "sms", "email", ...
  // Whose it is: messages to people of this organisation (and post) go through it, and what
  // it receives lands there. Empty: every organisation without a provider of its own; such a
  // provider cannot receive (an inbound message must have one owner).
  std::string organisation;
  std::string post;
  // Shared secret that authenticates what the provider posts to the gateway when it cannot
  // sign (Kannel's sms-service, an inbound e-mail relay); at least 24 characters.
  std::string inbound_secret;
  std::string url;        // webhook: where messages are POSTed; kannel: smsbox's sendsms URL;
                          // smtp: smtp://host:port or smtps://host:port.
  std::string username;   // kannel: sendsms user; smtp: AUTH user.
  std::string password;   // kannel, smtp: a secret ("${ENV}").
  std::string smsc;       // kannel: route through this smsc id; empty for Kannel's choice.
  // kannel, twilio: the country (ISO 3166-1 alpha-2) whose national numbers incoming senders
  // may be written in (an SMSC's "015112345678"); empty: none.
  std::string country;
  // smtp: none, try or required, for SMTP and for its imap_url alike. "required" by default:
  // with "try", a network that strips STARTTLS from the server's answer sees the password.
  std::string starttls = "required";
  std::string from_name;         // smtp: display name of the sender.
  std::string imap_url;          // smtp: mailbox polled for replies, imap(s)://host:port/INBOX.
  std::string imap_username;
  std::string imap_password;
  int poll_seconds = 30;         // smtp: how often the mailbox is polled.
  std::string auth_header;            // webhook: e.g. "Authorization: Bearer ${TOKEN}".
  // twilio: the account, its auth token (a secret: "${TWILIO_AUTH_TOKEN}"), the sender (a
  // number or alphanumeric id, or a Messaging Service), where Twilio reports delivery, and
  // the API's base URL (tests point it at a fake).
  std::string account_sid;
  std::string auth_token;
  std::string from;
  std::string messaging_service_sid;
  std::string status_callback_url;
  std::string api_base = "https://api.twilio.com";
  // smtp (and its imap_url): PEM bundle of the CAs trusted for the servers; empty: the
  // system's. Configuration file only: an API caller must not name files of the server.
  std::string ca_file;
  int timeout_ms = 10000;
  double per_second = 0;              // Rate limits; 0 = none.
  double per_minute = 0;
  // Added through the API (set when loaded, never read from input): its connections may only
  // go where api.allowed_destinations allows.
  bool from_api = false;
};

// Where an account's settings come from: the configuration file (environment references
// expanded, every field allowed) or the API (taken literally; `ca_file` refused, see above).
enum class ProviderSource { kConfig, kApi };

// Reads one provider account from `r` into `*ps` and checks it on its own: type, channels the
// type can serve, URLs, what each type requires. Problems are recorded on `r` with their
// field names. Rules across accounts (unique names, one account per channel and post) are
// the caller's.
void ReadProviderSettings(JsonReader& r, ProviderSource source, ProviderSettings* ps);

// The name of the sandbox account a channel falls back to when no account serves it, e.g.
// "sms-sandbox". It serves every organisation, so no account added through the API may take
// it (whatever its letter case).
std::string ImplicitSandboxName(std::string_view channel);
bool IsReservedProviderName(std::string_view name);

// Accounts one organisation may add through the API: enough for a ministry with an SMS
// account and a mailbox at each of its posts; a bound on what one tenant can make every
// process build and poll.
inline constexpr size_t kMaxApiProvidersPerOrganisation = 500;

// The fields that hold secrets: never in API answers or logs; sealed at rest.
const std::vector<std::string_view>& ProviderSecretFields();

// The account as JSON in the shape ReadProviderSettings reads. With `with_secrets` false the
// secret fields are left out and `secrets_set` lists those that are set.
nlohmann::json ProviderSettingsToJson(const ProviderSettings& ps, bool with_secrets);

// The value of secret field `field` (one of ProviderSecretFields()).
std::string* ProviderSecret(ProviderSettings& ps, std::string_view field);

}  // namespace ogw
