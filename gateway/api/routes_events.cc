// Routes for events and the representative selection of the people invited to them.

#include <cstring>
#include <set>

#include "gateway/api/route_helpers.h"
#include "gateway/api/scan_gate.h"
#include "gateway/core/crypto.h"
#include "gateway/invitations/event_store.h"
#include "gateway/invitations/selection_snapshot.h"

namespace ogw {
namespace {

// Seeds are shown and entered as JSON numbers: keep them exact in every JSON reader.
constexpr int64_t kMaxSeed = (int64_t{1} << 53) - 1;

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

nlohmann::json CountsJson(const EventCounts& counts) {
  nlohmann::json by_state = nlohmann::json::object();
  for (size_t i = 0; i < kSeatStateCount; ++i) {
    by_state[std::string(SeatStateName(static_cast<SeatState>(i)))] = counts.by_state[i];
  }
  return {{"capacity", counts.capacity},
          {"seats_taken", counts.SeatsTaken()},
          {"closed", counts.closed},
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
  return EventResponse(ctx, *updated, 200);
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

// A selection request as the API takes it, with the audience it draws from.
struct SelectionInput {
  SelectionRequest request;
  std::vector<std::vector<std::string>> attributes;  // Per dimension.
  std::string expression;
};

std::optional<SelectionInput> ReadSelection(RequestContext& ctx, const nlohmann::json& body,
                                            ApiResponse* problem) {
  SelectionInput in;
  JsonReader r = JsonReader::ForInput(body);
  std::string segment_id;
  int64_t count = 0;
  int64_t seed = -1;
  r.String("segment_id", &segment_id);
  r.String("expression", &in.expression);
  r.Int("count", &count, 1, static_cast<int64_t>(SelectionRequest::kMaxCount), true);
  r.Int("seed", &seed, 0, kMaxSeed);
  r.Bool("fill_shortfall", &in.request.fill_shortfall);
  r.ObjectList("quotas", [&](JsonReader& q) {
    QuotaDimension& d = in.request.dimensions.emplace_back();
    std::vector<std::string>& attributes = in.attributes.emplace_back();
    q.StringList("attributes", &attributes, true);
    if (attributes.empty() || attributes.size() > 2) {
      q.Error("attributes", "must name one attribute, or two for a cross");
    }
    for (size_t i = 0; i < attributes.size(); ++i) {
      if (absl::Status s = CheckQuotaAttribute(attributes[i]); !s.ok()) {
        q.Error("attributes[" + std::to_string(i) + "]", MessageOf(s));
      }
    }
    d.name = DimensionName(attributes);
    nlohmann::json targets;
    q.AnyObject("targets", &targets);
    d.proportional = targets.is_null();
    if (targets.is_object()) {
      for (const auto& [group, seats] : targets.items()) {
        if (!seats.is_number_integer() || seats.get<int64_t>() < 0) {
          q.Error("targets." + group, "must be a number of seats, 0 or more");
        } else {
          d.targets[group] = seats.get<size_t>();
        }
      }
    }
  });
  if (segment_id.empty() == in.expression.empty()) {
    r.Error("segment_id", "give exactly one of segment_id and expression");
  }
  if (!r.Finish().ok()) {
    *problem = InvalidFields(r);
    return std::nullopt;
  }
  in.request.count = static_cast<size_t>(count);
  if (seed < 0) {
    const std::string bytes = RandomBytes(8);
    uint64_t random = 0;
    std::memcpy(&random, bytes.data(), sizeof(random));
    seed = static_cast<int64_t>(random & static_cast<uint64_t>(kMaxSeed));
  }
  in.request.seed = static_cast<uint64_t>(seed);
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
  auto audience = SegmentExpression::Parse(in->expression);
  if (!audience.ok()) {
    *problem = Problem(422, "Invalid input", MessageOf(audience.status()), "expression");
    return std::nullopt;
  }
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

// Everyone in the event, whatever their state.
absl::StatusOr<std::set<std::string>> PeopleOf(RequestContext& ctx, const Event& e) {
  std::set<std::string> people;
  std::string cursor;
  do {
    ASSIGN_OR_RETURN(PeoplePage page,
                     ctx.services.event_seats->List(e.org_id, e.id, std::nullopt, cursor, 1000));
    for (const PersonState& p : page.people) people.insert(p.contact_id);
    cursor = page.next_cursor;
  } while (!cursor.empty());
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
    for (const nlohmann::json& id : record.value("selected", nlohmann::json::array())) {
      if (id.is_string()) r.contact_ids.push_back(id.get<std::string>());
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
  if (p.state == SeatState::kWaitlisted) out["waitlist_position"] = p.waitlist_position;
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

// GET /v1/events/{id}/people?state=yes&cursor=&limit=
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
  auto limit = PageLimit(ctx, &problem);
  if (!limit) return problem;
  auto page = ctx.services.event_seats->List(e->org_id, e->id, state, ctx.Query("cursor"), *limit);
  if (!page.ok()) return ProblemFromStatus(page.status(), "cursor");
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
  auto person = EventPerson(ctx, &problem);
  if (!person) return problem;
  JsonReader r = JsonReader::ForInput(*body);
  bool attended = true;
  r.Bool("attended", &attended, true);
  if (!r.Finish().ok()) return InvalidFields(r);
  auto s = ctx.services.event_seats->SetAttended(e->org_id, e->id, person->contact.id, attended,
                                                 "officer:" + ctx.principal.officer_id,
                                                 ctx.services.clock->NowMillis());
  if (absl::IsFailedPrecondition(s)) return Problem(409, "Conflict", MessageOf(s), "attended");
  if (absl::IsNotFound(s)) {
    return Problem(409, "Conflict", "the person is not invited to this event", "contact_id");
  }
  if (!s.ok()) return ProblemFromStatus(s);
  auto state = ctx.services.event_seats->Get(e->org_id, e->id, person->contact.id);
  if (!state.ok()) return ProblemFromStatus(state.status());
  ApiResponse response = ApiResponse::Json(200, PersonJson(**state));
  response.contact_ids = {person->contact.id};
  return response;
}

}  // namespace

void RegisterEventRoutes(ApiRouter& router) {
  router.Add("GET", "/v1/events", Access::kRead, &ListEvents);
  router.Add("POST", "/v1/events", Access::kWrite, &CreateEvent);
  router.Add("GET", "/v1/events/{id}", Access::kRead, &GetEvent);
  router.Add("PUT", "/v1/events/{id}", Access::kWrite, &ReplaceEvent);
  router.Add("DELETE", "/v1/events/{id}", Access::kWrite, &DeleteEvent);
  router.Add("POST", "/v1/events/{id}/selection/preview", Access::kWrite, &PreviewSelection);
  router.Add("POST", "/v1/events/{id}/selection", Access::kWrite, &SaveSelection);
  router.Add("GET", "/v1/events/{id}/selections", Access::kRead, &ListSelections);
  router.Add("GET", "/v1/events/{id}/people", Access::kRead, &ListPeople);
  router.Add("POST", "/v1/events/{id}/people/{contact_id}/answer", Access::kWrite,
             &AnswerForPerson);
  router.Add("POST", "/v1/events/{id}/people/{contact_id}/attendance", Access::kWrite,
             &SetAttendance);
}

}  // namespace ogw
