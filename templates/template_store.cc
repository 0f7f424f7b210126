#include "templates/template_store.h"

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

TemplateStore::TemplateStore(RedisPool* redis, const Clock* clock)
    : redis_(redis), clock_(clock), docs_(redis, "template") {}

absl::StatusOr<Template> TemplateStore::Create(Template t) {
  t.id = NewId("tpl", clock_->NowMillis());
  t.version = 1;
  t.created_at_millis = t.updated_at_millis = clock_->NowMillis();
  RETURN_IF_ERROR(docs_.Put(keys::Templates(t.org_id), t.id, ToJson(t).dump()));
  return t;
}

absl::StatusOr<std::optional<Template>> TemplateStore::Get(std::string_view org_id,
                                                           std::string_view id) {
  return docs_.Get<Template>(keys::Templates(org_id), id, Parse);
}

absl::StatusOr<std::vector<Template>> TemplateStore::List(std::string_view org_id) {
  return docs_.List<Template>(keys::Templates(org_id), Parse);
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
  return docs_.Put(keys::CampaignTemplates(org_id), campaign_id, ToJson(t).dump());
}

absl::StatusOr<std::optional<Template>> TemplateStore::GetFrozen(std::string_view org_id,
                                                                 std::string_view campaign_id) {
  return docs_.Get<Template>(keys::CampaignTemplates(org_id), campaign_id, Parse);
}

absl::Status TemplateStore::Delete(std::string_view org_id, std::string_view id) {
  return docs_.Delete(keys::Templates(org_id), id);
}

}  // namespace ogw
