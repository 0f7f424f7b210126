#include "adapters/provider_type.h"

namespace ogw {

std::string* TypeSettings::Field(std::string_view key) {
  std::string* out = nullptr;
  ForEachField([&](std::string_view k, std::string& value, FieldKind) {
    if (k == key) out = &value;
  });
  return out;
}

void TypeSettings::InspectFields(const ConstFieldFn& fn) const {
  // ForEachField is written once for reading and writing alike; this walk only passes its
  // references on as const, so the settings stay unchanged.
  const_cast<TypeSettings*>(this)->ForEachField(
      [&](std::string_view key, std::string& value, FieldKind kind) { fn(key, value, kind); });
}

std::vector<std::string> TypeSettings::FieldsOfKind(FieldKind kind) const {
  std::vector<std::string> keys;
  InspectFields([&](std::string_view key, const std::string&, FieldKind k) {
    if (k == kind) keys.emplace_back(key);
  });
  return keys;
}

std::shared_ptr<const DestinationPolicy> ProviderContext::PolicyFor(const ProviderAccount& account,
                                                                    std::string_view url) const {
  return account.from_api ? DestinationPolicy::For(destinations, url) : nullptr;
}

std::string ProviderContext::InboundUrl(std::string_view path, const ProviderAccount& account,
                                        std::string_view suffix) const {
  return public_base_url + "/v1/inbound/" + std::string(path) + "/" + account.name +
         std::string(suffix);
}

bool IsHttpUrl(std::string_view url) {
  return url.starts_with("http://") || url.starts_with("https://");
}

void CheckInboundSecret(JsonReader& r, const std::string& secret,
                        std::string_view required_because) {
  if (secret.empty() && !required_because.empty()) {
    r.Error("inbound_secret", "required: " + std::string(required_because));
  } else if (!secret.empty() && secret.size() < 24) {
    r.Error("inbound_secret", "must be at least 24 characters");
  }
}

InboundOutcome InboundOutcome::Refuse(int status, std::string reason) {
  InboundOutcome o;
  o.verdict = Verdict::kRefuse;
  o.status = status;
  o.reason = std::move(reason);
  return o;
}

InboundOutcome InboundOutcome::Invalid(std::string reason) {
  InboundOutcome o;
  o.verdict = Verdict::kInvalid;
  o.status = 400;
  o.reason = std::move(reason);
  return o;
}

}  // namespace ogw
