// A person's own page of an event, reached by the personal link in their messages
// (/e/<token>, PersonTokens::EventLinkToken): the event in their language and time zone, their
// answer with buttons to change it (none once the event is cancelled), and the calendar file.
// Public: the signed token is the person's key, and an unknown, forged or ended one gets the
// same 404. GET never changes anything (mail scanners follow links); the answer is a POST.

#include <spdlog/spdlog.h>

#include "gateway/api/route_helpers.h"
#include "gateway/invitations/event_messages.h"
#include "gateway/invitations/rsvp_reply.h"
#include "gateway/invitations/rsvp_responder.h"
#include "gateway/invitations/rsvp_texts.h"
#include "templates/markdown_render.h"

namespace ogw {
namespace {

// What a page is about: the event, the person and how they read.
struct PageSubject {
  Event event;
  Contact contact;
  std::string language;  // The first of theirs, else the event's default.
  SeatState state = SeatState::kInvited;
  int64_t waitlist_position = 0;
};

ApiResponse Page(int status, std::string_view language, std::string_view title,
                 std::string_view body) {
  return PublicHtml(status,
                    "<!doctype html><html lang=\"" + HtmlEscape(language) + "\" dir=\"" +
                        (IsRtlLanguage(language) ? "rtl" : "ltr") +
                        "\"><head><meta charset=\"utf-8\"><meta name=\"viewport\" "
                        "content=\"width=device-width\"><title>" +
                        HtmlEscape(title) + "</title></head><body><main><h1>" + HtmlEscape(title) +
                        "</h1>" + std::string(body) + "</main></body></html>",
                    language, PublicPage::kPersonalLink);
}

ApiResponse NotValid() {
  return Page(404, "en", "Link not valid",
              "<p>This link is not valid, or the event has ended.</p>");
}

ApiResponse TryAgain() {
  return Page(503, "en", "Please try again", "<p>We could not open this now. Please try again.</p>");
}

// The event and person the token names, or the page to answer instead.
std::optional<PageSubject> Resolve(RequestContext& ctx, ApiResponse* answer) {
  const std::optional<PersonTokens::EventLink> link =
      ctx.services.tokens == nullptr ? std::nullopt
                                     : ctx.services.tokens->ParseEventLinkToken(ctx.params[0]);
  if (!link || ctx.services.events == nullptr || ctx.services.event_seats == nullptr) {
    *answer = NotValid();
    return std::nullopt;
  }
  auto event = ctx.services.events->Get(link->org_id, link->event_id);
  auto contact = ctx.services.contacts->Get(link->org_id, link->contact_id);
  auto person = ctx.services.event_seats->Get(link->org_id, link->event_id, link->contact_id);
  if (!event.ok() || !contact.ok() || !person.ok()) {
    spdlog::warn("event page: {} {} {}", MessageOf(event.status()), MessageOf(contact.status()),
                 MessageOf(person.status()));
    *answer = TryAgain();
    return std::nullopt;
  }
  if (!*event || !*contact || !*person ||
      ctx.services.clock->NowMillis() >= (*event)->ends_at_millis) {
    *answer = NotValid();
    return std::nullopt;
  }
  PageSubject s{**std::move(event), (*contact)->contact, "", SeatState::kInvited, 0};
  s.language = s.contact.languages.empty() ? s.event.default_language : s.contact.languages[0];
  s.state = (*person)->state;
  s.waitlist_position = (*person)->waitlist_position;
  return s;
}

// The notice that says what `state` means for the person, in their language; "" for invited.
std::string StateText(const PageSubject& s, std::optional<RsvpNotice> notice) {
  if (!notice) return "";
  RsvpNoticeInput input;
  input.notice = *notice;
  input.languages = s.contact.languages;
  if (input.languages.empty()) input.languages.push_back(s.event.default_language);
  input.time_zone = s.contact.time_zone;
  input.waitlist_position = s.waitlist_position;
  return RsvpNoticeText(s.event, input);
}

// The page: when and where, `status_text` (what their answer means), the three answers and
// the calendar file at `calendar_url`.
ApiResponse EventPage(const PageSubject& s, const std::string& status_text,
                      const std::string& calendar_url) {
  const std::string zone = s.contact.time_zone.empty() ? s.event.time_zone : s.contact.time_zone;
  const EventText& texts = s.event.TextFor({s.language, s.event.default_language});
  const EventAnswerWords& words = AnswerWordsFor(s.language);
  std::string body = "<p><time>" + HtmlEscape(FormatEventTime(s.event.starts_at_millis, zone,
                                                              s.language)) +
                     "</time></p>";
  if (!s.event.place.empty()) body += "<p>" + HtmlEscape(s.event.place) + "</p>";
  if (!s.event.online_url.empty()) {
    body += "<p><a href=\"" + HtmlEscape(s.event.online_url) + "\">" +
            HtmlEscape(s.event.online_url) + "</a></p>";
  }
  if (!texts.description.empty()) body += "<p>" + HtmlEscape(texts.description) + "</p>";
  if (!status_text.empty()) body += "<p role=\"status\">" + HtmlEscape(status_text) + "</p>";
  if (s.state != SeatState::kAttended && s.event.cancelled_at_millis == 0) {
    body += "<form method=\"post\">";
    for (auto [value, label] : {std::pair{"yes", words.yes}, std::pair{"no", words.no},
                                std::pair{"maybe", words.maybe}}) {
      body += "<button type=\"submit\" name=\"answer\" value=\"" + std::string(value) + "\">" +
              HtmlEscape(label) + "</button> ";
    }
    body += "</form>";
  }
  body += "<p><a href=\"" + HtmlEscape(calendar_url) + "\" download>" +
          HtmlEscape(words.add_to_calendar) + "</a></p>";
  return Page(200, s.language, texts.title, body);
}

std::string CalendarUrl(const RequestContext& ctx) {
  return ctx.services.public_base_url + "/e/" + ctx.params[0] + "/calendar.ics";
}

// GET /e/{token}
ApiResponse ShowPage(RequestContext& ctx) {
  ApiResponse answer;
  std::optional<PageSubject> s = Resolve(ctx, &answer);
  if (!s) return answer;
  const std::optional<RsvpNotice> notice = s->event.cancelled_at_millis != 0
                                               ? RsvpNotice::kEventCancelled
                                               : NoticeForState(s->state);
  return EventPage(*s, StateText(*s, notice), CalendarUrl(ctx));
}

// POST /e/{token} with answer=yes|no|maybe (an HTML form).
ApiResponse AnswerOnPage(RequestContext& ctx) {
  ApiResponse answer;
  std::optional<PageSubject> s = Resolve(ctx, &answer);
  if (!s) return answer;
  const std::optional<RsvpAnswer> given =
      ParseRsvpAnswerName(ctx.request.get_param_value("answer"));
  if (!given) {
    return Page(400, "en", "Please choose an answer",
                "<p>Choose yes, no or maybe on the event's page.</p>");
  }
  if (ctx.services.rsvp == nullptr) return TryAgain();
  auto result = ctx.services.rsvp->AnswerFromPage(s->event, s->contact, *given);
  if (absl::IsNotFound(result.status())) return NotValid();
  if (!result.ok()) {
    spdlog::warn("event page answer: {}", MessageOf(result.status()));
    return TryAgain();
  }
  if (result->state) s->state = *result->state;
  s->waitlist_position = result->waitlist_position;
  return EventPage(*s, StateText(*s, result->notice), CalendarUrl(ctx));
}

// GET /e/{token}/calendar.ics
ApiResponse CalendarFile(RequestContext& ctx) {
  ApiResponse answer;
  std::optional<PageSubject> s = Resolve(ctx, &answer);
  if (!s) return answer;
  const Address* email = s->contact.FindAddress(AddressKind::kEmail);
  Attachment file =
      CalendarAttachment(s->event, s->contact.languages, email != nullptr ? email->value : "",
                         CalendarUidDomain(ctx.services.public_base_url),
                         ctx.services.clock->NowMillis());
  ApiResponse r;
  r.status = 200;
  r.content_type = "text/calendar; charset=utf-8";
  r.body = std::move(file.data);
  r.headers["Content-Disposition"] = "attachment; filename=\"" + file.filename + "\"";
  r.headers["Cache-Control"] = "no-store";
  return r;
}

}  // namespace

void RegisterEventPageRoutes(ApiRouter& router) {
  router.Add("GET", "/e/{token}", Access::kPublic, &ShowPage);
  router.Add("POST", "/e/{token}", Access::kPublic, &AnswerOnPage);
  router.Add("GET", "/e/{token}/calendar.ics", Access::kPublic, &CalendarFile);
}

}  // namespace ogw
