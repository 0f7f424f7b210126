#pragma once

#include "adapters/provider_type.h"

namespace ogw {

// "sandbox": records what it would send (adapters/sandbox/sandbox_provider.h); every channel
// without an account of its own falls back to one. No settings.
inline constexpr std::string_view kSandboxTypeName = "sandbox";
const ProviderType& SandboxType();

}  // namespace ogw
