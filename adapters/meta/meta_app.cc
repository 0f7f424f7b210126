#include "adapters/meta/meta_app.h"

#include "adapters/common/json_path.h"
#include "adapters/meta/meta_webhooks.h"

namespace ogw {
namespace {

// "v21.0": what Graph API paths start with.
bool IsGraphVersion(std::string_view v) {
  if (v.size() < 4 || v[0] != 'v') return false;
  const size_t dot = v.find('.');
  return dot != std::string_view::npos && AllDigits(v.substr(1, dot - 1)) &&
         AllDigits(v.substr(dot + 1));
}

std::string Required(ProviderSource source) {
  return source == ProviderSource::kConfig ? "required (use ${ENV})" : "required";
}

}  // namespace

void MetaAppSettings::ForEachField(const TypeSettings::FieldFn& fn) {
  fn("app_secret", app_secret, FieldKind::kSecret);
  fn("verify_token", verify_token, FieldKind::kSecret);
  fn("api_base", api_base, FieldKind::kDestination);
  fn("api_version", api_version, FieldKind::kText);
}

bool IsGraphId(std::string_view id) { return AllDigits(id); }

void CheckMetaToken(const std::string& token, std::string_view field, ProviderSource source,
                    JsonReader& r) {
  if (token.empty()) {
    r.Error(field, Required(source));
  } else if (token.find_first_of(" \t\r\n") != std::string::npos) {
    r.Error(field, "must be an access token as Meta gives it (no spaces)");
  }
}

void CheckMetaApp(const MetaAppSettings& s, const ProviderAccount& account, ProviderSource source,
                  JsonReader& r, std::string_view who) {
  if (s.app_secret.empty())
    r.Error("app_secret", Required(source) + ": webhooks are verified with it");
  if (s.verify_token.empty()) {
    r.Error("verify_token", Required(source) + ": Meta presents it to verify the webhook URL");
  }
  if (!IsHttpUrl(s.api_base)) r.Error("api_base", "must start with http:// or https://");
  if (!IsGraphVersion(s.api_version)) {
    r.Error("api_version", "expected a Graph API version such as v21.0");
  }
  if (account.organisation.empty()) {
    r.Error("organisation", "required: people write to " + std::string(who) +
                                " first, and their messages must land in one organisation");
  }
}

InboundOutcome MetaWebhook(const InboundRequest& request, std::string_view app_secret,
                           std::string_view source, const MetaWebhookReader& read) {
  if (std::optional<InboundOutcome> refused = CheckMetaSignature(request, app_secret)) {
    return *std::move(refused);
  }
  InboundOutcome out;
  out.status = 200;
  out.quarantine_source = std::string(source);
  out.quarantine_sample = std::string(request.body);
  auto batch = read(request.body);
  if (!batch.ok()) {
    out.verdict = InboundOutcome::Verdict::kUnreadable;
    out.reason = std::string(MessageOf(batch.status()));
    return out;
  }
  out.batch = *std::move(batch);
  return out;
}

}  // namespace ogw
