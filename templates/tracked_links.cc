#include "templates/tracked_links.h"

#include <charconv>

#include "gateway/core/crypto.h"
#include "gateway/core/key_schema.h"

namespace ogw {
namespace {

constexpr size_t kRandomChars = 12;
constexpr size_t kCheckChars = 6;

bool IsBase32(std::string_view s) {
  for (char c : s) {
    if (!((c >= 'a' && c <= 'z') || (c >= '2' && c <= '7'))) return false;
  }
  return true;
}

}  // namespace

TrackedLinks::TrackedLinks(RedisPool* redis, const Clock* clock, std::string secret,
                           int64_t ttl_seconds)
    : redis_(redis), clock_(clock), secret_(std::move(secret)), ttl_seconds_(ttl_seconds) {}

std::string TrackedLinks::Check(std::string_view random_part) const {
  return Base32Encode(HmacSha256(secret_, random_part)).substr(0, kCheckChars);
}

bool TrackedLinks::WellFormed(std::string_view token) const {
  if (token.size() != kRandomChars + kCheckChars || !IsBase32(token)) return false;
  return ConstantTimeEquals(Check(token.substr(0, kRandomChars)), token.substr(kRandomChars));
}

std::string TrackedLinks::Url(std::string_view public_base_url, std::string_view token) {
  return std::string(public_base_url) + "/l/" + std::string(token);
}

absl::StatusOr<std::string> TrackedLinks::Prepare(
    const LinkOwner& owner, std::string_view target_url,
    std::vector<std::vector<std::string>>* commands) const {
  if (!target_url.starts_with("https://") && !target_url.starts_with("http://")) {
    return absl::InvalidArgumentError("tracked links must point to http or https URLs");
  }
  std::string random = Base32Encode(RandomBytes(8)).substr(0, kRandomChars);
  std::string token = random + Check(random);
  const std::string key = keys::TrackedLink(token);
  commands->push_back({"HSET", key, "org", owner.org_id, "campaign", owner.campaign_id,
                       "contact", owner.contact_id, "index", std::to_string(owner.link_index),
                       "url", std::string(target_url)});
  commands->push_back({"EXPIRE", key, std::to_string(ttl_seconds_)});
  if (!owner.contact_id.empty()) {
    // The person's index: expired tokens are dropped as new ones come, and the index itself
    // expires with the newest link.
    const int64_t now = clock_->NowMillis();
    const std::string index = keys::ContactLinks(owner.org_id, owner.contact_id);
    commands->push_back({"ZADD", index, std::to_string(now + ttl_seconds_ * 1000), token});
    commands->push_back({"ZREMRANGEBYSCORE", index, "-inf", std::to_string(now)});
    commands->push_back({"EXPIRE", index, std::to_string(ttl_seconds_)});
  }
  return token;
}

absl::StatusOr<std::string> TrackedLinks::Mint(const LinkOwner& owner,
                                               std::string_view target_url) {
  std::vector<std::vector<std::string>> commands;
  ASSIGN_OR_RETURN(std::string token, Prepare(owner, target_url, &commands));
  ASSIGN_OR_RETURN(auto replies, redis_->Pipeline(commands));
  for (const auto& r : replies) RETURN_IF_ERROR(r.AsStatus());
  return token;
}

absl::StatusOr<ResolvedLink> TrackedLinks::Resolve(std::string_view token) {
  const absl::Status not_found = absl::NotFoundError("unknown link");
  if (!WellFormed(token)) return not_found;
  ASSIGN_OR_RETURN(RedisReply r, redis_->Command({"HMGET", keys::TrackedLink(token), "org",
                                                  "campaign", "contact", "index", "url"}));
  if (r.elements.size() != 5 || r.elements[0].IsNil() || r.elements[4].IsNil()) return not_found;
  ResolvedLink link;
  link.owner.org_id = r.elements[0].str;
  link.owner.campaign_id = r.elements[1].str;
  link.owner.contact_id = r.elements[2].str;
  const std::string& index = r.elements[3].str;
  std::from_chars(index.data(), index.data() + index.size(), link.owner.link_index);
  link.target_url = r.elements[4].str;
  return link;
}

absl::Status TrackedLinks::ForgetContact(std::string_view org_id, std::string_view contact_id) {
  const std::string index = keys::ContactLinks(org_id, contact_id);
  ASSIGN_OR_RETURN(RedisReply tokens, redis_->Command({"ZRANGE", index, "0", "-1"}));
  // One DEL per link: the links are global keys, each in its own cluster slot.
  std::vector<std::vector<std::string>> commands;
  for (const RedisReply& token : tokens.elements) {
    commands.push_back({"DEL", keys::TrackedLink(token.str)});
  }
  commands.push_back({"DEL", index});
  ASSIGN_OR_RETURN(std::vector<RedisReply> replies, redis_->Pipeline(commands));
  for (const RedisReply& reply : replies) RETURN_IF_ERROR(reply.AsStatus());
  return absl::OkStatus();
}

}  // namespace ogw
