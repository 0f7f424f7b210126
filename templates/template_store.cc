#include "templates/template_store.h"

#include <algorithm>

#include "gateway/core/ids.h"
#include "gateway/core/key_schema.h"

namespace ogw {
namespace {

absl::StatusOr<Template> Parse(const std::string& doc) {
  nlohmann::json j = nlohmann::json::parse(doc, nullptr, false);
  if (j.is_discarded()) return absl::DataLossError("stored template is not JSON");
  return TemplateFromStoredJson(j);
}

// Replaces an existing entry whose version is still ARGV[3], atomically.
const RedisScript kReplace(R"lua(
local current = redis.call('HGET', KEYS[1], ARGV[1])
if not current then return 0 end
if cjson.decode(current).version ~= tonumber(ARGV[3]) then return -1 end
redis.call('HSET', KEYS[1], ARGV[1], ARGV[2])
return 1
)lua");

}  // namespace

TemplateStore::TemplateStore(RedisPool* redis, const Clock* clock) : redis_(redis), clock_(clock) {}

absl::StatusOr<Template> TemplateStore::Create(Template t) {
  t.id = NewId("tpl", clock_->NowMillis());
  t.version = 1;
  t.created_at_millis = t.updated_at_millis = clock_->NowMillis();
  ASSIGN_OR_RETURN(RedisReply r,
                   redis_->Command({"HSET", keys::Templates(t.org_id), t.id, ToJson(t).dump()}));
  (void)r;
  return t;
}

absl::StatusOr<std::optional<Template>> TemplateStore::Get(std::string_view org_id,
                                                           std::string_view id) {
  ASSIGN_OR_RETURN(RedisReply r,
                   redis_->Command({"HGET", keys::Templates(org_id), std::string(id)}));
  if (r.IsNil()) return std::optional<Template>();
  ASSIGN_OR_RETURN(Template t, Parse(r.str));
  return std::optional<Template>(std::move(t));
}

absl::StatusOr<std::vector<Template>> TemplateStore::List(std::string_view org_id) {
  ASSIGN_OR_RETURN(RedisReply r, redis_->Command({"HVALS", keys::Templates(org_id)}));
  std::vector<Template> out;
  for (const auto& e : r.elements) {
    ASSIGN_OR_RETURN(Template t, Parse(e.str));
    out.push_back(std::move(t));
  }
  std::sort(out.begin(), out.end(), [](const Template& a, const Template& b) { return a.id < b.id; });
  return out;
}

absl::StatusOr<Template> TemplateStore::Update(Template t) {
  ASSIGN_OR_RETURN(auto existing, Get(t.org_id, t.id));
  if (!existing) return absl::NotFoundError("template not found");
  const int64_t expected = t.version;
  t.created_at_millis = existing->created_at_millis;
  t.version = expected + 1;
  t.updated_at_millis = clock_->NowMillis();
  ASSIGN_OR_RETURN(RedisReply r, redis_->Eval(kReplace, {keys::Templates(t.org_id)},
                                              {t.id, ToJson(t).dump(), std::to_string(expected)}));
  if (r.integer == 0) return absl::NotFoundError("template not found");
  if (r.integer < 0) {
    return absl::AbortedError("the template was changed concurrently; read it and retry");
  }
  return t;
}

absl::Status TemplateStore::Freeze(std::string_view org_id, std::string_view campaign_id,
                                   const Template& t) {
  ASSIGN_OR_RETURN(RedisReply r, redis_->Command({"HSET", keys::CampaignTemplates(org_id),
                                                  std::string(campaign_id), ToJson(t).dump()}));
  return r.AsStatus();
}

absl::StatusOr<std::optional<Template>> TemplateStore::GetFrozen(std::string_view org_id,
                                                                 std::string_view campaign_id) {
  ASSIGN_OR_RETURN(RedisReply r, redis_->Command({"HGET", keys::CampaignTemplates(org_id),
                                                  std::string(campaign_id)}));
  if (r.IsNil()) return std::optional<Template>();
  ASSIGN_OR_RETURN(Template t, Parse(r.str));
  return std::optional<Template>(std::move(t));
}

absl::Status TemplateStore::Delete(std::string_view org_id, std::string_view id) {
  ASSIGN_OR_RETURN(RedisReply r,
                   redis_->Command({"HDEL", keys::Templates(org_id), std::string(id)}));
  if (r.integer == 0) return absl::NotFoundError("template not found");
  return absl::OkStatus();
}

}  // namespace ogw
