#include "gateway/config/provider_settings.h"

#include <algorithm>

#include "gateway/contacts/contact.h"
#include "gateway/contacts/normalize.h"
#include "gateway/core/text.h"

namespace ogw {
namespace {

void ReadTypeSettings(JsonReader& r, ProviderSource source, const ProviderType& type,
                      ProviderAccount& account) {
  account.settings = TypeSettingsPtr(type.NewSettings());
  account.settings->ForEachField([&](std::string_view key, std::string& value, FieldKind kind) {
    r.String(key, &value);
    if (kind == FieldKind::kServerPath && source == ProviderSource::kApi && !value.empty()) {
      r.Error(key, "can only be set in the configuration file");
    }
  });
  account.settings->ReadNumbers(r);
  type.Check(account, source, r);
}

void CheckChannels(JsonReader& r, const ProviderType* type, const ProviderAccount& account) {
  if (account.channels.empty()) r.Error("channels", "name at least one channel");
  const std::vector<std::string_view> allowed =
      type != nullptr ? type->channels() : std::vector<std::string_view>();
  for (const std::string& ch : account.channels) {
    if (!ParseChannel(ch)) {
      r.Error("channels", "unknown channel " + ch);
    } else if (!allowed.empty() && std::find(allowed.begin(), allowed.end(), ch) == allowed.end()) {
      r.Error("channels", account.type + " serves " + std::string(allowed.front()));
    }
  }
}

}  // namespace

std::string ImplicitSandboxName(std::string_view channel) {
  return std::string(channel) + "-sandbox";
}

bool IsReservedProviderName(std::string_view name) {
  const std::string lower = AsciiLower(name);
  for (Channel ch : kPersonChannels) {
    if (lower == ImplicitSandboxName(ChannelName(ch))) return true;
  }
  return false;
}

void ReadProviderAccount(JsonReader& r, ProviderSource source, ProviderAccount* out) {
  ProviderAccount& account = *out;
  r.String("name", &account.name, true);
  r.String("type", &account.type, true);
  const ProviderType* type = FindProviderType(account.type);
  if (type != nullptr) account.per_second = type->default_per_second();
  r.StringList("channels", &account.channels, true);
  r.String("organisation", &account.organisation);
  r.String("post", &account.post);
  r.String("country", &account.country);
  r.Int("timeout_ms", &account.timeout_ms, 100, 300000);
  r.Double("per_second", &account.per_second, 0, 1e6);
  r.Double("per_minute", &account.per_minute, 0, 1e8);

  if (account.name.empty() || account.name.size() > 64 ||
      account.name.find_first_not_of(
          "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-") !=
          std::string::npos) {
    r.Error("name", "must be 1 to 64 letters, digits, '_' or '-' (it appears in webhook URLs)");
  }
  if (type == nullptr) {
    r.Error("type", "expected " + ProviderTypeNames());
  } else {
    ReadTypeSettings(r, source, *type, account);
  }
  if (source == ProviderSource::kApi && IsReservedProviderName(account.name)) {
    r.Error("name", account.name + " is reserved for the gateway's built-in sandbox");
  }
  if (!account.post.empty() && account.organisation.empty()) {
    r.Error("post", "a post's provider must also name its organisation");
  }
  if (!account.country.empty()) {
    if (auto code = NormalizeCountry(account.country); code.ok()) {
      account.country = *code;
    } else {
      r.Error("country", std::string(MessageOf(code.status())));
    }
  }
  CheckChannels(r, type, account);
}

absl::StatusOr<ProviderAccount> ProviderAccountFromJson(const nlohmann::json& j,
                                                        ProviderSource source) {
  ProviderAccount account;
  JsonReader reader = JsonReader::ForInput(j);
  ReadProviderAccount(reader, source, &account);
  RETURN_IF_ERROR(reader.Finish());
  return account;
}

void ForEachTypeField(
    const ProviderAccount& account,
    const std::function<void(std::string_view, const std::string&, FieldKind)>& fn) {
  if (account.settings) account.settings->InspectFields(fn);
}

nlohmann::json ProviderAccountToJson(const ProviderAccount& account, bool with_secrets) {
  nlohmann::json j = {{"name", account.name},
                      {"type", account.type},
                      {"channels", account.channels},
                      {"timeout_ms", account.timeout_ms},
                      {"per_second", account.per_second},
                      {"per_minute", account.per_minute}};
  for (auto [key, value] :
       {std::pair{"organisation", &account.organisation}, std::pair{"post", &account.post},
        std::pair{"country", &account.country}}) {
    if (!value->empty()) j[key] = *value;
  }
  nlohmann::json secrets_set = nlohmann::json::array();
  ForEachTypeField(account, [&](std::string_view key, const std::string& value, FieldKind kind) {
    if (kind == FieldKind::kSecret && !with_secrets) {
      if (!value.empty()) secrets_set.push_back(key);
      return;
    }
    if (!value.empty()) j[std::string(key)] = value;
  });
  if (account.settings) account.settings->WriteNumbers(j);
  if (!with_secrets) j["secrets_set"] = std::move(secrets_set);
  return j;
}

}  // namespace ogw
