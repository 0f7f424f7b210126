#include "gateway/providers/provider_store.h"

#include <spdlog/spdlog.h>

#include "gateway/core/json_reader.h"
#include "gateway/core/key_schema.h"

namespace ogw {
namespace {

// KEYS: definitions hash, version counter. ARGV: name, JSON, mode ("create" or "replace").
const RedisScript kPutScript(R"lua(
local exists = redis.call('HEXISTS', KEYS[1], ARGV[1]) == 1
if ARGV[3] == 'create' and exists then return 'exists' end
if ARGV[3] == 'replace' and not exists then return 'missing' end
redis.call('HSET', KEYS[1], ARGV[1], ARGV[2])
redis.call('INCR', KEYS[2])
return 'ok'
)lua");

// KEYS: definitions hash, version counter, registered hash. ARGV: name.
const RedisScript kDeleteScript(R"lua(
if redis.call('HDEL', KEYS[1], ARGV[1]) == 0 then return 0 end
redis.call('HDEL', KEYS[3], ARGV[1])
redis.call('INCR', KEYS[2])
return 1
)lua");

// KEYS: registered hash, the account's lease. ARGV: name, digest, lease millis.
const RedisScript kClaimRegistrationScript(R"lua(
if redis.call('HGET', KEYS[1], ARGV[1]) == ARGV[2] then return 'done' end
if redis.call('SET', KEYS[2], ARGV[2], 'NX', 'PX', ARGV[3]) then return 'claimed' end
return 'busy'
)lua");

// KEYS: registered hash, the account's lease. ARGV: name, digest, "1" when registered.
const RedisScript kFinishRegistrationScript(R"lua(
if ARGV[3] == '1' then redis.call('HSET', KEYS[1], ARGV[1], ARGV[2]) end
if redis.call('GET', KEYS[2]) == ARGV[2] then redis.call('DEL', KEYS[2]) end
return 1
)lua");

std::string SealContext(std::string_view name, std::string_view field) {
  return std::string(name) + "/" + std::string(field);
}

// The secret fields of accounts of type `type` (none for an unknown type).
std::vector<std::string> SecretFieldsOf(const std::string& type_name) {
  const ProviderType* type = FindProviderType(type_name);
  if (type == nullptr) return {};
  return type->NewSettings()->FieldsOfKind(FieldKind::kSecret);
}

}  // namespace

ProviderStore::ProviderStore(RedisPool* redis, SecretBox box)
    : redis_(redis), box_(std::move(box)) {}

std::string ProviderStore::Encode(const ProviderAccount& account) const {
  nlohmann::json j = ProviderAccountToJson(account, /*with_secrets=*/true);
  for (const std::string& field : SecretFieldsOf(account.type)) {
    auto it = j.find(field);
    if (it != j.end()) *it = box_.Seal(it->get<std::string>(), SealContext(account.name, field));
  }
  return j.dump();
}

absl::StatusOr<ProviderAccount> ProviderStore::Decode(std::string_view name,
                                                      std::string_view stored) const {
  nlohmann::json j = nlohmann::json::parse(stored, nullptr, /*allow_exceptions=*/false);
  if (!j.is_object()) return absl::DataLossError("stored provider " + std::string(name) +
                                                 ": not a JSON object");
  const auto type = j.find("type");
  for (const std::string& field :
       SecretFieldsOf(type != j.end() && type->is_string() ? type->get<std::string>() : "")) {
    auto it = j.find(field);
    if (it == j.end() || !it->is_string()) continue;
    ASSIGN_OR_RETURN(std::string plain,
                     box_.Open(it->get<std::string>(), SealContext(name, field)));
    *it = std::move(plain);
  }
  ASSIGN_OR_RETURN(ProviderAccount account, ProviderAccountFromJson(j, ProviderSource::kApi));
  if (account.name != name) {
    return absl::DataLossError("stored provider " + std::string(name) + ": name differs");
  }
  return account;
}

absl::StatusOr<std::vector<ProviderAccount>> ProviderStore::LoadAll() const {
  ASSIGN_OR_RETURN(RedisReply all, redis_->Command({"HGETALL", keys::ProviderDefinitions()}));
  std::vector<ProviderAccount> out;
  for (size_t i = 0; i + 1 < all.elements.size(); i += 2) {
    const std::string& name = all.elements[i].str;
    auto account = Decode(name, all.elements[i + 1].str);
    if (!account.ok()) {
      spdlog::error("provider {} is stored but cannot be used: {}", name,
                    MessageOf(account.status()));
      continue;
    }
    out.push_back(std::move(*account));
  }
  return out;
}

absl::StatusOr<std::optional<ProviderAccount>> ProviderStore::Get(std::string_view name) const {
  ASSIGN_OR_RETURN(RedisReply r, redis_->Command({"HGET", keys::ProviderDefinitions(),
                                                  std::string(name)}));
  if (r.IsNil()) return std::optional<ProviderAccount>();
  ASSIGN_OR_RETURN(ProviderAccount account, Decode(name, r.str));
  return std::optional<ProviderAccount>(std::move(account));
}

absl::Status ProviderStore::Create(const ProviderAccount& account) {
  ASSIGN_OR_RETURN(RedisReply r,
                   redis_->Eval(kPutScript, {keys::ProviderDefinitions(), keys::ProviderVersion()},
                                {account.name, Encode(account), "create"}));
  if (r.str == "exists") return absl::AlreadyExistsError("a provider named " + account.name +
                                                         " exists");
  return absl::OkStatus();
}

absl::Status ProviderStore::Replace(const ProviderAccount& account) {
  ASSIGN_OR_RETURN(RedisReply r,
                   redis_->Eval(kPutScript, {keys::ProviderDefinitions(), keys::ProviderVersion()},
                                {account.name, Encode(account), "replace"}));
  if (r.str == "missing") return absl::NotFoundError("provider not found");
  return absl::OkStatus();
}

absl::StatusOr<bool> ProviderStore::Delete(std::string_view name) {
  ASSIGN_OR_RETURN(RedisReply r, redis_->Eval(kDeleteScript,
                                              {keys::ProviderDefinitions(), keys::ProviderVersion(),
                                               keys::ProviderRegistered()},
                                              {std::string(name)}));
  return r.integer == 1;
}

absl::StatusOr<ProviderStore::Registration> ProviderStore::ClaimRegistration(
    std::string_view name, std::string_view digest, int64_t lease_millis) const {
  ASSIGN_OR_RETURN(
      RedisReply r,
      redis_->Eval(kClaimRegistrationScript,
                   {keys::ProviderRegistered(), keys::ProviderRegistering(name)},
                   {std::string(name), std::string(digest), std::to_string(lease_millis)}));
  if (r.str == "done") return Registration::kDone;
  return r.str == "claimed" ? Registration::kClaimed : Registration::kBusy;
}

absl::Status ProviderStore::FinishRegistration(std::string_view name, std::string_view digest,
                                               bool registered) const {
  return redis_
      ->Eval(kFinishRegistrationScript,
             {keys::ProviderRegistered(), keys::ProviderRegistering(name)},
             {std::string(name), std::string(digest), registered ? "1" : ""})
      .status();
}

absl::StatusOr<int64_t> ProviderStore::Version() const {
  ASSIGN_OR_RETURN(RedisReply r, redis_->Command({"GET", keys::ProviderVersion()}));
  if (r.IsNil()) return int64_t{0};
  return static_cast<int64_t>(std::stoll(r.str));
}

}  // namespace ogw
