#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "gateway/core/clock.h"
#include "gateway/core/redis_client.h"
#include "gateway/core/status.h"

namespace ogw {

// Whom a tracked link was minted for.
struct LinkOwner {
  std::string org_id;
  std::string campaign_id;  // May be empty (e.g. a preview or a one-off message).
  std::string contact_id;
  uint32_t link_index = 0;  // Position of the link in its message.
};

struct ResolvedLink {
  LinkOwner owner;
  std::string target_url;
};

// Personal tracked links: every link in a message becomes <base>/l/<token>, unique per
// recipient. A token is 12 random base32 characters (60 bits) followed by a 6-character
// HMAC-SHA256 check (30 bits) over them, so forged or mistyped tokens are rejected without a
// lookup and tokens cannot be enumerated. The target and owner are stored in
// ogw:lnk:<token> (a hash, expiring after `ttl_seconds`), and indexed per person in
// {o:<org>}:clnk:<contact> so erasure can find them. Resolving a token writes nothing: the
// caller counts the click in its campaign's report (CampaignResponses::CountClick) and notes it in
// the person's conversation. No other record of who clicked what is kept. Thread-safe.
class TrackedLinks {
 public:
  TrackedLinks(RedisPool* redis, const Clock* clock, std::string secret, int64_t ttl_seconds);

  // Stores a new token for `target_url` (http or https only) and returns it.
  absl::StatusOr<std::string> Mint(const LinkOwner& owner, std::string_view target_url);
  // The same without the round trip: returns the token and appends the Redis commands that
  // store it to `commands`, for a caller minting the links of many messages in one pipeline
  // (they must run before the message goes out).
  absl::StatusOr<std::string> Prepare(const LinkOwner& owner, std::string_view target_url,
                                      std::vector<std::vector<std::string>>* commands) const;
  // The full URL for a token under `public_base_url` (no trailing slash).
  static std::string Url(std::string_view public_base_url, std::string_view token);

  // The link behind a token. NotFound for malformed, forged, unknown or expired tokens (one
  // answer for all, so callers learn nothing).
  absl::StatusOr<ResolvedLink> Resolve(std::string_view token);

  // Erasure: deletes every live link minted for the contact (their targets may hold
  // interpolated personal data).
  absl::Status ForgetContact(std::string_view org_id, std::string_view contact_id);

  // Whether `token` carries a valid check (no lookup).
  bool WellFormed(std::string_view token) const;

 private:
  std::string Check(std::string_view random_part) const;

  RedisPool* redis_;
  const Clock* clock_;
  std::string secret_;
  int64_t ttl_seconds_;
};

}  // namespace ogw
