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

// KEYS: definitions hash, version counter. ARGV: name.
const RedisScript kDeleteScript(R"lua(
if redis.call('HDEL', KEYS[1], ARGV[1]) == 0 then return 0 end
redis.call('INCR', KEYS[2])
return 1
)lua");

std::string SealContext(std::string_view name, std::string_view field) {
  return std::string(name) + "/" + std::string(field);
}

// The secret fields of accounts of type `type` (none for an unknown type).
std::vector<std::string> SecretFieldsOf(const std::string& type_name) {
  std::vector<std::string> fields;
  const ProviderType* type = FindProviderType(type_name);
  if (type == nullptr) return fields;
  type->NewSettings()->ForEachField([&](std::string_view key, std::string&, FieldKind kind) {
    if (kind == FieldKind::kSecret) fields.emplace_back(key);
  });
  return fields;
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
  ASSIGN_OR_RETURN(RedisReply r,
                   redis_->Eval(kDeleteScript,
                                {keys::ProviderDefinitions(), keys::ProviderVersion()},
                                {std::string(name)}));
  return r.integer == 1;
}

absl::StatusOr<int64_t> ProviderStore::Version() const {
  ASSIGN_OR_RETURN(RedisReply r, redis_->Command({"GET", keys::ProviderVersion()}));
  if (r.IsNil()) return int64_t{0};
  return static_cast<int64_t>(std::stoll(r.str));
}

}  // namespace ogw
