#include "gateway/campaigns/survey_responder.h"

#include <spdlog/spdlog.h>

#include "gateway/campaigns/campaign_launcher.h"
#include "queue/campaign_keys.h"
#include "queue/campaign_responses.h"

namespace ogw {
namespace {

// KEYS: the campaign's survey states, its stats, the question's bitmap, the answer's bitmap.
// ARGV: index, the question the reply was read against, how, question key, value ("":
// unclear), number of questions.
// Returns {outcome, the person's question now}: "answered", "unclear", "again" (this message
// was read before), "moved" (another reply moved them on meanwhile) or "done".
const RedisScript kAnswerScript(R"lua(
local raw = redis.call('HGET', KEYS[1], ARGV[1])
local st = raw and cjson.decode(raw) or {q = 0}
if st.last == ARGV[3] then return {'again', st.q} end
if st.done then return {'done', st.q} end
if tostring(st.q) ~= ARGV[2] then return {'moved', st.q} end
st.last = ARGV[3]
st.lq = ARGV[4]
st.la = ARGV[5] ~= '' and ARGV[5] or 'unclear'
if ARGV[5] == '' then
  redis.call('HINCRBY', KEYS[2], 'answer:' .. ARGV[4] .. ':unclear', 1)
  redis.call('HSET', KEYS[1], ARGV[1], cjson.encode(st))
  return {'unclear', st.q}
end
if type(st.answers) ~= 'table' then st.answers = {} end
st.answers[ARGV[4]] = ARGV[5]
st.q = st.q + 1
if st.q >= tonumber(ARGV[6]) then st.done = true end
redis.call('HSET', KEYS[1], ARGV[1], cjson.encode(st))
redis.call('SETBIT', KEYS[3], ARGV[1], 1)
redis.call('SETBIT', KEYS[4], ARGV[1], 1)
redis.call('HINCRBY', KEYS[2], 'answer:' .. ARGV[4] .. ':' .. ARGV[5], 1)
if st.q == 1 then redis.call('HINCRBY', KEYS[2], 'people_answered', 1) end
return {'answered', st.q}
)lua");

}  // namespace

absl::StatusOr<std::optional<SurveyOutcome>> SurveyResponder::OnReply(
    const PersonReply& reply) {
  const Contact& contact = *reply.contact;
  CampaignResponses responses(redis_, clock_, queue_->options().chunk_size);
  ASSIGN_OR_RETURN(std::string campaign_id,
                   responses.Attribute(reply.org_id, contact.id, reply.answered_campaign));
  if (campaign_id.empty()) return std::nullopt;
  ASSIGN_OR_RETURN(std::optional<Campaign> campaign, campaigns_->Get(reply.org_id, campaign_id));
  if (!campaign || campaign->in_channel_survey.empty()) return std::nullopt;
  const InChannelSurvey& survey = campaign->in_channel_survey;
  ASSIGN_OR_RETURN(std::optional<int64_t> index,
                   responses.IndexOf(reply.org_id, campaign_id, contact.id));
  if (!index) return std::nullopt;

  const CampaignKeys keys(reply.org_id, campaign_id);
  const std::string field = std::to_string(*index);
  ASSIGN_OR_RETURN(RedisReply state, redis_->Command({"HGET", keys.survey_state(), field}));
  size_t at = 0;
  if (!state.IsNil()) {
    const nlohmann::json st = nlohmann::json::parse(state.str, nullptr, false);
    if (!st.is_object()) return absl::DataLossError("survey state is not JSON");
    // A provider's retry of a message already read (it was not stored before a crash): read
    // as it was then, and nothing is asked again.
    if (st.value("last", "") == reply.how) {
      return SurveyOutcome{campaign_id, st.value("lq", ""), st.value("la", "unclear")};
    }
    if (st.value("done", false)) return std::nullopt;
    at = st.value("q", size_t{0});
  }
  if (at >= survey.questions.size()) return std::nullopt;
  const SurveyQuestion& question = survey.questions[at];
  const std::optional<std::string> answer = ReadSurveyAnswer(question, reply.text);
  SurveyOutcome outcome{campaign_id, question.key, answer.value_or("unclear")};

  // The next question first: should recording fail, the provider's retry asks it again
  // rather than leaving the person without it.
  const bool last = at + 1 == survey.questions.size();
  if (answer) {
    const std::string next = last ? TextIn(survey.thanks, contact.languages)
                                  : TextIn(survey.questions[at + 1].text, contact.languages);
    if (!next.empty()) RETURN_IF_ERROR(Say(reply, campaign_id, campaign->name, next));
  }
  ASSIGN_OR_RETURN(RedisReply written,
                   redis_->Eval(kAnswerScript,
                                {keys.survey_state(), keys.stats(), keys.answers(question.key, ""),
                                 keys.answers(question.key, answer.value_or(""))},
                                {field, std::to_string(at), reply.how, question.key,
                                 answer.value_or(""), std::to_string(survey.questions.size())}));
  if (written.elements.empty()) return absl::InternalError("survey: unexpected script reply");
  const std::string& result = written.elements[0].str;
  if (result == "done") return std::nullopt;
  if (result == "moved") {
    // Two replies at once: this one was read against a question already answered.
    outcome.answer = "unclear";
  }
  if (result == "answered" && last) {
    auto completed =
        responses.Mark(reply.org_id, campaign_id, contact.id, CampaignResponses::Kind::kCompleted);
    if (!completed.ok()) {
      spdlog::warn("survey: completion of {} in {} not counted: {}", contact.id, campaign_id,
                   MessageOf(completed.status()));
    }
  }
  return outcome;
}

absl::Status SurveyResponder::Say(const PersonReply& reply, const std::string& campaign_id,
                                  const std::string& subject, const std::string& text) {
  const auto where = ReplyAddress(*reply.contact, reply.channel, reply.address);
  if (!where) return absl::OkStatus();  // Written from an address the person does not have.
  DirectMessageInput message;
  message.contact_id = reply.contact->id;
  message.channel = static_cast<uint8_t>(where->first);
  message.address_index = static_cast<uint8_t>(where->second);
  message.payload = {{"contact_id", reply.contact->id},
                     {"channel", std::string(ChannelName(where->first))},
                     {"text", text},
                     {"subject", "Re: " + subject},
                     {"author", "system"},
                     {"system", "survey"},
                     {"campaign", campaign_id},
                     {"contact_post", reply.contact->post_id}};
  return queue_->EnqueueDirect(reply.org_id, message).status();
}

}  // namespace ogw
