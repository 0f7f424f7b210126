// Feeds provider account bodies, as POSTed to /v1/providers, to ReadProviderAccount through
// JsonReader: once as API input (taken literally, ca_file refused) and once as configuration
// (${ENV} expanded). An account the API accepts is stored as ProviderAccountToJson and read
// back with the same reader when the gateway starts, so that round trip must succeed and give
// the same account.

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include <nlohmann/json.hpp>

#include "gateway/config/provider_settings.h"
#include "gateway/core/json_reader.h"

namespace {

const char* FakeEnv(const char* name) {
  if (std::string_view(name).starts_with("UNSET")) return nullptr;
  return "fuzz-secret-of-at-least-24-chars";
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view text(reinterpret_cast<const char*>(data), size);
  // API bodies are checked for nesting before they are parsed (RequestContext::JsonBody).
  if (ogw::JsonNestingDepth(text) > ogw::kMaxInputJsonDepth) return 0;
  nlohmann::json body = nlohmann::json::parse(text, nullptr, false);
  if (body.is_discarded() || !body.is_object()) return 0;

  ogw::ProviderAccount from_config;
  ogw::JsonReader config_reader(body, "delivery.providers[0]", FakeEnv);
  ogw::ReadProviderAccount(config_reader, ogw::ProviderSource::kConfig, &from_config);
  (void)config_reader.Finish();

  ogw::ProviderAccount account;
  ogw::JsonReader reader = ogw::JsonReader::ForInput(body);
  ogw::ReadProviderAccount(reader, ogw::ProviderSource::kApi, &account);
  if (!reader.Finish().ok()) return 0;

  const nlohmann::json stored = ogw::ProviderAccountToJson(account, /*with_secrets=*/true);
  (void)ogw::ProviderAccountToJson(account, /*with_secrets=*/false);
  ogw::ProviderAccount loaded;
  ogw::JsonReader stored_reader = ogw::JsonReader::ForInput(stored);
  ogw::ReadProviderAccount(stored_reader, ogw::ProviderSource::kApi, &loaded);
  if (!stored_reader.Finish().ok()) abort();
  if (ogw::ProviderAccountToJson(loaded, /*with_secrets=*/true) != stored) abort();
  return 0;
}
