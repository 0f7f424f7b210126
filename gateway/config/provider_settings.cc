#include "gateway/config/provider_settings.h"

#include <cctype>

#include "gateway/contacts/contact.h"
#include "gateway/contacts/normalize.h"
#include "gateway/core/text.h"

namespace ogw {
namespace {

bool IsHttpUrl(const std::string& url) {
  return url.starts_with("http://") || url.starts_with("https://");
}

// The channels each type can serve; empty: any.
std::vector<std::string> ChannelsOf(const std::string& type) {
  if (type == "kannel" || type == "twilio") return {"sms"};
  if (type == "smtp") return {"email"};
  return {};
}

// Every field with its JSON key, so reading and writing cannot drift apart.
template <typename Fn>
void ForEachStringField(ProviderSettings& ps, Fn&& fn) {
  fn("url", ps.url);
  fn("auth_header", ps.auth_header);
  fn("account_sid", ps.account_sid);
  fn("auth_token", ps.auth_token);
  fn("from", ps.from);
  fn("messaging_service_sid", ps.messaging_service_sid);
  fn("status_callback_url", ps.status_callback_url);
  fn("api_base", ps.api_base);
  fn("organisation", ps.organisation);
  fn("post", ps.post);
  fn("inbound_secret", ps.inbound_secret);
  fn("username", ps.username);
  fn("password", ps.password);
  fn("smsc", ps.smsc);
  fn("country", ps.country);
  fn("starttls", ps.starttls);
  fn("from_name", ps.from_name);
  fn("imap_url", ps.imap_url);
  fn("imap_username", ps.imap_username);
  fn("imap_password", ps.imap_password);
  fn("ca_file", ps.ca_file);
}

}  // namespace

std::string ImplicitSandboxName(std::string_view channel) {
  return std::string(channel) + "-sandbox";
}

bool IsReservedProviderName(std::string_view name) {
  const std::string lower = AsciiLower(name);
  for (Channel ch : kAllChannels) {
    if (lower == ImplicitSandboxName(ChannelName(ch))) return true;
  }
  return false;
}

const std::vector<std::string_view>& ProviderSecretFields() {
  static const std::vector<std::string_view> kFields = {"auth_token", "password", "imap_password",
                                                        "inbound_secret", "auth_header"};
  return kFields;
}

std::string* ProviderSecret(ProviderSettings& ps, std::string_view field) {
  std::string* out = nullptr;
  ForEachStringField(ps, [&](std::string_view key, std::string& value) {
    if (key == field) out = &value;
  });
  return out;
}

void ReadProviderSettings(JsonReader& p, ProviderSource source, ProviderSettings* out) {
  ProviderSettings& ps = *out;
  p.String("name", &ps.name, true);
  p.String("type", &ps.type, true);
  p.StringList("channels", &ps.channels, true);
  ForEachStringField(ps, [&](std::string_view key, std::string& value) { p.String(key, &value); });
  p.Int("timeout_ms", &ps.timeout_ms, 100, 300000);
  p.Double("per_second", &ps.per_second, 0, 1e6);
  p.Double("per_minute", &ps.per_minute, 0, 1e8);
  p.Int("poll_seconds", &ps.poll_seconds, 1, 86400);

  if (ps.name.empty() || ps.name.size() > 64 ||
      ps.name.find_first_not_of("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-") !=
          std::string::npos) {
    p.Error("name", "must be 1 to 64 letters, digits, '_' or '-' (it appears in webhook URLs)");
  }
  if (ps.type != "sandbox" && ps.type != "webhook" && ps.type != "twilio" &&
      ps.type != "kannel" && ps.type != "smtp") {
    p.Error("type", "expected sandbox, webhook, twilio, kannel or smtp");
  }
  if (source == ProviderSource::kApi && !ps.ca_file.empty()) {
    p.Error("ca_file", "can only be set in the configuration file");
  }
  if (source == ProviderSource::kApi && IsReservedProviderName(ps.name)) {
    p.Error("name", ps.name + " is reserved for the gateway's built-in sandbox");
  }
  if (!ps.post.empty() && ps.organisation.empty()) {
    p.Error("post", "a post's provider must also name its organisation");
  }
  if (!ps.inbound_secret.empty() && ps.inbound_secret.size() < 24) {
    p.Error("inbound_secret", "must be at least 24 characters");
  }
  if (!ps.country.empty()) {
    if (auto code = NormalizeCountry(ps.country); code.ok()) {
      ps.country = *code;
    } else {
      p.Error("country", std::string(MessageOf(code.status())));
    }
  }
  if (ps.channels.empty()) p.Error("channels", "name at least one channel");
  const std::vector<std::string> allowed = ChannelsOf(ps.type);
  for (const std::string& ch : ps.channels) {
    if (!ParseChannel(ch)) {
      p.Error("channels", "unknown channel " + ch);
    } else if (!allowed.empty() && std::find(allowed.begin(), allowed.end(), ch) == allowed.end()) {
      p.Error("channels", ps.type + " serves " + allowed.front());
    }
  }
  if (ps.type == "kannel") {
    if (!IsHttpUrl(ps.url)) {
      p.Error("url", "kannel providers need smsbox's sendsms URL (http:// or https://)");
    }
    if (ps.username.empty()) p.Error("username", "required: the sendsms user");
    if (ps.organisation.empty()) {
      p.Error("organisation", "required: incoming SMS must land in one organisation");
    }
    if (ps.inbound_secret.empty()) {
      p.Error("inbound_secret", "required: authenticates Kannel's sms-service requests");
    }
  }
  if (ps.type == "smtp") {
    if (!ps.url.starts_with("smtp://") && !ps.url.starts_with("smtps://")) {
      p.Error("url", "smtp providers need smtp://host:port or smtps://host:port");
    }
    if (ps.from.empty() || ps.from.find('@') == std::string::npos) {
      p.Error("from", "required: the sender's e-mail address");
    }
    if (ps.starttls != "none" && ps.starttls != "try" && ps.starttls != "required") {
      p.Error("starttls", "expected none, try or required");
    }
    if (!ps.imap_url.empty() && !ps.imap_url.starts_with("imap://") &&
        !ps.imap_url.starts_with("imaps://")) {
      p.Error("imap_url", "must start with imap:// or imaps://");
    }
    if (!ps.imap_url.empty() && ps.organisation.empty()) {
      p.Error("organisation", "required with imap_url: replies must land in one organisation");
    }
  }
  if (ps.type == "twilio") {
    if (!ps.account_sid.starts_with("AC")) p.Error("account_sid", "expected AC...");
    if (ps.auth_token.empty()) {
      p.Error("auth_token", source == ProviderSource::kConfig ? "required (use ${ENV})"
                                                              : "required");
    }
    if (ps.from.empty() && ps.messaging_service_sid.empty()) {
      p.Error("from", "from or messaging_service_sid is required");
    }
    if (!IsHttpUrl(ps.api_base)) p.Error("api_base", "must start with http:// or https://");
  }
  if (ps.type == "webhook" && !IsHttpUrl(ps.url)) {
    p.Error("url", "webhook providers need an http:// or https:// url");
  }
}

nlohmann::json ProviderSettingsToJson(const ProviderSettings& settings, bool with_secrets) {
  ProviderSettings ps = settings;
  nlohmann::json j = {{"name", ps.name},
                      {"type", ps.type},
                      {"channels", ps.channels},
                      {"timeout_ms", ps.timeout_ms},
                      {"per_second", ps.per_second},
                      {"per_minute", ps.per_minute},
                      {"poll_seconds", ps.poll_seconds}};
  nlohmann::json secrets_set = nlohmann::json::array();
  const auto& secret_fields = ProviderSecretFields();
  ForEachStringField(ps, [&](std::string_view key, std::string& value) {
    const bool secret =
        std::find(secret_fields.begin(), secret_fields.end(), key) != secret_fields.end();
    if (secret && !with_secrets) {
      if (!value.empty()) secrets_set.push_back(key);
      return;
    }
    // Defaults of fields other types do not use would only confuse a reader.
    if ((key == "api_base" && ps.type != "twilio") || (key == "starttls" && ps.type != "smtp")) {
      return;
    }
    if (!value.empty()) j[std::string(key)] = value;
  });
  if (ps.type != "smtp") j.erase("poll_seconds");
  if (!with_secrets) j["secrets_set"] = std::move(secrets_set);
  return j;
}

}  // namespace ogw
