#pragma once

// Provider accounts as JSON: the fields every account has, read and checked here; the rest
// read and checked by the account's type (adapters/provider_type.h).

#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "adapters/provider_type.h"
#include "gateway/core/json_reader.h"

namespace ogw {

// Reads one provider account from `r` into `*account` and checks it on its own: the common
// fields, then the type's. Problems are recorded on `r` with their field names. Rules across
// accounts (unique names, one account per channel and post) are the caller's.
void ReadProviderAccount(JsonReader& r, ProviderSource source, ProviderAccount* account);

// The account read from `j` in the API's literal mode; InvalidArgument naming the fields.
absl::StatusOr<ProviderAccount> ProviderAccountFromJson(const nlohmann::json& j,
                                                        ProviderSource source);

// The name of the sandbox account a channel falls back to when no account serves it, e.g.
// "sms-sandbox". It serves every organisation, so no account added through the API may take
// it (whatever its letter case).
std::string ImplicitSandboxName(std::string_view channel);
bool IsReservedProviderName(std::string_view name);

// Accounts one organisation may add through the API: enough for a ministry with an SMS
// account and a mailbox at each of its posts; a bound on what one tenant can make every
// process build and poll.
inline constexpr size_t kMaxApiProvidersPerOrganisation = 500;

// The account as JSON in the shape ReadProviderAccount reads. With `with_secrets` false the
// secret fields are left out and `secrets_set` lists those that are set.
nlohmann::json ProviderAccountToJson(const ProviderAccount& account, bool with_secrets);

// Calls fn(key, value, kind) for every string field of the account's type.
void ForEachTypeField(
    const ProviderAccount& account,
    const std::function<void(std::string_view, const std::string&, FieldKind)>& fn);

}  // namespace ogw
