// Routes for events and the representative selection of the people invited to them.

#include <spdlog/spdlog.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <functional>
#include <initializer_list>
#include <map>
#include <set>
#include <tuple>

#include "gateway/api/route_helpers.h"
#include "gateway/api/scan_gate.h"
#include "gateway/contacts/csv_writer.h"
#include "gateway/core/crypto.h"
#include "gateway/core/iso_time.h"
#include "gateway/core/key_schema.h"
#include "gateway/invitations/event_store.h"
#include "gateway/invitations/selection_snapshot.h"

namespace ogw {
namespace {

bool Visible(const Principal& p, const Event& e) {
  return e.post_id.empty() || p.scope.Allows(e.post_id);
}

std::optional<Event> VisibleEvent(RequestContext& ctx, ApiResponse* problem) {
  auto e = ctx.services.events->Get(ctx.principal.org_id, ctx.params[0]);
  if (!e.ok()) {
    *problem = ProblemFromStatus(e.status());
    return std::nullopt;
  }
  if (!*e || !Visible(ctx.principal, **e)) {
    *problem = NotFound("event");
    return std::nullopt;
  }
  return **e;
}

// Organisation-wide events are the admins'; officers keep events in their posts.
std::optional<ApiResponse> RefuseChange(RequestContext& ctx, const Event& e) {
  if (e.post_id.empty() && !ctx.principal.IsAdmin()) {
    return Problem(403, "Forbidden", "only admins change organisation-wide events");
  }
  return std::nullopt;
}

// A cancelled event takes no changes, draws, answers or attendance (409).
std::optional<ApiResponse> RefuseIfCancelled(const Event& e) {
  if (e.cancelled_at_millis == 0) return std::nullopt;
  return Problem(409, "Conflict", "the event is cancelled");
}

// ?notify=true|false (default true): whether people are told of what the call changes.
std::optional<bool> NotifyOf(RequestContext& ctx, ApiResponse* problem) {
  const std::string notify = ctx.Query("notify");
  if (notify.empty() || notify == "true") return true;
  if (notify == "false") return false;
  *problem = Problem(400, "Invalid query parameter", "notify must be true or false", "notify");
  return std::nullopt;
}

std::optional<Event> ReadEvent(RequestContext& ctx, ApiResponse* problem) {
  return ReadPostRecord<Event>(ctx, &EventFromJson, "events", "Invalid event", problem);
}

constexpr int64_t kHourMillis = 3'600'000;

// The ledger follows the event: capacity, how long offers are held, and answers closed once
// the RSVP deadline has passed. Returns the people offered a seat by a raised capacity.
absl::StatusOr<std::vector<SeatChange>> ConfigureSeats(RequestContext& ctx, const Event& e) {
  const int64_t now = ctx.services.clock->NowMillis();
  ASSIGN_OR_RETURN(std::vector<SeatChange> offered,
                   ctx.services.event_seats->Configure(e.org_id, e.id, e.capacity,
                                                       e.offer_hours * kHourMillis, now));
  ASSIGN_OR_RETURN(
      std::vector<SeatChange> reopened,
      ctx.services.event_seats->SetClosed(e.org_id, e.id, now >= e.rsvp_deadline_millis, now));
  offered.insert(offered.end(), reopened.begin(), reopened.end());
  return offered;
}

// Notes each change in its person's conversation and tells the people it concerns (a seat
// offered on). The ledger has already changed: a failure here is logged, not answered.
void Announce(RequestContext& ctx, const Event& e, const std::vector<SeatChange>& changes) {
  if (ctx.services.rsvp == nullptr || changes.empty()) return;
  if (absl::Status told = ctx.services.rsvp->Announce(e, changes); !told.ok()) {
    spdlog::warn("event {}: telling people of {} changes: {}", e.id, changes.size(),
                 MessageOf(told));
  }
}

nlohmann::json CountsJson(const EventCounts& counts) {
  nlohmann::json by_state = nlohmann::json::object();
  for (size_t i = 0; i < kSeatStateCount; ++i) {
    by_state[std::string(SeatStateName(static_cast<SeatState>(i)))] = counts.by_state[i];
  }
  return {{"capacity", counts.capacity},
          {"seats_taken", counts.SeatsTaken()},
          {"closed", counts.closed},
          {"unclear", counts.unclear},
          {"people", std::move(by_state)}};
}

// The event with its answers so far as "rsvp".
ApiResponse EventResponse(RequestContext& ctx, const Event& e, int status) {
  nlohmann::json out = ToJson(e);
  auto counts = ctx.services.event_seats->Counts(e.org_id, e.id);
  if (!counts.ok()) return ProblemFromStatus(counts.status());
  out["rsvp"] = CountsJson(*counts);
  return ApiResponse::Json(status, out);
}

// GET /v1/events
ApiResponse ListEvents(RequestContext& ctx) {
  auto events = ctx.services.events->List(ctx.principal.org_id);
  if (!events.ok()) return ProblemFromStatus(events.status());
  nlohmann::json items = nlohmann::json::array();
  for (const Event& e : *events) {
    if (Visible(ctx.principal, e)) items.push_back(ToJson(e));
  }
  return ApiResponse::Json(200, {{"items", std::move(items)}});
}

// POST /v1/events
ApiResponse CreateEvent(RequestContext& ctx) {
  ApiResponse problem;
  auto e = ReadEvent(ctx, &problem);
  if (!e) return problem;
  e->created_by = ctx.principal.officer_id;
  auto created = ctx.services.events->Create(*std::move(e));
  if (!created.ok()) return ProblemFromStatus(created.status());
  auto seats = ConfigureSeats(ctx, *created);
  if (!seats.ok()) {
    // No event without its ledger: answers would have nowhere to go.
    (void)ctx.services.events->Delete(created->org_id, created->id);
    return ProblemFromStatus(seats.status());
  }
  return EventResponse(ctx, *created, 201);
}

// GET /v1/events/{id}
ApiResponse GetEvent(RequestContext& ctx) {
  ApiResponse problem;
  auto e = VisibleEvent(ctx, &problem);
  if (!e) return problem;
  return EventResponse(ctx, *e, 200);
}

// PUT /v1/events/{id}
ApiResponse ReplaceEvent(RequestContext& ctx) {
  ApiResponse problem;
  auto existing = VisibleEvent(ctx, &problem);
  if (!existing) return problem;
  if (auto refused = RefuseChange(ctx, *existing)) return *refused;
  if (auto refused = RefuseIfCancelled(*existing)) return *refused;
  // ?notify=false: the officer tells people themselves (or the change is only a typo).
  const std::optional<bool> notify = NotifyOf(ctx, &problem);
  if (!notify) return problem;
  auto e = ReadEvent(ctx, &problem);
  if (!e) return problem;
  e->id = existing->id;
  // The ledger first: a capacity below the seats already taken is refused before anything
  // changes.
  auto seats = ConfigureSeats(ctx, *e);
  if (!seats.ok()) {
    if (absl::IsFailedPrecondition(seats.status())) {
      return Problem(409, "Conflict", MessageOf(seats.status()), "capacity");
    }
    return ProblemFromStatus(seats.status());
  }
  auto updated = ctx.services.events->Update(*std::move(e));
  if (!updated.ok()) return ProblemFromStatus(updated.status());
  Announce(ctx, *updated, *seats);
  if (*notify && ctx.services.rsvp != nullptr) {
    // The event is saved; people not told are in the log, and the officer can send an update.
    if (auto told = ctx.services.rsvp->AnnounceChange(*existing, *updated); !told.ok()) {
      spdlog::warn("event {}: telling people of the change: {}", updated->id,
                   MessageOf(told.status()));
    }
  }
  if (updated->starts_at_millis != existing->starts_at_millis &&
      ctx.services.event_messages != nullptr) {
    // The event is saved: a failure here leaves reminders at the old time, which the log says.
    if (auto moved = ctx.services.event_messages->FollowEventTime(*updated); !moved.ok()) {
      spdlog::warn("reminders of event {} kept their time: {}", updated->id,
                   MessageOf(moved.status()));
    }
  }
  return EventResponse(ctx, *updated, 200);
}

// POST /v1/events/{id}/cancellation: calls the event off. Everyone who had not declined is
// told (unless ?notify=false), its waiting messages never go, and it takes no more answers.
ApiResponse CancelEvent(RequestContext& ctx) {
  ApiResponse problem;
  auto existing = VisibleEvent(ctx, &problem);
  if (!existing) return problem;
  if (auto refused = RefuseChange(ctx, *existing)) return *refused;
  const std::optional<bool> notify = NotifyOf(ctx, &problem);
  if (!notify) return problem;
  auto cancelled = ctx.services.events->Cancel(existing->org_id, existing->id);
  if (!cancelled.ok()) return ProblemFromStatus(cancelled.status());
  const auto& [event, now_cancelled] = *cancelled;
  // Once: calling it off again tells nobody again.
  if (now_cancelled && ctx.services.event_messages != nullptr) {
    if (auto dropped = ctx.services.event_messages->DropWaiting(event); !dropped.ok()) {
      spdlog::warn("event {}: dropping its waiting messages: {}", event.id,
                   MessageOf(dropped.status()));
    }
  }
  if (now_cancelled && *notify && ctx.services.rsvp != nullptr) {
    if (auto told = ctx.services.rsvp->AnnounceCancellation(event); !told.ok()) {
      spdlog::warn("event {}: telling people it is cancelled: {}", event.id,
                   MessageOf(told.status()));
    }
  }
  return EventResponse(ctx, event, 200);
}

// DELETE /v1/events/{id}
ApiResponse DeleteEvent(RequestContext& ctx) {
  ApiResponse problem;
  auto e = VisibleEvent(ctx, &problem);
  if (!e) return problem;
  if (auto refused = RefuseChange(ctx, *e)) return *refused;
  auto s = ctx.services.event_seats->DeleteEvent(ctx.principal.org_id, e->id);
  if (s.ok()) s = ctx.services.events->Delete(ctx.principal.org_id, e->id);
  if (!s.ok()) return ProblemFromStatus(s);
  return ApiResponse::NoContent();
}

std::optional<SelectionInput> ReadSelection(RequestContext& ctx, const nlohmann::json& body,
                                            ApiResponse* problem) {
  JsonReader r = JsonReader::ForInput(body);
  SelectionInput in = ReadSelectionInput(r);
  if (!r.Finish().ok()) {
    *problem = InvalidFields(r);
    return std::nullopt;
  }
  const std::string& segment_id = in.segment_id;
  if (!segment_id.empty()) {
    auto segment = ctx.services.segments->Get(ctx.principal.org_id, segment_id);
    if (!segment.ok()) {
      *problem = ProblemFromStatus(segment.status());
      return std::nullopt;
    }
    if (!*segment ||
        !((*segment)->post_id.empty() || ctx.principal.scope.Allows((*segment)->post_id))) {
      *problem = Problem(422, "Invalid input", "unknown segment", "segment_id");
      return std::nullopt;
    }
    in.expression = (*segment)->expression;
  }
  return in;
}

nlohmann::json SelectionJson(const SelectionResult& result, const SelectionInput& in,
                             const AudienceSnapshot& snapshot) {
  nlohmann::json composition = nlohmann::json::array();
  for (const GroupComposition& g : result.composition) {
    composition.push_back({{"dimension", g.dimension},
                           {"group", g.group},
                           {"in_segment", g.in_segment},
                           {"segment_share", g.segment_share},
                           {"target", g.target},
                           {"selected", g.selected},
                           {"shortfall", g.shortfall}});
  }
  nlohmann::json quotas = nlohmann::json::array();
  for (size_t d = 0; d < in.request.dimensions.size(); ++d) {
    nlohmann::json q = {{"attributes", in.attributes[d]}};
    if (!in.request.dimensions[d].proportional) q["targets"] = in.request.dimensions[d].targets;
    quotas.push_back(std::move(q));
  }
  return {{"seed", result.seed},
          {"count", in.request.count},
          {"expression", in.expression},
          {"quotas", std::move(quotas)},
          {"fill_shortfall", in.request.fill_shortfall},
          {"eligible", result.eligible},
          {"unreachable", snapshot.unreachable},
          {"selected", result.selected},
          {"shortfall", result.shortfall},
          {"filled_outside_quotas", result.filled_outside_quotas},
          {"composition", std::move(composition)}};
}

// A draw for `e` as the request body asks, leaving out `excluded`.
struct Draw {
  SelectionInput in;
  AudienceSnapshot snapshot;
  SelectionResult result;
};

std::optional<Draw> DrawFor(RequestContext& ctx, const nlohmann::json& body,
                            const std::set<std::string>& excluded, ApiResponse* problem) {
  auto in = ReadSelection(ctx, body, problem);
  if (!in) return std::nullopt;
  auto audience = ParseAudience(ctx, in->expression, "expression", problem);
  if (!audience) return std::nullopt;
  auto permit = ctx.services.scans->Enter(ctx.principal.org_id, problem);
  if (!permit) return std::nullopt;
  auto snapshot = SnapshotAudience(ctx.services.contacts, ctx.principal.org_id, ctx.principal.scope,
                                   *audience, in->attributes);
  if (!snapshot.ok()) {
    *problem = ProblemFromStatus(snapshot.status());
    return std::nullopt;
  }
  auto result = SelectRepresentative(snapshot->candidates, in->request, excluded);
  if (!result.ok()) {
    if (result.status().code() != absl::StatusCode::kInvalidArgument) {
      *problem = ProblemFromStatus(result.status());
      return std::nullopt;
    }
    // The selection names its request's fields ("dimensions[1].targets: ..."); the API calls
    // them quotas.
    std::string message(MessageOf(result.status()));
    if (message.starts_with("dimensions")) message.replace(0, 10, "quotas");
    *problem = Problem(422, "Invalid input", message, message.substr(0, message.find(':')));
    return std::nullopt;
  }
  return Draw{*std::move(in), *std::move(snapshot), *std::move(result)};
}

// POST /v1/events/{id}/selection/preview: the draw, without inviting anyone.
ApiResponse PreviewSelection(RequestContext& ctx) {
  ApiResponse problem;
  auto body = ctx.JsonBody(&problem);
  if (!body) return problem;
  auto e = VisibleEvent(ctx, &problem);
  if (!e) return problem;
  auto draw = DrawFor(ctx, *body, {}, &problem);
  if (!draw) return problem;
  ApiResponse r = ApiResponse::Json(200, SelectionJson(draw->result, draw->in, draw->snapshot));
  // The selected ids are personal data: an idempotent replay goes when any of them is erased.
  r.contact_ids = draw->result.selected;
  return r;
}

// Calls `fn` for every person of the event (in `state`, when given) until it returns false.
absl::Status ForEachPerson(RequestContext& ctx, const Event& e, std::optional<SeatState> state,
                           const std::function<bool(PersonState&)>& fn) {
  constexpr size_t kLedgerPage = 1000;
  std::string cursor;
  do {
    ASSIGN_OR_RETURN(PeoplePage page,
                     ctx.services.event_seats->List(e.org_id, e.id, state, cursor, kLedgerPage));
    for (PersonState& p : page.people) {
      if (!fn(p)) return absl::OkStatus();
    }
    cursor = page.next_cursor;
  } while (!cursor.empty());
  return absl::OkStatus();
}

// Everyone in the event, whatever their state.
absl::StatusOr<std::set<std::string>> PeopleOf(RequestContext& ctx, const Event& e) {
  std::set<std::string> people;
  RETURN_IF_ERROR(ForEachPerson(ctx, e, std::nullopt, [&](PersonState& p) {
    people.insert(p.contact_id);
    return true;
  }));
  return people;
}

// POST /v1/events/{id}/selection: draws, records how (criteria, seed, composition, snapshot)
// and invites the people drawn. People already in the event are not drawn again.
ApiResponse SaveSelection(RequestContext& ctx) {
  ApiResponse problem;
  auto body = ctx.JsonBody(&problem);
  if (!body) return problem;
  auto e = VisibleEvent(ctx, &problem);
  if (!e) return problem;
  if (auto refused = RefuseChange(ctx, *e)) return *refused;
  if (auto refused = RefuseIfCancelled(*e)) return *refused;
  auto excluded = PeopleOf(ctx, *e);
  if (!excluded.ok()) return ProblemFromStatus(excluded.status());
  auto draw = DrawFor(ctx, *body, *excluded, &problem);
  if (!draw) return problem;
  const int64_t now = ctx.services.clock->NowMillis();
  nlohmann::json record = SelectionJson(draw->result, draw->in, draw->snapshot);
  record["at"] = now;
  record["by"] = ctx.principal.officer_id;
  record["already_invited"] = excluded->size();
  nlohmann::json snapshot = nlohmann::json::array();
  for (const Candidate& c : draw->snapshot.candidates) {
    nlohmann::json row = nlohmann::json::array({c.contact_id});
    for (const std::string& g : c.groups) row.push_back(g);
    snapshot.push_back(std::move(row));
  }
  auto stored = ctx.services.events->AddSelection(e->org_id, e->id, record, snapshot);
  if (!stored.ok()) return ProblemFromStatus(stored);
  auto invited =
      ctx.services.event_seats->Invite(e->org_id, e->id, draw->result.selected,
                                       "selection:" + std::to_string(draw->result.seed), now);
  if (!invited.ok()) return ProblemFromStatus(invited.status());
  Announce(ctx, *e, *invited);
  record["invited"] = invited->size();
  ApiResponse r = ApiResponse::Json(201, record);
  r.contact_ids = draw->result.selected;
  return r;
}

// GET /v1/events/{id}/selections: every draw made for the event, oldest first.
ApiResponse ListSelections(RequestContext& ctx) {
  ApiResponse problem;
  auto e = VisibleEvent(ctx, &problem);
  if (!e) return problem;
  auto records = ctx.services.events->Selections(e->org_id, e->id);
  if (!records.ok()) return ProblemFromStatus(records.status());
  ApiResponse r = ApiResponse::Json(200, {{"items", *records}});
  for (const nlohmann::json& record : *records) {
    for (const char* list : {"selected", "shortfall", "not_in_draw"}) {
      const auto ids = record.find(list);
      if (ids == record.end() || !ids->is_array()) continue;
      for (const nlohmann::json& id : *ids) {
        if (id.is_string()) r.contact_ids.push_back(id.get<std::string>());
      }
    }
    for (const nlohmann::json& pair : record.value("replacements", nlohmann::json::array())) {
      for (const char* who : {"declined", "replacement"}) {
        if (pair.is_object() && pair.value(who, nlohmann::json()).is_string()) {
          r.contact_ids.push_back(pair[who].get<std::string>());
        }
      }
    }
  }
  return r;
}

nlohmann::json PersonJson(const PersonState& p) {
  nlohmann::json out = {{"contact_id", p.contact_id},
                        {"state", SeatStateName(p.state)},
                        {"at", p.at_millis},
                        {"how", p.how}};
  if (p.state == SeatState::kOffered) out["offer_until"] = p.offer_until_millis;
  // The ledger's pages leave the position unknown (0); FillWaitlistPositions finds it.
  if (p.state == SeatState::kWaitlisted && p.waitlist_position > 0) {
    out["waitlist_position"] = p.waitlist_position;
  }
  return out;
}

nlohmann::json ChangesJson(const std::vector<SeatChange>& changes) {
  nlohmann::json out = nlohmann::json::array();
  for (const SeatChange& c : changes) {
    nlohmann::json change = {
        {"contact_id", c.contact_id},
        {"from", c.from ? nlohmann::json(SeatStateName(*c.from)) : nlohmann::json(nullptr)},
        {"to", SeatStateName(c.to)}};
    if (c.to == SeatState::kOffered) change["offer_until"] = c.offer_until_millis;
    out.push_back(std::move(change));
  }
  return out;
}

// Whole lists, as officers print or open them in a spreadsheet: every person at once rather
// than pages, as JSON or CSV.

// A whole list is held in memory with its contacts; beyond this, page through /people.
constexpr size_t kMaxListedPeople = 50'000;

// Sets the waitlist position of the waitlisted among `people`.
absl::Status FillWaitlistPositions(RequestContext& ctx, const Event& e,
                                   std::vector<PersonState>& people) {
  const bool any = std::any_of(people.begin(), people.end(), [](const PersonState& p) {
    return p.state == SeatState::kWaitlisted;
  });
  if (!any) return absl::OkStatus();
  ASSIGN_OR_RETURN(std::vector<WaitlistEntry> waitlist,
                   ctx.services.event_seats->Waitlist(e.org_id, e.id, kMaxListedPeople));
  std::map<std::string_view, int64_t> positions;
  for (size_t i = 0; i < waitlist.size(); ++i) {
    positions[waitlist[i].contact_id] = static_cast<int64_t>(i) + 1;
  }
  for (PersonState& p : people) {
    const auto it = positions.find(p.contact_id);
    if (p.state == SeatState::kWaitlisted && it != positions.end()) {
      p.waitlist_position = it->second;
    }
  }
  return absl::OkStatus();
}

ApiResponse ListTooLong() {
  return Problem(409, "List too long",
                 "the list has more than " + std::to_string(kMaxListedPeople) +
                     " people: page through GET /v1/events/{id}/people instead");
}

// Everyone in one of `states` (all states when empty), in contact id order, without their
// waitlist positions (FillWaitlistPositions).
std::optional<std::vector<PersonState>> WholeList(RequestContext& ctx, const Event& e,
                                                  const std::vector<SeatState>& states,
                                                  ApiResponse* problem) {
  std::vector<PersonState> people;
  bool too_long = false;
  const std::optional<SeatState> only =
      states.size() == 1 ? std::optional<SeatState>(states[0]) : std::nullopt;
  absl::Status s = ForEachPerson(ctx, e, only, [&](PersonState& p) {
    if (!states.empty() && std::find(states.begin(), states.end(), p.state) == states.end()) {
      return true;
    }
    too_long = people.size() == kMaxListedPeople;
    if (!too_long) people.push_back(std::move(p));
    return !too_long;
  });
  if (!s.ok()) {
    *problem = ProblemFromStatus(s);
    return std::nullopt;
  }
  if (too_long) {
    *problem = ListTooLong();
    return std::nullopt;
  }
  std::sort(people.begin(), people.end(),
            [](const PersonState& a, const PersonState& b) { return a.contact_id < b.contact_id; });
  // HSCAN may return a person twice (while Redis resizes the hash).
  people.erase(std::unique(people.begin(), people.end(),
                           [](const PersonState& a, const PersonState& b) {
                             return a.contact_id == b.contact_id;
                           }),
               people.end());
  return people;
}

// The list as CSV with what an officer needs to call people: their name, languages, country
// and city. Contacts outside the caller's posts keep those columns empty: the list is the
// event's, its people need not all be the caller's.
ApiResponse PeopleCsv(RequestContext& ctx, const Event& e, const std::vector<PersonState>& people,
                      std::string_view what) {
  constexpr size_t kContactBatch = 500;
  std::string out;
  AppendCsvRecord(&out, {"contact_id", "name", "state", "at", "how", "offer_until",
                         "waitlist_position", "languages", "country", "city"});
  std::vector<std::string> all_ids;
  for (size_t start = 0; start < people.size(); start += kContactBatch) {
    std::vector<std::string> ids;
    for (size_t i = start; i < std::min(people.size(), start + kContactBatch); ++i) {
      ids.push_back(people[i].contact_id);
    }
    auto contacts = ctx.services.contacts->GetMany(e.org_id, ids);
    if (!contacts.ok()) return ProblemFromStatus(contacts.status());
    for (size_t i = 0; i < ids.size(); ++i) {
      const PersonState& p = people[start + i];
      const std::optional<StoredContact>& stored = (*contacts)[i];
      const Contact* c = stored && ctx.principal.scope.Allows(stored->contact.post_id)
                             ? &stored->contact
                             : nullptr;
      std::string languages;
      for (const std::string& language : c ? c->languages : std::vector<std::string>{}) {
        languages += (languages.empty() ? "" : ";") + language;
      }
      AppendCsvRecord(
          &out, {p.contact_id, c ? c->name : "", SeatStateName(p.state), FormatIsoUtc(p.at_millis),
                 p.how, p.state == SeatState::kOffered ? FormatIsoUtc(p.offer_until_millis) : "",
                 p.waitlist_position > 0 ? std::to_string(p.waitlist_position) : "", languages,
                 c ? c->country : "", c ? c->city : ""});
    }
    all_ids.insert(all_ids.end(), ids.begin(), ids.end());
  }
  ApiResponse r = CsvAttachment(std::move(out), e.id + "-" + std::string(what));
  r.contact_ids = std::move(all_ids);
  return r;
}

ApiResponse ListResponse(RequestContext& ctx, const Event& e, ListFormat format,
                         const std::vector<PersonState>& people, std::string_view what) {
  if (format == ListFormat::kCsv) return PeopleCsv(ctx, e, people, what);
  nlohmann::json items = nlohmann::json::array();
  std::vector<std::string> ids;
  for (const PersonState& p : people) {
    items.push_back(PersonJson(p));
    ids.push_back(p.contact_id);
  }
  ApiResponse r = ApiResponse::Json(200, {{"items", std::move(items)}});
  r.contact_ids = std::move(ids);
  return r;
}

// GET /v1/events/{id}/people?state=yes&cursor=&limit=&format=json|csv (CSV: every page)
ApiResponse ListPeople(RequestContext& ctx) {
  ApiResponse problem;
  auto e = VisibleEvent(ctx, &problem);
  if (!e) return problem;
  std::optional<SeatState> state;
  if (const std::string raw = ctx.Query("state"); !raw.empty()) {
    state = ParseSeatState(raw);
    if (!state) {
      return Problem(400, "Invalid query parameter",
                     "state must be invited, yes, no, maybe, waitlisted, offered, cancelled or "
                     "attended",
                     "state");
    }
  }
  auto format = FormatOf(ctx, &problem);
  if (!format) return problem;
  if (*format == ListFormat::kCsv) {
    auto people = WholeList(
        ctx, *e, state ? std::vector<SeatState>{*state} : std::vector<SeatState>{}, &problem);
    if (!people) return problem;
    if (absl::Status s = FillWaitlistPositions(ctx, *e, *people); !s.ok()) {
      return ProblemFromStatus(s);
    }
    return ListResponse(ctx, *e, *format, *people, "people");
  }
  auto limit = PageLimit(ctx, &problem);
  if (!limit) return problem;
  auto page = ctx.services.event_seats->List(e->org_id, e->id, state, ctx.Query("cursor"), *limit);
  if (!page.ok()) return ProblemFromStatus(page.status(), "cursor");
  if (absl::Status s = FillWaitlistPositions(ctx, *e, page->people); !s.ok()) {
    return ProblemFromStatus(s);
  }
  nlohmann::json items = nlohmann::json::array();
  std::vector<std::string> ids;
  for (const PersonState& p : page->people) {
    items.push_back(PersonJson(p));
    ids.push_back(p.contact_id);
  }
  nlohmann::json out = {{"items", std::move(items)}};
  if (!page->next_cursor.empty()) out["next_cursor"] = page->next_cursor;
  ApiResponse r = ApiResponse::Json(200, out);
  r.contact_ids = std::move(ids);
  return r;
}

// The person {contact_id} of the event, visible to the caller.
std::optional<StoredContact> EventPerson(RequestContext& ctx, ApiResponse* problem) {
  return ScopedContact(ctx, ctx.params[1], problem);
}

// POST /v1/events/{id}/people/{contact_id}/answer: an officer records a person's answer.
ApiResponse AnswerForPerson(RequestContext& ctx) {
  ApiResponse problem;
  auto body = ctx.JsonBody(&problem);
  if (!body) return problem;
  auto e = VisibleEvent(ctx, &problem);
  if (!e) return problem;
  if (auto refused = RefuseIfCancelled(*e)) return *refused;
  auto person = EventPerson(ctx, &problem);
  if (!person) return problem;
  JsonReader r = JsonReader::ForInput(*body);
  std::string answer;
  r.String("answer", &answer, true);
  std::optional<SeatAction> action;
  if (answer == "cancel") {
    action = SeatAction::kCancel;
  } else if (auto rsvp = ParseRsvpAnswerName(answer)) {
    action = SeatActionOf(*rsvp);
  } else if (!answer.empty()) {
    r.Error("answer", "must be yes, no, maybe or cancel");
  }
  if (!r.Finish().ok()) return InvalidFields(r);
  // Officers may still record answers after the deadline.
  auto result = ctx.services.event_seats->Answer(e->org_id, e->id, person->contact.id, *action,
                                                 "officer:" + ctx.principal.officer_id,
                                                 ctx.services.clock->NowMillis(),
                                                 /*even_if_closed=*/true);
  if (!result.ok()) return ProblemFromStatus(result.status());
  if (result->outcome == AnswerOutcome::kNotInvited) {
    return Problem(409, "Conflict", "the person is not invited to this event", "contact_id");
  }
  Announce(ctx, *e, result->changes);
  nlohmann::json out = {
      {"outcome", result->outcome == AnswerOutcome::kChanged ? "changed" : "unchanged"},
      {"state",
       result->state ? nlohmann::json(SeatStateName(*result->state)) : nlohmann::json(nullptr)},
      {"changes", ChangesJson(result->changes)}};
  ApiResponse response = ApiResponse::Json(200, out);
  for (const SeatChange& c : result->changes) response.contact_ids.push_back(c.contact_id);
  return response;
}

// POST /v1/events/{id}/people/{contact_id}/attendance: {"attended": true|false}.
ApiResponse SetAttendance(RequestContext& ctx) {
  ApiResponse problem;
  auto body = ctx.JsonBody(&problem);
  if (!body) return problem;
  auto e = VisibleEvent(ctx, &problem);
  if (!e) return problem;
  if (auto refused = RefuseIfCancelled(*e)) return *refused;
  auto person = EventPerson(ctx, &problem);
  if (!person) return problem;
  JsonReader r = JsonReader::ForInput(*body);
  bool attended = true;
  r.Bool("attended", &attended, true);
  if (!r.Finish().ok()) return InvalidFields(r);
  const int64_t now = ctx.services.clock->NowMillis();
  const std::string how = "officer:" + ctx.principal.officer_id;
  auto s = ctx.services.event_seats->SetAttended(e->org_id, e->id, person->contact.id, attended,
                                                 how, now);
  if (absl::IsFailedPrecondition(s)) return Problem(409, "Conflict", MessageOf(s), "attended");
  if (absl::IsNotFound(s)) {
    return Problem(409, "Conflict", "the person is not invited to this event", "contact_id");
  }
  if (!s.ok()) return ProblemFromStatus(s);
  auto state = ctx.services.event_seats->Get(e->org_id, e->id, person->contact.id);
  if (!state.ok()) return ProblemFromStatus(state.status());
  if ((*state)->at_millis == now && (*state)->how == how) {  // Changed by this call.
    SeatChange change;
    change.contact_id = person->contact.id;
    change.from = attended ? SeatState::kYes : SeatState::kAttended;
    change.to = (*state)->state;
    Announce(ctx, *e, {change});
  }
  ApiResponse response = ApiResponse::Json(200, PersonJson(**state));
  response.contact_ids = {person->contact.id};
  return response;
}

// GET /v1/events/{id}/waitlist?format=json|csv: the people waiting, next to be offered first.
ApiResponse ListWaitlist(RequestContext& ctx) {
  ApiResponse problem;
  auto e = VisibleEvent(ctx, &problem);
  if (!e) return problem;
  auto format = FormatOf(ctx, &problem);
  if (!format) return problem;
  auto order = ctx.services.event_seats->Waitlist(e->org_id, e->id, kMaxListedPeople + 1);
  if (!order.ok()) return ProblemFromStatus(order.status());
  if (order->size() > kMaxListedPeople) return ListTooLong();
  // The ledger's records of the people waiting, for when and how they came to wait.
  auto waiting = WholeList(ctx, *e, {SeatState::kWaitlisted}, &problem);
  if (!waiting) return problem;
  std::map<std::string_view, const PersonState*> by_id;
  for (const PersonState& p : *waiting) by_id[p.contact_id] = &p;
  std::vector<PersonState> people;
  for (const WaitlistEntry& w : *order) {
    const auto it = by_id.find(w.contact_id);
    if (it == by_id.end()) continue;  // Left the waitlist between the two reads.
    people.push_back(*it->second);
    people.back().waitlist_position = static_cast<int64_t>(people.size());
  }
  return ListResponse(ctx, *e, *format, people, "waitlist");
}

// GET /v1/events/{id}/attendees?format=json|csv: people with a seat (yes) or who came.
ApiResponse ListAttendees(RequestContext& ctx) {
  ApiResponse problem;
  auto e = VisibleEvent(ctx, &problem);
  if (!e) return problem;
  auto format = FormatOf(ctx, &problem);
  if (!format) return problem;
  auto people = WholeList(ctx, *e, {SeatState::kYes, SeatState::kAttended}, &problem);
  if (!people) return problem;
  return ListResponse(ctx, *e, *format, *people, "attendees");
}

// Replacements: a person who declined is replaced by the next person of their stratum in the
// latest selection's draw order (DrawReplacement), so the quotas stay as drawn.

constexpr std::string_view kReplacementHow = "replacement:";

bool Declined(SeatState state) { return state == SeatState::kNo || state == SeatState::kCancelled; }

// The request a selection record was drawn with, as SelectionJson wrote it.
absl::StatusOr<SelectionRequest> RecordedRequest(const nlohmann::json& record) {
  const auto malformed = absl::DataLossError("the stored selection record is malformed");
  if (!record.is_object()) return malformed;
  const nlohmann::json count = record.value("count", nlohmann::json());
  const nlohmann::json seed = record.value("seed", nlohmann::json());
  const nlohmann::json quotas = record.value("quotas", nlohmann::json::array());
  if (!count.is_number_unsigned() || !seed.is_number_unsigned() || !quotas.is_array()) {
    return malformed;
  }
  SelectionRequest request;
  request.count = count.get<size_t>();
  request.seed = seed.get<uint64_t>();
  request.fill_shortfall = record.value("fill_shortfall", nlohmann::json(false)) == true;
  for (const nlohmann::json& q : quotas) {
    if (!q.is_object()) return malformed;
    const nlohmann::json attributes = q.value("attributes", nlohmann::json());
    if (!attributes.is_array()) return malformed;
    std::vector<std::string> names;
    for (const nlohmann::json& a : attributes) {
      if (!a.is_string()) return malformed;
      names.push_back(a.get<std::string>());
    }
    QuotaDimension& d = request.dimensions.emplace_back();
    d.name = DimensionName(names);
    const auto targets = q.find("targets");
    d.proportional = targets == q.end();
    if (d.proportional) continue;
    if (!targets->is_object()) return malformed;
    for (const auto& [group, seats] : targets->items()) {
      if (!seats.is_number_unsigned()) return malformed;
      d.targets[group] = seats.get<size_t>();
    }
  }
  return request;
}

// True when the person can still be invited: a contact (not erased since the draw) with an
// address usable for an invitation.
absl::StatusOr<bool> StillInvitable(RequestContext& ctx, const Event& e,
                                    const std::string& contact_id) {
  ASSIGN_OR_RETURN(std::optional<StoredContact> stored,
                   ctx.services.contacts->Get(e.org_id, contact_id));
  if (!stored) return false;
  return std::any_of(stored->contact.addresses.begin(), stored->contact.addresses.end(),
                     [](const Address& a) { return a.Reachable(); });
}

// POST /v1/events/{id}/replacements {"contact_ids": [...]} (optional: everyone who declined and
// is not yet replaced). Replaces each declined person with the next person of their stratum
// in the latest selection's draw, invites them ("replacement:<declined id>") and records the
// pairs with the selections, so nobody is replaced twice.
ApiResponse DrawReplacements(RequestContext& ctx) {
  ApiResponse problem;
  auto e = VisibleEvent(ctx, &problem);
  if (!e) return problem;
  if (auto refused = RefuseChange(ctx, *e)) return *refused;
  if (auto refused = RefuseIfCancelled(*e)) return *refused;
  std::optional<std::vector<std::string>> asked;
  if (!ctx.request.body.empty()) {
    auto body = ctx.JsonBody(&problem);
    if (!body) return problem;
    JsonReader r = JsonReader::ForInput(*body);
    r.StringList("contact_ids", &asked);
    if (asked && (asked->empty() || asked->size() > SelectionRequest::kMaxCount)) {
      r.Error("contact_ids", "must list 1 to 10000 people; leave it out for everyone who declined");
    }
    if (!r.Finish().ok()) return InvalidFields(r);
  }
  auto counts = ctx.services.event_seats->Counts(e->org_id, e->id);
  if (!counts.ok()) return ProblemFromStatus(counts.status());
  if (counts->closed) {
    return Problem(409, "Conflict",
                   "answers to this event are closed: a replacement could not answer");
  }

  // The latest selection, and who replaced whom so far.
  auto records = ctx.services.events->Selections(e->org_id, e->id);
  if (!records.ok()) return ProblemFromStatus(records.status());
  const nlohmann::json* selection = nullptr;
  std::map<std::string, std::string> replaced_by;
  for (const nlohmann::json& record : *records) {
    if (!record.is_object() || record.value("kind", nlohmann::json()) != "replacement") {
      selection = &record;
      continue;
    }
    for (const nlohmann::json& pair : record.value("replacements", nlohmann::json::array())) {
      const auto declined = pair.find("declined");
      const auto replacement = pair.find("replacement");
      if (declined != pair.end() && declined->is_string() && replacement != pair.end() &&
          replacement->is_string()) {
        replaced_by.emplace(declined->get<std::string>(), replacement->get<std::string>());
      }
    }
  }
  if (selection == nullptr) {
    return Problem(409, "Conflict",
                   "no selection is recorded for this event: replacements are drawn from the "
                   "latest one");
  }
  std::map<std::string, PersonState> people;
  absl::Status listed = ForEachPerson(ctx, *e, std::nullopt, [&](PersonState& p) {
    // A replacement invited just before its record failed to be written still names whom it
    // replaced (until it answers).
    if (p.how.starts_with(kReplacementHow)) {
      replaced_by.emplace(p.how.substr(kReplacementHow.size()), p.contact_id);
    }
    people.emplace(p.contact_id, std::move(p));
    return true;
  });
  if (!listed.ok()) return ProblemFromStatus(listed);

  std::vector<std::string> declined;
  if (asked) {
    std::vector<std::pair<std::string, std::string>> errors;
    std::set<std::string_view> seen;
    for (size_t i = 0; i < asked->size(); ++i) {
      const std::string& id = (*asked)[i];
      const std::string field = "contact_ids[" + std::to_string(i) + "]";
      const auto person = people.find(id);
      const auto replaced = replaced_by.find(id);
      if (person == people.end()) {
        errors.emplace_back(field, "is not invited to this event");
      } else if (!Declined(person->second.state)) {
        errors.emplace_back(field, "has not declined (state " +
                                       std::string(SeatStateName(person->second.state)) + ")");
      } else if (replaced != replaced_by.end()) {
        errors.emplace_back(field, "was already replaced by " + replaced->second);
      } else if (!seen.insert(id).second) {
        errors.emplace_back(field, "is listed twice");
      } else {
        declined.push_back(id);
      }
    }
    if (!errors.empty()) return InvalidFieldList(errors);
  } else {
    // First declined, first replaced: two people of one stratum get its next two people in
    // the order they said no.
    std::vector<const PersonState*> waiting;
    for (const auto& [id, p] : people) {
      if (Declined(p.state) && !replaced_by.contains(id)) waiting.push_back(&p);
    }
    std::sort(waiting.begin(), waiting.end(), [](const PersonState* a, const PersonState* b) {
      return std::tie(a->at_millis, a->contact_id) < std::tie(b->at_millis, b->contact_id);
    });
    for (const PersonState* p : waiting) declined.push_back(p->contact_id);
  }

  auto request = RecordedRequest(*selection);
  if (!request.ok()) return ProblemFromStatus(request.status());
  const int64_t now = ctx.services.clock->NowMillis();
  nlohmann::json out = {{"kind", "replacement"},
                        {"at", now},
                        {"by", ctx.principal.officer_id},
                        {"selection_seed", request->seed},
                        {"replacements", nlohmann::json::array()},
                        {"shortfall", nlohmann::json::array()},
                        {"not_in_draw", nlohmann::json::array()}};
  if (declined.empty()) return ApiResponse::Json(200, out);

  auto stored = ctx.services.events->LatestDraw(e->org_id, e->id);
  if (!stored.ok()) return ProblemFromStatus(stored.status());
  if (stored->records != records->size()) {
    return Problem(409, "Conflict", "the event's selections changed meanwhile: try again");
  }
  if (!stored->candidates) {
    return Problem(409, "Conflict", "the latest selection's candidates are not kept");
  }
  const std::vector<Candidate>& candidates = *stored->candidates;

  std::set<std::string> excluded;
  for (const auto& [id, p] : people) excluded.insert(id);
  std::vector<std::string> touched;
  absl::Status failure;
  for (const std::string& d : declined) {
    const std::string how = std::string(kReplacementHow) + d;
    std::optional<std::string> replacement;
    bool in_draw = true;
    while (failure.ok()) {
      auto drawn = DrawReplacement(candidates, *request, excluded, d);
      if (absl::IsNotFound(drawn.status())) {
        in_draw = false;
        break;
      }
      if (!drawn.ok()) {
        // The stored request and candidates no longer go together.
        failure = absl::DataLossError("the latest selection cannot be replayed: " +
                                      std::string(MessageOf(drawn.status())));
        break;
      }
      if (!*drawn) break;
      const std::string next = **drawn;
      excluded.insert(next);
      auto invitable = StillInvitable(ctx, *e, next);
      if (!invitable.ok()) failure = invitable.status();
      if (!invitable.ok() || !*invitable) continue;
      auto invited = ctx.services.event_seats->Invite(e->org_id, e->id, {next}, how, now);
      if (!invited.ok()) {
        failure = invited.status();
        break;
      }
      Announce(ctx, *e, *invited);
      if (invited->empty()) {
        // Invited meanwhile: by a concurrent call replacing the same person, that is done.
        auto state = ctx.services.event_seats->Get(e->org_id, e->id, next);
        if (state.ok() && *state && (*state)->how == how) replacement = next;
        if (replacement) break;
        continue;
      }
      replacement = next;
      break;
    }
    if (!failure.ok()) break;
    touched.push_back(d);
    if (replacement) {
      out["replacements"].push_back({{"declined", d}, {"replacement", *replacement}});
      touched.push_back(*replacement);
    } else {
      out[in_draw ? "shortfall" : "not_in_draw"].push_back(d);
    }
  }
  // What was done is recorded even when a failure stopped the rest.
  if (!out["replacements"].empty()) {
    absl::Status s = ctx.services.events->AppendRecord(e->org_id, e->id, out);
    if (!s.ok() && failure.ok()) failure = s;
  }
  if (!failure.ok()) return ProblemFromStatus(failure);
  ApiResponse r = ApiResponse::Json(200, out);
  r.contact_ids = std::move(touched);
  return r;
}

}  // namespace

// POST /v1/events/{id}/messages: the invitation, a nudge, reminders, a change notice or the
// thank-you, as campaigns to the event's people in the purpose's states (see
// gateway/invitations/event_messages.h).
ApiResponse CreateEventMessages(RequestContext& ctx) {
  ApiResponse problem;
  auto e = VisibleEvent(ctx, &problem);
  if (!e) return problem;
  if (auto refused = RefuseChange(ctx, *e)) return *refused;
  if (ctx.services.event_messages == nullptr) {
    return Problem(503, "Unavailable", "event messages are not available in this process");
  }
  auto body = ctx.JsonBody(&problem);
  if (!body) return problem;
  JsonReader r = JsonReader::ForInput(*body);
  EventMessageRequest request = ReadEventMessageRequest(r);
  if (!request.campaign.template_id.empty()) {
    auto t = ctx.services.templates->Get(e->org_id, request.campaign.template_id);
    if (!t.ok()) return ProblemFromStatus(t.status());
    // The event's own post's templates or the organisation's, as for campaigns: another
    // post's officers would otherwise write what this event says.
    if (!*t || (!(*t)->post_id.empty() && (*t)->post_id != e->post_id)) {
      r.Error("template_id", "unknown template, or one of another post");
    }
  }
  if (!r.Finish().ok()) return InvalidFields(r);
  auto created = ctx.services.event_messages->Create(*e, request, ctx.principal.officer_id);
  if (!created.ok()) {
    if (absl::IsInvalidArgument(created.status())) {
      const std::string message(MessageOf(created.status()));
      const size_t colon = message.find(": ");
      if (colon == std::string::npos) return InvalidFieldList({{"", message}});
      return InvalidFieldList({{message.substr(0, colon), message.substr(colon + 2)}});
    }
    if (absl::IsFailedPrecondition(created.status())) {
      return Problem(409, "Conflict", MessageOf(created.status()));
    }
    return ProblemFromStatus(created.status());
  }
  nlohmann::json campaigns = nlohmann::json::array();
  for (const Campaign& c : *created) {
    nlohmann::json j = ToJson(c);
    if (absl::Status s = AddDelivery(ctx, c, &j); !s.ok()) return ProblemFromStatus(s);
    campaigns.push_back(std::move(j));
  }
  return ApiResponse::Json(
      201, {{"purpose", EventPurposeName(request.purpose)}, {"campaigns", std::move(campaigns)}});
}

void RegisterEventRoutes(ApiRouter& router) {
  router.Add("GET", "/v1/events", Access::kRead, &ListEvents);
  router.Add("POST", "/v1/events", Access::kWrite, &CreateEvent);
  router.Add("GET", "/v1/events/{id}", Access::kRead, &GetEvent);
  router.Add("PUT", "/v1/events/{id}", Access::kWrite, &ReplaceEvent);
  router.Add("DELETE", "/v1/events/{id}", Access::kWrite, &DeleteEvent);
  router.Add("POST", "/v1/events/{id}/cancellation", Access::kWrite, &CancelEvent);
  router.Add("POST", "/v1/events/{id}/selection/preview", Access::kWrite, &PreviewSelection);
  router.Add("POST", "/v1/events/{id}/selection", Access::kWrite, &SaveSelection);
  router.Add("GET", "/v1/events/{id}/selections", Access::kRead, &ListSelections);
  router.Add("GET", "/v1/events/{id}/people", Access::kRead, &ListPeople);
  router.Add("GET", "/v1/events/{id}/waitlist", Access::kRead, &ListWaitlist);
  router.Add("GET", "/v1/events/{id}/attendees", Access::kRead, &ListAttendees);
  router.Add("POST", "/v1/events/{id}/replacements", Access::kWrite, &DrawReplacements);
  router.Add("POST", "/v1/events/{id}/messages", Access::kWrite, &CreateEventMessages);
  router.Add("POST", "/v1/events/{id}/people/{contact_id}/answer", Access::kWrite,
             &AnswerForPerson);
  router.Add("POST", "/v1/events/{id}/people/{contact_id}/attendance", Access::kWrite,
             &SetAttendance);
}

}  // namespace ogw
