#include "gateway/invitations/event_messages.h"

#include <spdlog/spdlog.h>

#include <array>
#include <map>

#include "gateway/core/key_schema.h"
#include "gateway/invitations/ics.h"
#include "gateway/invitations/rsvp_reply.h"
#include "gateway/invitations/rsvp_texts.h"
#include "templates/markdown_render.h"
#include "templates/opt_out.h"

namespace ogw {
namespace {

constexpr std::array<std::string_view, 5> kPurposeNames = {"invitation", "nudge", "reminder",
                                                           "update", "thanks"};
constexpr int64_t kMinute = 60'000;
// A launch due this close to now goes at once rather than through the sweep.
constexpr int64_t kLaunchNowMillis = 60'000;

const std::map<std::string_view, EventAnswerWords>& AnswerWordsByLanguage() {
  static const auto* words = new std::map<std::string_view, EventAnswerWords>{
      {"en", {"Yes", "No", "Maybe", "Reply 1 = yes, 2 = no, 3 = maybe", "Answer online", "Add to calendar"}},
      {"fr", {"Oui", "Non", "Peut-être", "Répondez 1 = oui, 2 = non, 3 = peut-être", "Répondre en ligne", "Ajouter au calendrier"}},
      {"es", {"Sí", "No", "Quizás", "Responda 1 = sí, 2 = no, 3 = quizás", "Responder en línea", "Añadir al calendario"}},
      {"pt", {"Sim", "Não", "Talvez", "Responda 1 = sim, 2 = não, 3 = talvez", "Responder online", "Adicionar ao calendário"}},
      {"de", {"Ja", "Nein", "Vielleicht", "Antworten Sie 1 = ja, 2 = nein, 3 = vielleicht", "Online antworten", "Zum Kalender hinzufügen"}},
      {"ar", {"نعم", "لا", "ربما", "أرسل 1 = نعم، 2 = لا، 3 = ربما", "الرد عبر الإنترنت", "إضافة إلى التقويم"}},
      {"ru", {"Да", "Нет", "Возможно", "Ответьте 1 = да, 2 = нет, 3 = возможно", "Ответить онлайн", "Добавить в календарь"}},
      {"uk", {"Так", "Ні", "Можливо", "Надішліть 1 = так, 2 = ні, 3 = можливо", "Відповісти онлайн", "Додати до календаря"}},
      {"ka", {"კი", "არა", "შესაძლოა", "უპასუხეთ 1 = კი, 2 = არა, 3 = შესაძლოა", "ონლაინ პასუხი", "კალენდარში დამატება"}},
      {"tr", {"Evet", "Hayır", "Belki", "Yanıtlayın: 1 = evet, 2 = hayır, 3 = belki", "Çevrimiçi yanıtla", "Takvime ekle"}},
  };
  return *words;
}

}  // namespace

const EventAnswerWords& AnswerWordsFor(std::string_view language) {
  const auto& all = AnswerWordsByLanguage();
  const std::string_view primary = language.substr(0, language.find('-'));
  auto it = all.find(primary);
  return it != all.end() ? it->second : all.at("en");
}

std::string_view EventPurposeName(EventPurpose purpose) {
  return kPurposeNames[static_cast<size_t>(purpose)];
}

std::optional<EventPurpose> ParseEventPurpose(std::string_view name) {
  for (size_t i = 0; i < kPurposeNames.size(); ++i) {
    if (kPurposeNames[i] == name) return static_cast<EventPurpose>(i);
  }
  return std::nullopt;
}

std::vector<SeatState> AudienceOf(EventPurpose purpose) {
  switch (purpose) {
    case EventPurpose::kInvitation:
      return {SeatState::kInvited};
    case EventPurpose::kNudge:
      return {SeatState::kInvited, SeatState::kMaybe};
    case EventPurpose::kReminder:
      return {SeatState::kYes};
    case EventPurpose::kUpdate:
      return {SeatState::kYes, SeatState::kOffered, SeatState::kWaitlisted};
    case EventPurpose::kThanks:
      return {SeatState::kAttended};
  }
  return {};
}

bool AsksForAnswer(EventPurpose purpose) {
  return purpose == EventPurpose::kInvitation || purpose == EventPurpose::kNudge;
}

bool CarriesCalendar(EventPurpose purpose) {
  return purpose == EventPurpose::kInvitation || purpose == EventPurpose::kReminder ||
         purpose == EventPurpose::kUpdate;
}

nlohmann::json EventVariables(const Event& event, std::string_view language,
                              std::string_view time_zone) {
  const std::vector<std::string> languages = {std::string(language)};
  const EventText& text = event.TextFor(languages);
  const std::string zone(time_zone.empty() ? std::string_view(event.time_zone) : time_zone);
  return {{"id", event.id},
          {"title", text.title},
          {"description", text.description},
          {"when", FormatEventTime(event.starts_at_millis, zone, language)},
          {"ends", FormatEventTime(event.ends_at_millis, zone, language)},
          {"deadline", FormatEventTime(event.rsvp_deadline_millis, zone, language)},
          {"place", event.place},
          {"online_url", event.online_url},
          {"organiser", event.organiser},
          {"time_zone", zone}};
}

namespace {

bool IsChat(Channel channel) {
  return channel == Channel::kTelegram || channel == Channel::kWhatsApp ||
         channel == Channel::kMessenger;
}

}  // namespace

void AddAboveOptOut(Channel channel, std::string_view language, std::string_view lines,
                    OutboundMessage* message) {
  const std::string opt_out = "\n\n" + OptOutText(channel, language);
  if (opt_out.size() > 2 && message->text.ends_with(opt_out)) {
    message->text.insert(message->text.size() - opt_out.size(), lines);
  } else {
    message->text += lines;
  }
}

void AddAnswerPrompt(Channel channel, std::string_view language, OutboundMessage* message) {
  const EventAnswerWords& words = AnswerWordsFor(language);
  if (channel == Channel::kSms) {
    AddAboveOptOut(channel, language, "\n" + std::string(words.sms_line), message);
    return;
  }
  if (!IsChat(channel) || !message->buttons.empty()) return;
  for (auto [answer, title] :
       {std::pair{RsvpAnswer::kYes, words.yes}, std::pair{RsvpAnswer::kNo, words.no},
        std::pair{RsvpAnswer::kMaybe, words.maybe}}) {
    QuickReply& b = message->buttons.emplace_back();
    b.id = RsvpButtonId(answer);
    b.title = std::string(title);
  }
}

void AddEventLinks(Channel channel, std::string_view language, EventPurpose purpose,
                   std::string_view page_url, OutboundMessage* message) {
  if (page_url.empty()) return;
  const EventAnswerWords& words = AnswerWordsFor(language);
  if (channel == Channel::kEmail && AsksForAnswer(purpose)) {
    const std::string label(words.answer_online);
    message->text += "\n\n" + label + ": " + std::string(page_url);
    if (!message->html.empty()) {
      const std::string link = "<p><a href=\"" + HtmlEscape(page_url) + "\">" +
                               HtmlEscape(label) + "</a></p>";
      const size_t body_end = message->html.rfind("</body>");
      message->html.insert(body_end == std::string::npos ? message->html.size() : body_end, link);
    }
  } else if (IsChat(channel) && CarriesCalendar(purpose)) {
    AddAboveOptOut(channel, language,
                   "\n\n" + std::string(words.add_to_calendar) + ": " + std::string(page_url) +
                       "/calendar.ics",
                   message);
  }
}

std::string CalendarUidDomain(std::string_view public_base_url) {
  const size_t scheme = public_base_url.find("://");
  std::string_view host =
      scheme == std::string_view::npos ? public_base_url : public_base_url.substr(scheme + 3);
  return std::string(host.substr(0, host.find_first_of("/:")));
}

Attachment CalendarAttachment(const Event& event, const std::vector<std::string>& languages,
                              std::string_view attendee_email, std::string_view uid_domain,
                              int64_t now_millis) {
  IcsOptions options;
  options.languages = languages;
  options.uid_domain = std::string(uid_domain);
  options.attendee_email = std::string(attendee_email);
  options.dtstamp_millis = now_millis;
  Attachment a;
  a.filename = "invite.ics";
  a.content_type = "text/calendar; charset=UTF-8; method=PUBLISH";
  a.data = BuildIcs(event, options);
  return a;
}

EventMessageRequest ReadEventMessageRequest(JsonReader& r) {
  EventMessageRequest request;
  std::string purpose;
  r.String("purpose", &purpose, true);
  if (!purpose.empty()) {
    if (auto parsed = ParseEventPurpose(purpose)) {
      request.purpose = *parsed;
    } else {
      r.Error("purpose", "must be invitation, nudge, reminder, update or thanks");
    }
  }
  Campaign& c = request.campaign;
  c.channel = "preferred";
  r.String("name", &c.name);
  r.String("template_id", &c.template_id, true);
  r.String("channel", &c.channel);
  r.AnyObject("variables", &c.variables);
  int64_t send_at = 0;
  r.Int("send_at", &send_at, 1, int64_t{32503680000000});
  if (send_at != 0) request.send_at_millis = send_at;
  int64_t before = -1;
  r.Int("before_start_minutes", &before, 0, int64_t{60} * 24 * 60);
  if (before >= 0) request.before_start_minutes = before;
  if (request.send_at_millis && request.before_start_minutes) {
    r.Error("before_start_minutes", "give send_at or before_start_minutes, not both");
  }
  c.quiet_hours = QuietHours{21 * 60, 8 * 60};
  ReadQuietHours(r, /*equal_means_none=*/true, &c.quiet_hours);
  if (c.channel != "preferred" && !ParseChannel(c.channel)) {
    r.Error("channel", "must be preferred, email, sms, whatsapp, telegram or messenger");
  }
  if (c.name.size() > 200) r.Error("name", "must be at most 200 bytes");
  if (c.variables.contains("contact") || c.variables.contains("event")) {
    r.Error("variables", "contact and event are filled for each person and cannot be set");
  }
  return request;
}

absl::StatusOr<std::vector<Campaign>> EventMessages::Create(const Event& event,
                                                            const EventMessageRequest& request,
                                                            std::string_view officer_id) {
  const int64_t now = clock_->NowMillis();
  if (event.cancelled_at_millis != 0 && request.purpose != EventPurpose::kUpdate) {
    return absl::FailedPreconditionError(
        "the event is cancelled: only an update can still go to its people");
  }
  // When each message goes: send_at, the start less an offset, the event's reminder offsets,
  // or now.
  // Each time with its offset before the start, when it has one (it then follows the event).
  std::vector<std::pair<int64_t, std::optional<int64_t>>> times;
  if (request.send_at_millis) {
    times.push_back({*request.send_at_millis, std::nullopt});
  } else if (request.before_start_minutes) {
    times.push_back({event.starts_at_millis - *request.before_start_minutes * kMinute,
                     *request.before_start_minutes});
  } else if (request.purpose == EventPurpose::kReminder) {
    if (event.reminder_minutes.empty()) {
      return absl::InvalidArgumentError(
          "before_start_minutes: required for a reminder when the event has no "
          "reminder_minutes");
    }
    for (int64_t minutes : event.reminder_minutes) {
      times.push_back({event.starts_at_millis - minutes * kMinute, minutes});
    }
  } else {
    times.push_back({now, std::nullopt});
  }
  // Explicit times must lie ahead; of the event's own reminder offsets, passed ones are
  // skipped (a reminder a week ahead, for an event created five days before).
  const bool explicit_time = request.send_at_millis || request.before_start_minutes;
  const std::string field = request.send_at_millis ? "send_at" : "before_start_minutes";
  std::vector<std::pair<int64_t, std::optional<int64_t>>> due;
  for (const auto& [at, offset] : times) {
    if (request.purpose != EventPurpose::kThanks && at > event.ends_at_millis) {
      return absl::InvalidArgumentError(field + ": after the event has ended");
    }
    if (at < now - kLaunchNowMillis) {
      if (explicit_time) return absl::InvalidArgumentError(field + ": is past");
      continue;
    }
    due.push_back({at, offset});
  }
  if (due.empty()) {
    return absl::InvalidArgumentError(
        "before_start_minutes: every reminder time of the event has passed");
  }

  std::vector<Campaign> out;
  for (const auto& [at, offset] : due) {
    Campaign c = request.campaign;
    c.org_id = event.org_id;
    c.post_id = event.post_id;
    c.event_id = event.id;
    c.event_purpose = std::string(EventPurposeName(request.purpose));
    c.event_before_start_minutes = offset;
    if (c.name.empty()) {
      c.name = std::string(EventPurposeName(request.purpose)) + ": " +
               event.TextFor({event.default_language}).title;
      if (c.name.size() > 200) c.name.resize(200);
    }
    c.created_by = std::string(officer_id);
    ASSIGN_OR_RETURN(Campaign created, campaigns_->Create(c));
    if (at <= now + kLaunchNowMillis) {
      ASSIGN_OR_RETURN(created, launcher_->Launch(created.org_id, created.id));
    } else {
      // Launched by the sweep when due, so the audience is who is in the state then.
      ASSIGN_OR_RETURN(RedisReply added,
                       redis_->Command({"ZADD", keys::EventMessagesDue(event.org_id),
                                        std::to_string(at), created.id}));
      (void)added;
    }
    out.push_back(std::move(created));
  }
  return out;
}

absl::StatusOr<std::vector<std::pair<std::string, Campaign>>> EventMessages::Waiting(
    const Event& event) {
  ASSIGN_OR_RETURN(RedisReply waiting,
                   redis_->Command({"ZRANGE", keys::EventMessagesDue(event.org_id), "0", "-1"}));
  std::vector<std::pair<std::string, Campaign>> out;
  for (const RedisReply& id : waiting.elements) {
    ASSIGN_OR_RETURN(std::optional<Campaign> c, campaigns_->Get(event.org_id, id.str));
    if (c && c->event_id == event.id && c->launched_at_millis == 0) {
      out.emplace_back(id.str, *std::move(c));
    }
  }
  return out;
}

absl::StatusOr<size_t> EventMessages::FollowEventTime(const Event& event) {
  ASSIGN_OR_RETURN(auto waiting, Waiting(event));
  size_t moved = 0;
  for (const auto& [id, c] : waiting) {
    if (!c.event_before_start_minutes) continue;
    // Passed by the move (an event brought forward): the next sweep sends it.
    const int64_t at = event.starts_at_millis - *c.event_before_start_minutes * kMinute;
    // XX: a sweep that launched it meanwhile has removed it; it is not put back.
    ASSIGN_OR_RETURN(RedisReply changed,
                     redis_->Command({"ZADD", keys::EventMessagesDue(event.org_id), "XX", "CH",
                                      std::to_string(at), id}));
    moved += static_cast<size_t>(changed.integer);
  }
  return moved;
}

absl::StatusOr<size_t> EventMessages::DropWaiting(const Event& event) {
  ASSIGN_OR_RETURN(auto waiting, Waiting(event));
  size_t dropped = 0;
  for (const auto& [id, c] : waiting) {
    ASSIGN_OR_RETURN(RedisReply removed,
                     redis_->Command({"ZREM", keys::EventMessagesDue(event.org_id), id}));
    dropped += static_cast<size_t>(removed.integer);
  }
  return dropped;
}

namespace {
// KEYS: a due set. ARGV: member, score. Removes the member only if it still has that score.
const RedisScript kRemoveIfScoreScript(R"lua(
if redis.call('ZSCORE', KEYS[1], ARGV[1]) == ARGV[2] then
  return redis.call('ZREM', KEYS[1], ARGV[1])
end
return 0
)lua");
}  // namespace

absl::StatusOr<size_t> EventMessages::LaunchDue(std::string_view org_id) {
  const std::string due_key = keys::EventMessagesDue(org_id);
  ASSIGN_OR_RETURN(RedisReply due, redis_->Command({"ZRANGEBYSCORE", due_key, "-inf",
                                                    std::to_string(clock_->NowMillis()),
                                                    "WITHSCORES", "LIMIT", "0", "20"}));
  size_t launched = 0;
  for (size_t i = 0; i + 1 < due.elements.size(); i += 2) {
    const RedisReply& id = due.elements[i];
    auto result = launcher_->Launch(org_id, id.str, nullptr, /*planned_only=*/true);
    if (!result.ok()) {
      const absl::StatusCode code = result.status().code();
      // Another worker's launch in progress: try on the next sweep.
      if (code == absl::StatusCode::kFailedPrecondition &&
          MessageOf(result.status()).find("in progress") != std::string_view::npos) {
        continue;
      }
      // A plan taken back, or moved later: its entry goes unless it was planned anew.
      if (code == absl::StatusCode::kCancelled) {
        ASSIGN_OR_RETURN(RedisReply dropped, redis_->Eval(kRemoveIfScoreScript, {due_key},
                                                          {id.str, due.elements[i + 1].str}));
        (void)dropped;
        continue;
      }
      // Launched already, nobody in the state any more, or the campaign or its template
      // deleted: nothing left to do for it.
      if (code != absl::StatusCode::kFailedPrecondition && code != absl::StatusCode::kNotFound &&
          code != absl::StatusCode::kInvalidArgument) {
        // Redis away, or a launch half done: tried again next sweep, the others go on.
        spdlog::warn("planned launch of {} in {}: {}", id.str, org_id,
                     MessageOf(result.status()));
        continue;
      }
      spdlog::info("planned launch of {} in {}: {}", id.str, org_id, MessageOf(result.status()));
      RETURN_IF_ERROR(NoteLaunchError(org_id, id.str, MessageOf(result.status())));
    } else {
      ++launched;
    }
    // Only the entry that was due: a plan made again meanwhile keeps its new time.
    ASSIGN_OR_RETURN(RedisReply removed, redis_->Eval(kRemoveIfScoreScript, {due_key},
                                                      {id.str, due.elements[i + 1].str}));
    (void)removed;
  }
  return launched;
}

absl::Status EventMessages::NoteLaunchError(std::string_view org_id, std::string_view campaign_id,
                                            std::string_view error) {
  // Under the launch lock, so an officer's edit or new plan meanwhile is not overwritten;
  // someone holding it is changing the campaign anyway.
  ASSIGN_OR_RETURN(std::unique_ptr<LaunchLock> lock, campaigns_->HoldLaunch(org_id, campaign_id));
  if (!lock) return absl::OkStatus();
  ASSIGN_OR_RETURN(std::optional<Campaign> campaign, campaigns_->Get(org_id, campaign_id));
  // Event messages that found nobody left to nudge are settled, not failed.
  if (!campaign || campaign->launched() || !campaign->event_id.empty()) return absl::OkStatus();
  campaign->launch_error = std::string(error);
  return campaigns_->Update(*campaign);
}

absl::StatusOr<Campaign> EventMessages::PlanLaunch(std::string_view org_id,
                                                   std::string_view campaign_id,
                                                   int64_t at_millis) {
  ASSIGN_OR_RETURN(std::unique_ptr<LaunchLock> lock, campaigns_->HoldLaunch(org_id, campaign_id));
  if (!lock) return absl::FailedPreconditionError("a launch of this campaign is in progress");
  ASSIGN_OR_RETURN(std::optional<Campaign> campaign, campaigns_->Get(org_id, campaign_id));
  if (!campaign) return absl::NotFoundError("campaign not found");
  if (campaign->launched()) return absl::FailedPreconditionError("campaign already launched");
  campaign->launch_at_millis = at_millis;
  campaign->launch_error.clear();
  RETURN_IF_ERROR(campaigns_->Update(*campaign));
  RETURN_IF_ERROR(redis_
                      ->Command({"ZADD", keys::EventMessagesDue(org_id), std::to_string(at_millis),
                                 std::string(campaign_id)})
                      .status());
  return *campaign;
}

absl::StatusOr<std::optional<Campaign>> EventMessages::UnplanLaunch(std::string_view org_id,
                                                                    std::string_view campaign_id) {
  ASSIGN_OR_RETURN(std::unique_ptr<LaunchLock> lock, campaigns_->HoldLaunch(org_id, campaign_id));
  if (!lock) return absl::FailedPreconditionError("a launch of this campaign is in progress");
  ASSIGN_OR_RETURN(RedisReply removed, redis_->Command({"ZREM", keys::EventMessagesDue(org_id),
                                                        std::string(campaign_id)}));
  ASSIGN_OR_RETURN(std::optional<Campaign> campaign, campaigns_->Get(org_id, campaign_id));
  if (!campaign || campaign->launched() ||
      (removed.integer == 0 && campaign->launch_at_millis == 0)) {
    return std::nullopt;
  }
  campaign->launch_at_millis = 0;
  RETURN_IF_ERROR(campaigns_->Update(*campaign));
  return campaign;
}

}  // namespace ogw
