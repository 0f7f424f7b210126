#include "gateway/orgs/org_store.h"

#include <algorithm>

#include "gateway/core/crypto.h"
#include "gateway/core/ids.h"
#include "gateway/core/key_schema.h"

namespace ogw {
namespace {

// Token format: "ogw_" + key id + "." + secret. The key id locates the record; only the
// SHA-256 of the secret is stored. Secrets carry 160 random bits, so a fast hash is safe: there
// is nothing to brute-force that a slow hash would protect.
constexpr std::string_view kTokenPrefix = "ogw_";

template <typename T>
absl::StatusOr<T> ParseRecord(const std::string& doc, T (*from)(const nlohmann::json&)) {
  try {
    return from(nlohmann::json::parse(doc));
  } catch (const nlohmann::json::exception& e) {
    return absl::DataLossError(std::string("stored record is not readable: ") + e.what());
  }
}

Organisation OrgFromJson(const nlohmann::json& j) {
  return Organisation{j.at("id"), j.at("name"), j.at("default_language"), j.at("created_at")};
}

Post PostFromJson(const nlohmann::json& j) {
  return Post{j.at("id"),   j.at("org_id"),           j.at("name"),
              j.at("country"), j.at("city"), j.at("default_language"),
              j.at("time_zone"), j.at("created_at")};
}

Officer OfficerFromJson(const nlohmann::json& j) {
  Officer o;
  o.id = j.at("id");
  o.org_id = j.at("org_id");
  o.name = j.at("name");
  o.email = j.at("email");
  o.role = ParseRole(j.at("role").get<std::string>()).value_or(Role::kViewer);
  o.posts = j.at("posts").get<std::vector<std::string>>();
  o.disabled = j.at("disabled");
  o.created_at_millis = j.at("created_at");
  return o;
}

struct StoredKey {
  ApiKeyInfo info;
  std::string secret_sha256;
};

StoredKey KeyFromJson(const nlohmann::json& j) {
  return StoredKey{ApiKeyInfo{j.at("id"), j.at("officer_id"), j.at("created_at"), j.at("revoked")},
                   j.at("secret_sha256")};
}

nlohmann::json StoredKeyJson(const StoredKey& k) {
  nlohmann::json j = ToJson(k.info);
  j["secret_sha256"] = k.secret_sha256;
  return j;
}

// ParseRecord with `from`, as JsonHashStore's Get and List take it.
template <typename T>
auto ParseWith(T (*from)(const nlohmann::json&)) {
  return [from](const std::string& doc) { return ParseRecord(doc, from); };
}

}  // namespace

nlohmann::json ToJson(const Organisation& org) {
  return {{"id", org.id},
          {"name", org.name},
          {"default_language", org.default_language},
          {"created_at", org.created_at_millis}};
}

nlohmann::json ToJson(const Post& p) {
  return {{"id", p.id},     {"org_id", p.org_id},
          {"name", p.name}, {"country", p.country},
          {"city", p.city}, {"default_language", p.default_language},
          {"time_zone", p.time_zone}, {"created_at", p.created_at_millis}};
}

nlohmann::json ToJson(const Officer& o) {
  return {{"id", o.id},       {"org_id", o.org_id},          {"name", o.name},
          {"email", o.email}, {"role", RoleName(o.role)},     {"posts", o.posts},
          {"disabled", o.disabled}, {"created_at", o.created_at_millis}};
}

nlohmann::json ToJson(const ApiKeyInfo& k) {
  return {{"id", k.id},
          {"officer_id", k.officer_id},
          {"created_at", k.created_at_millis},
          {"revoked", k.revoked}};
}

OrgStore::OrgStore(RedisPool* redis, const Clock* clock)
    : redis_(redis), clock_(clock), docs_(redis, "record") {}

absl::StatusOr<Organisation> OrgStore::CreateOrganisation(std::string name,
                                                          std::string default_language) {
  Organisation org{NewId("org", clock_->NowMillis()), std::move(name),
                   std::move(default_language), clock_->NowMillis()};
  ASSIGN_OR_RETURN(RedisReply r,
                   redis_->Command({"HSET", keys::Orgs(), org.id, ToJson(org).dump()}));
  (void)r;
  return org;
}

absl::StatusOr<std::optional<Organisation>> OrgStore::GetOrganisation(std::string_view org_id) {
  return docs_.Get<Organisation>(keys::Orgs(), org_id, ParseWith(&OrgFromJson));
}

absl::StatusOr<std::vector<Organisation>> OrgStore::ListOrganisations() {
  return docs_.List<Organisation>(keys::Orgs(), ParseWith(&OrgFromJson));
}

absl::StatusOr<Post> OrgStore::CreatePost(Post post) {
  post.id = NewId("post", clock_->NowMillis());
  post.created_at_millis = clock_->NowMillis();
  ASSIGN_OR_RETURN(RedisReply r, redis_->Command({"HSET", keys::Posts(post.org_id), post.id,
                                                  ToJson(post).dump()}));
  (void)r;
  return post;
}

absl::StatusOr<std::optional<Post>> OrgStore::GetPost(std::string_view org_id,
                                                      std::string_view post_id) {
  return docs_.Get<Post>(keys::Posts(org_id), post_id, ParseWith(&PostFromJson));
}

absl::StatusOr<std::vector<Post>> OrgStore::ListPosts(std::string_view org_id) {
  return docs_.List<Post>(keys::Posts(org_id), ParseWith(&PostFromJson));
}

absl::Status OrgStore::UpdatePost(const Post& post) {
  ASSIGN_OR_RETURN(bool replaced, HashReplaceExisting(*redis_, keys::Posts(post.org_id), post.id,
                                                      ToJson(post).dump()));
  if (!replaced) return absl::NotFoundError("post not found");
  return absl::OkStatus();
}

absl::Status OrgStore::ValidatePosts(std::string_view org_id,
                                     const std::vector<std::string>& posts) {
  for (size_t i = 0; i < posts.size(); ++i) {
    ASSIGN_OR_RETURN(auto post, GetPost(org_id, posts[i]));
    if (!post) {
      return absl::InvalidArgumentError("posts[" + std::to_string(i) + "]: unknown post " +
                                        posts[i]);
    }
  }
  return absl::OkStatus();
}

absl::StatusOr<Officer> OrgStore::CreateOfficer(Officer officer) {
  RETURN_IF_ERROR(ValidatePosts(officer.org_id, officer.posts));
  officer.id = NewId("off", clock_->NowMillis());
  officer.created_at_millis = clock_->NowMillis();
  ASSIGN_OR_RETURN(RedisReply r, redis_->Command({"HSET", keys::Officers(officer.org_id),
                                                  officer.id, ToJson(officer).dump()}));
  (void)r;
  return officer;
}

absl::StatusOr<std::optional<Officer>> OrgStore::GetOfficer(std::string_view org_id,
                                                            std::string_view officer_id) {
  return docs_.Get<Officer>(keys::Officers(org_id), officer_id, ParseWith(&OfficerFromJson));
}

absl::StatusOr<std::vector<Officer>> OrgStore::ListOfficers(std::string_view org_id) {
  return docs_.List<Officer>(keys::Officers(org_id), ParseWith(&OfficerFromJson));
}

absl::Status OrgStore::UpdateOfficer(const Officer& officer) {
  RETURN_IF_ERROR(ValidatePosts(officer.org_id, officer.posts));
  ASSIGN_OR_RETURN(auto existing, GetOfficer(officer.org_id, officer.id));
  if (!existing) return absl::NotFoundError("officer not found");
  ASSIGN_OR_RETURN(RedisReply r, redis_->Command({"HSET", keys::Officers(officer.org_id),
                                                  officer.id, ToJson(officer).dump()}));
  (void)r;
  return absl::OkStatus();
}

absl::StatusOr<std::pair<ApiKeyInfo, std::string>> OrgStore::CreateApiKey(
    std::string_view org_id, std::string_view officer_id) {
  ASSIGN_OR_RETURN(auto officer, GetOfficer(org_id, officer_id));
  if (!officer) return absl::NotFoundError("officer not found");
  StoredKey key;
  key.info.id = NewId("key", clock_->NowMillis());
  key.info.officer_id = std::string(officer_id);
  key.info.created_at_millis = clock_->NowMillis();
  std::string secret = Base32Encode(RandomBytes(20));
  key.secret_sha256 = Sha256Hex(secret);
  ASSIGN_OR_RETURN(auto replies,
                   redis_->Pipeline({{"HSET", keys::ApiKeys(org_id), key.info.id,
                                      StoredKeyJson(key).dump()},
                                     {"HSET", keys::KeyDirectory(), key.info.id,
                                      std::string(org_id)}}));
  for (const auto& r : replies) RETURN_IF_ERROR(r.AsStatus());
  return std::make_pair(key.info, std::string(kTokenPrefix) + key.info.id + "." + secret);
}

absl::StatusOr<std::vector<ApiKeyInfo>> OrgStore::ListApiKeys(std::string_view org_id,
                                                              std::string_view officer_id) {
  ASSIGN_OR_RETURN(std::vector<std::string> all, docs_.AllDocs(keys::ApiKeys(org_id)));
  std::vector<ApiKeyInfo> out;
  for (const std::string& doc : all) {
    ASSIGN_OR_RETURN(StoredKey k, ParseRecord(doc, &KeyFromJson));
    if (k.info.officer_id == officer_id) out.push_back(std::move(k.info));
  }
  std::sort(out.begin(), out.end(),
            [](const ApiKeyInfo& a, const ApiKeyInfo& b) { return a.id < b.id; });
  return out;
}

absl::Status OrgStore::RevokeApiKey(std::string_view org_id, std::string_view key_id) {
  ASSIGN_OR_RETURN(auto key,
                   docs_.Get<StoredKey>(keys::ApiKeys(org_id), key_id, ParseWith(&KeyFromJson)));
  if (!key) return absl::NotFoundError("api key not found");
  key->info.revoked = true;
  ASSIGN_OR_RETURN(RedisReply r, redis_->Command({"HSET", keys::ApiKeys(org_id),
                                                  std::string(key_id),
                                                  StoredKeyJson(*key).dump()}));
  (void)r;
  return absl::OkStatus();
}

absl::StatusOr<Principal> OrgStore::Authenticate(std::string_view token) {
  const absl::Status denied = absl::UnauthenticatedError("invalid or revoked API key");
  if (!token.starts_with(kTokenPrefix)) return denied;
  token.remove_prefix(kTokenPrefix.size());
  size_t dot = token.find('.');
  if (dot == std::string_view::npos) return denied;
  std::string key_id(token.substr(0, dot));
  std::string_view secret = token.substr(dot + 1);
  if (!IsWellFormedId(key_id, "key")) return denied;
  ASSIGN_OR_RETURN(RedisReply org, redis_->Command({"HGET", keys::KeyDirectory(), key_id}));
  if (org.IsNil()) return denied;
  ASSIGN_OR_RETURN(auto key,
                   docs_.Get<StoredKey>(keys::ApiKeys(org.str), key_id, ParseWith(&KeyFromJson)));
  if (!key || key->info.revoked ||
      !ConstantTimeEquals(Sha256Hex(secret), key->secret_sha256)) {
    return denied;
  }
  ASSIGN_OR_RETURN(auto officer, GetOfficer(org.str, key->info.officer_id));
  if (!officer || officer->disabled) return denied;
  return PrincipalOf(*officer, std::move(key_id));
}

Principal PrincipalOf(const Officer& officer, std::string key_id) {
  Principal p;
  p.org_id = officer.org_id;
  p.officer_id = officer.id;
  p.key_id = std::move(key_id);
  p.role = officer.role;
  p.scope = officer.role == Role::kAdmin ? PostScope::All() : PostScope::Of(officer.posts);
  return p;
}

}  // namespace ogw
