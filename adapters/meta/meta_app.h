#pragma once

// What every account of a Meta platform (a WhatsApp number, a Messenger Page) has the same
// way: the app's secrets and Graph API address in its settings, their checks, and the webhook
// routes (Meta's GET handshake, then signed POSTs read by the platform's own parser).

#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "adapters/provider_type.h"

namespace ogw {

struct MetaAppSettings {
  std::string app_secret;    // Secret: signs the webhooks (X-Hub-Signature-256).
  std::string verify_token;  // Secret: typed into the app's webhook settings; Meta echoes it.
  std::string api_base = "https://graph.facebook.com";  // Tests point it at a fake.
  std::string api_version = "v21.0";

  // The four fields, for the account's TypeSettings::ForEachField.
  void ForEachField(const TypeSettings::FieldFn& fn);
};

// Records on `r` what is wrong with the app settings of an account of `account`'s
// organisation (required: people write first, and their messages must land in one
// organisation); `who` names what people write to ("the number", "the Page").
void CheckMetaApp(const MetaAppSettings& s, const ProviderAccount& account, ProviderSource source,
                  JsonReader& r, std::string_view who);
// Records on `r` what is wrong with an access token named `field`.
void CheckMetaToken(const std::string& token, std::string_view field, ProviderSource source,
                    JsonReader& r);
// Whether `id` is a Graph object id (digits).
bool IsGraphId(std::string_view id);

// How a platform reads a signed webhook body for the account: what to store, and a
// quarantine reason for parts that are another account's (empty: none).
using MetaWebhookReader = std::function<absl::StatusOr<InboundBatch>(std::string_view body)>;

// A webhook POST: the signature under `app_secret` first, then `read`; answered 200 as Meta
// expects (it retries anything else), what cannot be read quarantined under `source`.
InboundOutcome MetaWebhook(const InboundRequest& request, std::string_view app_secret,
                           std::string_view source, const MetaWebhookReader& read);

}  // namespace ogw
