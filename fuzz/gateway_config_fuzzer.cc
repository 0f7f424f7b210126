// Feeds configuration files to GatewayConfig::LoadFile, the one reader of configuration JSON:
// nlohmann's parser, then GatewayConfig::FromJson with ${ENV} expansion, key paths and every
// section's checks (including each provider account through ReadProviderAccount). A broken
// file must stop startup with a message, never with a crash or an uncaught exception.

#include <unistd.h>

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>

#include "gateway/config/gateway_config.h"

namespace {

std::string* config_path = nullptr;

}  // namespace

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  // Variables a configuration may reference; any other ${NAME} is missing.
  setenv("SECRETS_KEY", "00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff", 1);
  setenv("TWILIO_AUTH_TOKEN", "0123456789abcdef0123456789abcdef", 1);
  setenv("KANNEL_PASSWORD", "kannel-password", 1);
  setenv("METRICS_TOKEN", "metrics-token-of-at-least-24-chars", 1);
  const char* tmp = getenv("TMPDIR");
  config_path = new std::string(std::string(tmp != nullptr ? tmp : "/tmp") + "/ogw-config-fuzz-" +
                                std::to_string(getpid()) + ".json");
  atexit([] { unlink(config_path->c_str()); });
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  FILE* f = fopen(config_path->c_str(), "wb");
  if (f == nullptr) abort();
  if (size > 0 && fwrite(data, 1, size, f) != size) abort();
  fclose(f);
  auto config = ogw::GatewayConfig::LoadFile(*config_path);
  if (!config.ok() && config.status().message().empty()) abort();
  return 0;
}
