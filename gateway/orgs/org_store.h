#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "gateway/auth/principal.h"
#include "gateway/core/clock.h"
#include "gateway/core/json_hash_store.h"
#include "gateway/core/redis_client.h"
#include "gateway/core/status.h"

namespace ogw {

// A diaspora institution (ministry, directorate): the tenant. Owns posts, officers, contacts.
struct Organisation {
  std::string id;  // "org_..."
  std::string name;
  std::string default_language = "en";
  int64_t created_at_millis = 0;
};

// An embassy or consulate of an organisation.
struct Post {
  std::string id;  // "post_..."
  std::string org_id;
  std::string name;
  std::string country;  // ISO 3166-1 alpha-2 of the host country; may be empty.
  std::string city;
  std::string default_language;  // BCP 47; empty = the organisation's.
  std::string time_zone;         // IANA; may be empty.
  int64_t created_at_millis = 0;
};

// A person who works with the gateway through API keys.
struct Officer {
  std::string id;  // "off_..."
  std::string org_id;
  std::string name;
  std::string email;
  Role role = Role::kViewer;
  std::vector<std::string> posts;  // Ignored for admins (they see every post).
  bool disabled = false;
  int64_t created_at_millis = 0;
};

// An API key as stored: only the SHA-256 of its secret, never the secret itself.
struct ApiKeyInfo {
  std::string id;  // "key_..."
  std::string officer_id;
  int64_t created_at_millis = 0;
  bool revoked = false;
};

// Who `officer` is when calling with the key or session `key_id`: their organisation and
// role, and every post for an admin, else their own posts.
Principal PrincipalOf(const Officer& officer, std::string key_id);

nlohmann::json ToJson(const Organisation& org);
nlohmann::json ToJson(const Post& post);
nlohmann::json ToJson(const Officer& officer);
nlohmann::json ToJson(const ApiKeyInfo& key);

// Organisations, posts, officers and API keys in Redis. Thread-safe.
class OrgStore {
 public:
  OrgStore(RedisPool* redis, const Clock* clock);

  absl::StatusOr<Organisation> CreateOrganisation(std::string name, std::string default_language);
  absl::StatusOr<std::optional<Organisation>> GetOrganisation(std::string_view org_id);
  absl::StatusOr<std::vector<Organisation>> ListOrganisations();

  // `post.id` and created time are assigned.
  absl::StatusOr<Post> CreatePost(Post post);
  absl::StatusOr<std::optional<Post>> GetPost(std::string_view org_id, std::string_view post_id);
  absl::StatusOr<std::vector<Post>> ListPosts(std::string_view org_id);
  // Replaces a post's editable fields. NotFound when absent.
  absl::Status UpdatePost(const Post& post);

  // Posts named in `officer.posts` must exist (InvalidArgument naming the post otherwise).
  absl::StatusOr<Officer> CreateOfficer(Officer officer);
  absl::StatusOr<std::optional<Officer>> GetOfficer(std::string_view org_id,
                                                    std::string_view officer_id);
  absl::StatusOr<std::vector<Officer>> ListOfficers(std::string_view org_id);
  absl::Status UpdateOfficer(const Officer& officer);

  // Issues a key for an officer. Returns the key info and the full secret token, which is
  // shown to the caller once and never stored.
  absl::StatusOr<std::pair<ApiKeyInfo, std::string>> CreateApiKey(std::string_view org_id,
                                                                  std::string_view officer_id);
  absl::StatusOr<std::vector<ApiKeyInfo>> ListApiKeys(std::string_view org_id,
                                                      std::string_view officer_id);
  absl::Status RevokeApiKey(std::string_view org_id, std::string_view key_id);

  // Resolves a presented token. Unauthenticated for unknown, malformed, revoked keys and
  // disabled officers (one message for all, so callers learn nothing about which).
  absl::StatusOr<Principal> Authenticate(std::string_view token);

 private:
  absl::Status ValidatePosts(std::string_view org_id, const std::vector<std::string>& posts);

  RedisPool* redis_;
  const Clock* clock_;
  JsonHashStore docs_;
};

}  // namespace ogw
