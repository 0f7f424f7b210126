#include "gateway/segments/behaviour_facts.h"

#include <algorithm>
#include <memory>

#include "queue/campaign_keys.h"

namespace ogw {
namespace {

std::string Describe(const BehaviourRef& ref) {
  switch (ref.kind) {
    case BehaviourRef::Kind::kReplied:
      return "replied(\"" + ref.id + "\")";
    case BehaviourRef::Kind::kClicked:
      return "clicked(\"" + ref.id + "\")";
    case BehaviourRef::Kind::kOptedOut:
      return "opted_out(\"" + ref.id + "\")";
    case BehaviourRef::Kind::kCompleted:
      return "completed(\"" + ref.id + "\")";
    case BehaviourRef::Kind::kRsvp:
      return "rsvp(\"" + ref.id + "\", \"" + ref.state + "\")";
    case BehaviourRef::Kind::kAnswered:
      return "answered(\"" + ref.id + "\", \"" + ref.question + "\"" +
             (ref.state.empty() ? "" : ", \"" + ref.state + "\"") + ")";
  }
  return ref.id;
}

absl::StatusOr<std::unordered_set<std::string>> CampaignPeople(const BehaviourRef& ref,
                                                               std::string_view org_id,
                                                               const PostScope& scope,
                                                               const BehaviourSources& sources) {
  ASSIGN_OR_RETURN(std::optional<Campaign> campaign, sources.campaigns->Get(org_id, ref.id));
  // Visible as campaigns are: organisation-wide ones to everyone.
  if (!campaign || !(campaign->post_id.empty() || scope.Allows(campaign->post_id))) {
    return absl::InvalidArgumentError(Describe(ref) + ": no such campaign");
  }
  if (!campaign->launched()) {
    return absl::InvalidArgumentError(Describe(ref) + ": the campaign is not launched");
  }
  std::string bitmap(CampaignKeys::kReplied);
  switch (ref.kind) {
    case BehaviourRef::Kind::kAnswered: {
      const SurveyQuestion* question = campaign->in_channel_survey.Find(ref.question);
      if (question == nullptr) {
        return absl::InvalidArgumentError(Describe(ref) + ": the campaign asks no question " +
                                          ref.question);
      }
      const bool known =
          ref.state.empty() ||
          std::any_of(question->choices.begin(), question->choices.end(),
                      [&](const SurveyChoice& c) { return c.value == ref.state; });
      if (!known) {
        return absl::InvalidArgumentError(Describe(ref) + ": question " + ref.question +
                                          " has no answer " + ref.state);
      }
      bitmap = CampaignKeys::AnswersSuffix(ref.question, ref.state);
      break;
    }
    case BehaviourRef::Kind::kClicked:
      bitmap = CampaignKeys::kClicked;
      break;
    case BehaviourRef::Kind::kOptedOut:
      bitmap = CampaignKeys::kOptedOut;
      break;
    case BehaviourRef::Kind::kCompleted:
      bitmap = CampaignKeys::kCompleted;
      break;
    default:
      break;
  }
  ASSIGN_OR_RETURN(std::vector<std::string> ids,
                   sources.queue->RecipientsMarked(org_id, ref.id, bitmap));
  return std::unordered_set<std::string>(std::make_move_iterator(ids.begin()),
                                         std::make_move_iterator(ids.end()));
}

absl::StatusOr<std::unordered_set<std::string>> EventPeople(const BehaviourRef& ref,
                                                            std::string_view org_id,
                                                            const PostScope& scope,
                                                            const BehaviourSources& sources) {
  if (sources.events == nullptr || sources.seats == nullptr) {
    return absl::InvalidArgumentError(Describe(ref) + ": events are not available here");
  }
  ASSIGN_OR_RETURN(std::optional<Event> event, sources.events->Get(org_id, ref.id));
  if (!event || !(event->post_id.empty() || scope.Allows(event->post_id))) {
    return absl::InvalidArgumentError(Describe(ref) + ": no such event");
  }
  const std::optional<SeatState> state = ParseSeatState(ref.state);
  if (!state) return absl::InvalidArgumentError(Describe(ref) + ": unknown answer");
  std::unordered_set<std::string> people;
  std::string cursor;
  do {
    ASSIGN_OR_RETURN(PeoplePage page, sources.seats->List(org_id, ref.id, *state, cursor, 1000));
    for (PersonState& p : page.people) people.insert(std::move(p.contact_id));
    cursor = page.next_cursor;
  } while (!cursor.empty());
  return people;
}

}  // namespace

absl::StatusOr<SegmentExpression> BindBehaviour(const SegmentExpression& expression,
                                                std::string_view org_id, const PostScope& scope,
                                                const BehaviourSources& sources) {
  if (expression.behaviour().empty()) return expression;
  auto facts = std::make_shared<BehaviourFacts>();
  for (const BehaviourRef& ref : expression.behaviour()) {
    if (ref.kind == BehaviourRef::Kind::kRsvp) {
      ASSIGN_OR_RETURN(auto people, EventPeople(ref, org_id, scope, sources));
      facts->people.push_back(std::move(people));
    } else {
      ASSIGN_OR_RETURN(auto people, CampaignPeople(ref, org_id, scope, sources));
      facts->people.push_back(std::move(people));
    }
  }
  return SegmentExpression::Parse(expression.text(), std::move(facts));
}

}  // namespace ogw
