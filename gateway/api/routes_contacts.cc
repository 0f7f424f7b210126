// Routes for contacts: CRUD, lookup by address, consent, erasure and import.

#include <spdlog/spdlog.h>

#include "gateway/api/route_helpers.h"
#include "gateway/api/streamed_export.h"
#include "gateway/api/scan_gate.h"
#include "gateway/contacts/contact_eraser.h"
#include "gateway/contacts/contact_export.h"
#include "gateway/contacts/contact_input.h"
#include "gateway/contacts/contact_json.h"
#include "gateway/contacts/normalize.h"
#include "gateway/contacts/person_data.h"
#include "gateway/providers/chat_links.h"

namespace ogw {
namespace {

ApiResponse ContactResponse(int status, const Contact& c, int64_t version) {
  nlohmann::json body = ContactToJson(c);
  body["version"] = version;
  ApiResponse r = ApiResponse::Json(status, body);
  r.contact_ids = {c.id};
  return r;
}

ApiResponse InvalidContact(const std::vector<FieldError>& errors) {
  std::vector<FieldProblem> problems;
  for (const auto& e : errors) problems.push_back({e.field, e.message});
  return Problem(422, "Invalid contact", errors.front().field + ": " + errors.front().message,
                 errors.front().field, problems);
}

// The contact named in the path, if the caller's scope covers it.
std::optional<StoredContact> VisibleContact(RequestContext& ctx, ApiResponse* out) {
  return ScopedContact(ctx, ctx.params[0], out);
}

// Checks that `post_id` exists and is the caller's; officers must name one of their posts.
std::optional<ApiResponse> CheckPost(RequestContext& ctx, const std::string& post_id) {
  if (post_id.empty()) {
    if (ctx.principal.scope.organisation_wide) return std::nullopt;
    return Problem(422, "Invalid contact", "officers create contacts in one of their posts",
                   "post_id");
  }
  if (!ctx.principal.scope.Allows(post_id)) {
    return Problem(422, "Invalid contact", "post is not one of your posts", "post_id");
  }
  auto post = ctx.services.orgs->GetPost(ctx.principal.org_id, post_id);
  if (!post.ok()) return ProblemFromStatus(post.status());
  if (!*post) return Problem(422, "Invalid contact", "unknown post", "post_id");
  return std::nullopt;
}

// The index of the address whose key is `address_key`, for naming the field of a conflict.
std::string AddressField(const Contact& c, const std::string& address_key) {
  for (size_t i = 0; i < c.addresses.size(); ++i) {
    if (AddressKey(c.addresses[i]) == address_key) {
      return "addresses[" + std::to_string(i) + "].value";
    }
  }
  return "addresses";
}

ApiResponse FromPutOutcome(RequestContext& ctx, const PutOutcome& outcome, const Contact& c,
                           int success_status) {
  switch (outcome.code) {
    case PutOutcome::Code::kOk:
      return ContactResponse(success_status, c, outcome.version);
    case PutOutcome::Code::kVersionMismatch:
      return Problem(409, "Conflict", "the contact was changed concurrently; read it and retry");
    case PutOutcome::Code::kAddressConflict: {
      ApiResponse r =
          Problem(409, "Address in use", "this address already belongs to another contact",
                  AddressField(c, outcome.address_key));
      // Name the other contact only to callers allowed to see it.
      auto owner = ctx.services.contacts->Get(ctx.principal.org_id, outcome.owner_id);
      if (owner.ok() && *owner && ctx.principal.scope.Allows((*owner)->contact.post_id)) {
        nlohmann::json body = nlohmann::json::parse(r.body);
        body["existing_contact_id"] = outcome.owner_id;
        r.body = body.dump();
      }
      return r;
    }
  }
  return Problem(500, "Internal error", "an internal error occurred");
}

// Applies a PATCH body to a stored contact. Consent the person withdrew and opt-outs can only
// be reversed through the consent endpoint, which records who re-granted it and why.
std::optional<Contact> PatchContact(const Contact& stored, const nlohmann::json& body, int64_t now,
                                    ApiResponse* problem) {
  nlohmann::json input = ContactToInputJson(stored);
  for (const auto& [k, v] : body.items()) input[k] = v;
  ContactInputOptions options;
  options.consent_source = "api";
  options.now_millis = now;
  std::vector<FieldError> errors;
  std::optional<Contact> patched = ContactFromJson(input, options, &errors);
  if (!patched) {
    *problem = InvalidContact(errors);
    return std::nullopt;
  }
  for (size_t i = 0; i < patched->addresses.size(); ++i) {
    Address& a = patched->addresses[i];
    for (const Address& old : stored.addresses) {
      if (old.kind != a.kind || old.value != a.value) continue;
      const bool person_said_no = old.opted_out || old.consent.state == ConsentState::kWithdrawn;
      if (person_said_no && a.consent.state == ConsentState::kGranted &&
          old.consent.state != ConsentState::kGranted) {
        *problem = Problem(409, "Consent withdrawn",
                           "the person withdrew consent or opted out; record a renewed grant "
                           "through POST /v1/contacts/{id}/consent",
                           "addresses[" + std::to_string(i) + "].consent");
        return std::nullopt;
      }
      // An omitted consent keeps the stored one, with its original source and time.
      if (a.consent.state == ConsentState::kUnknown || a.consent.state == old.consent.state) {
        a.consent = old.consent;
      }
      a.opted_out = a.opted_out || old.opted_out;
      a.opted_out_at_millis = a.opted_out == old.opted_out ? old.opted_out_at_millis : now;
    }
  }
  patched->id = stored.id;
  patched->org_id = stored.org_id;
  patched->verified = stored.verified;
  patched->created_at_millis = stored.created_at_millis;
  patched->updated_at_millis = stored.updated_at_millis;
  if (!(*patched == stored)) patched->updated_at_millis = now;
  return patched;
}

// GET /v1/contacts
ApiResponse ListContacts(RequestContext& ctx) {
  ApiResponse problem;
  auto limit = PageLimit(ctx, &problem);
  if (!limit) return problem;
  PostScope scope = ctx.principal.scope;
  if (std::string post = ctx.Query("post_id"); !post.empty()) {
    if (!scope.Allows(post)) return ApiResponse::Json(200, {{"items", nlohmann::json::array()}});
    scope = PostScope::Of({post});
  }
  auto page = ctx.services.contacts->List(ctx.principal.org_id, scope, ctx.Query("cursor"), *limit);
  if (!page.ok()) return ProblemFromStatus(page.status());
  nlohmann::json items = nlohmann::json::array();
  for (const auto& c : page->contacts) items.push_back(ContactToJson(c));
  nlohmann::json body = {{"items", std::move(items)}};
  if (!page->next_cursor.empty()) body["next_cursor"] = page->next_cursor;
  return ApiResponse::Json(200, body);
}

// POST /v1/contacts
ApiResponse CreateContact(RequestContext& ctx) {
  ApiResponse problem;
  auto body = ctx.JsonBody(&problem);
  if (!body) return problem;
  const int64_t now = ctx.services.clock->NowMillis();
  ContactInputOptions options;
  options.consent_source = "api";
  options.now_millis = now;
  std::vector<FieldError> errors;
  auto contact = ContactFromJson(*body, options, &errors);
  if (!contact) return InvalidContact(errors);
  if (auto p = CheckPost(ctx, contact->post_id)) return *p;
  contact->id = NewId("c", now);
  contact->org_id = ctx.principal.org_id;
  contact->created_at_millis = contact->updated_at_millis = now;
  auto outcome = ctx.services.contacts->Put(*contact, 0, nullptr);
  if (!outcome.ok()) return ProblemFromStatus(outcome.status());
  return FromPutOutcome(ctx, *outcome, *contact, 201);
}

// GET /v1/contacts/export: every contact in the caller's scope (or ?post=), in the import's
// own CSV or JSON shape, streamed as the store is read.
ApiResponse ExportContactsRoute(RequestContext& ctx) {
  ApiResponse problem;
  const std::string format_name = ctx.Query("format", "csv");
  if (format_name != "csv" && format_name != "json") {
    return Problem(400, "Invalid query parameter", "format must be csv or json", "format");
  }
  PostScope scope = ctx.principal.scope;
  if (std::string post = ctx.Query("post"); !post.empty()) {
    if (!IsWellFormedId(post, "post") || !scope.Allows(post)) return NotFound("post");
    scope = PostScope::Of({post});
  }
  auto permit = ctx.services.scans->Enter(ctx.principal.org_id, &problem);
  if (!permit) return problem;
  const ContactExportFormat format =
      format_name == "csv" ? ContactExportFormat::kCsv : ContactExportFormat::kJson;
  spdlog::info("contacts: {} exported the contacts of {}", ctx.principal.officer_id,
               scope.organisation_wide ? "the organisation" : "their posts");
  // The permit is held until the last chunk is written.
  auto held = std::make_shared<ScanGate::Permit>(*std::move(permit));
  return StreamedExport(format == ContactExportFormat::kCsv, "contacts",
                        "contacts of " + ctx.principal.org_id,
                        [store = ctx.services.contacts, org = ctx.principal.org_id, scope,
                         format, held](const ApiResponse::Writer& write) {
                          return ExportContacts(*store, org, scope, format, write);
                        });
}

// GET /v1/contacts/lookup
ApiResponse LookUpContact(RequestContext& ctx) {
  auto kind = ParseAddressKind(ctx.Query("kind"));
  if (!kind) {
    return Problem(400, "Invalid query parameter",
                   "kind must be email, phone, whatsapp, telegram or messenger", "kind");
  }
  auto value = NormalizeAddress(*kind, ctx.Query("value"), ctx.Query("region"));
  if (!value.ok())
    return Problem(400, "Invalid query parameter", MessageOf(value.status()), "value");
  auto owners =
      ctx.services.contacts->FindOwners(ctx.principal.org_id, {AddressKey(*kind, *value)});
  if (!owners.ok()) return ProblemFromStatus(owners.status());
  if ((*owners)[0].empty()) return NotFound("contact");
  ctx.params = {(*owners)[0]};
  ApiResponse out;
  auto stored = VisibleContact(ctx, &out);
  if (!stored) return out;
  return ContactResponse(200, stored->contact, stored->version);
}

// GET /v1/contacts/{id}/chat-links: the person's links to tie their chats to the contact.
// Whoever follows one gets the person's messages there, so they are for officers who write
// to the person, to send on a channel that already reaches them.
ApiResponse GetChatLinks(RequestContext& ctx) {
  ApiResponse problem;
  auto stored = ScopedContact(ctx, ctx.params[0], &problem);
  if (!stored) return problem;
  if (ctx.services.providers == nullptr || ctx.services.tokens == nullptr) {
    return ApiResponse::Json(
        200, {{"contact_id", stored->contact.id}, {"links", nlohmann::json::object()}});
  }
  ApiResponse response =
      ApiResponse::Json(200, {{"contact_id", stored->contact.id},
                              {"links", ChatLinks(*ctx.services.providers, *ctx.services.tokens,
                                                  ctx.principal.org_id, stored->contact)}});
  response.contact_ids = {stored->contact.id};
  return response;
}

// GET /v1/contacts/{id}
ApiResponse GetContact(RequestContext& ctx) {
  ApiResponse problem;
  auto stored = VisibleContact(ctx, &problem);
  if (!stored) return problem;
  return ContactResponse(200, stored->contact, stored->version);
}

// PATCH /v1/contacts/{id}
ApiResponse UpdateContact(RequestContext& ctx) {
  ApiResponse problem;
  auto body = ctx.JsonBody(&problem);
  if (!body) return problem;
  auto stored = VisibleContact(ctx, &problem);
  if (!stored) return problem;
  auto patched = PatchContact(stored->contact, *body, ctx.services.clock->NowMillis(), &problem);
  if (!patched) return problem;
  if (patched->post_id != stored->contact.post_id) {
    if (auto p = CheckPost(ctx, patched->post_id)) return *p;
  }
  if (*patched == stored->contact) return ContactResponse(200, *patched, stored->version);
  auto outcome = ctx.services.contacts->Put(*patched, stored->version, &stored->contact);
  if (!outcome.ok()) return ProblemFromStatus(outcome.status());
  return FromPutOutcome(ctx, *outcome, *patched, 200);
}

// DELETE /v1/contacts/{id}
// The right of access: everything kept about the person, as one document.
ApiResponse ExportPersonData(RequestContext& ctx) {
  ApiResponse problem;
  auto stored = ScopedContact(ctx, ctx.params[0], &problem);
  if (!stored) return problem;
  PersonDataSources sources;
  sources.redis = ctx.services.redis;
  sources.clock = ctx.services.clock;
  sources.contacts = ctx.services.contacts;
  sources.conversations = ctx.services.conversations;
  sources.threads = ctx.services.threads;
  sources.seats = ctx.services.event_seats;
  sources.queue = ctx.services.queue;
  auto doc = CollectPersonData(sources, ctx.principal.org_id, stored->contact.id);
  if (!doc.ok()) return ProblemFromStatus(doc.status());
  if (!*doc) return NotFound("contact");
  spdlog::info("contacts: {} exported the data of {}", ctx.principal.officer_id,
               stored->contact.id);
  ApiResponse r = ApiResponse::Json(200, **doc);
  r.headers["Content-Disposition"] = "attachment; filename=\"" + stored->contact.id + ".json\"";
  r.contact_ids = {stored->contact.id};
  return r;
}

ApiResponse EraseContact(RequestContext& ctx) {
  ApiResponse problem;
  auto stored = VisibleContact(ctx, &problem);
  if (!stored) return problem;
  ContactEraser eraser(ctx.services.contacts, ctx.services.queue, ctx.services.links,
                       ctx.services.redis, ctx.services.event_seats, ctx.services.clock);
  std::vector<EventSeatChanges> seat_changes;
  auto s = eraser.Erase(ctx.principal.org_id, stored->contact.id, &seat_changes);
  if (!s.ok()) return ProblemFromStatus(s);
  // Seats the person held go on to the next people waiting, who are told; the erased person's
  // own change is noted nowhere (nothing of theirs may stay).
  for (EventSeatChanges& in_event : seat_changes) {
    std::erase_if(in_event.changes,
                  [&](const SeatChange& c) { return c.contact_id == stored->contact.id; });
    if (in_event.changes.empty() || ctx.services.rsvp == nullptr) continue;
    auto event = ctx.services.events->Get(ctx.principal.org_id, in_event.event_id);
    absl::Status told = event.status();
    if (event.ok() && *event) told = ctx.services.rsvp->Announce(**event, in_event.changes);
    if (!told.ok()) {
      spdlog::warn("erasure: telling people of event {}: {}", in_event.event_id, MessageOf(told));
    }
  }
  return ApiResponse::NoContent();
}

// POST /v1/contacts/{id}/consent
ApiResponse ChangeContactConsent(RequestContext& ctx) {
  ApiResponse problem;
  auto body = ctx.JsonBody(&problem);
  if (!body) return problem;
  auto stored = VisibleContact(ctx, &problem);
  if (!stored) return problem;
  std::string kind_name, value, state_name, source;
  JsonReader r = JsonReader::ForInput(*body);
  r.String("kind", &kind_name, true);
  r.String("value", &value, true);
  r.String("state", &state_name, true);
  r.String("source", &source, true);
  auto kind = ParseAddressKind(kind_name);
  auto state = ParseConsentState(state_name);
  if (!kind_name.empty() && !kind) r.Error("kind", "unknown address kind");
  if (!state_name.empty() && (!state || *state == ConsentState::kUnknown)) {
    r.Error("state", "expected granted or withdrawn");
  }
  if (source.size() > 500) r.Error("source", "must be at most 500 bytes");
  if (!r.Finish().ok()) return InvalidFields(r);
  auto normalised = NormalizeAddress(*kind, value, stored->contact.country);
  if (!normalised.ok())
    return Problem(422, "Invalid input", MessageOf(normalised.status()), "value");
  Contact updated = stored->contact;
  Address* address = nullptr;
  for (auto& a : updated.addresses) {
    if (a.kind == *kind && a.value == *normalised) address = &a;
  }
  if (address == nullptr)
    return Problem(404, "Not found", "the contact has no such address", "value");
  const int64_t now = ctx.services.clock->NowMillis();
  address->consent = Consent{*state, source, now};
  // A grant recorded here is the person's own renewed consent, so it ends an opt-out;
  // a withdrawal is an opt-out.
  address->opted_out = *state == ConsentState::kWithdrawn;
  address->opted_out_at_millis = now;
  updated.updated_at_millis = now;
  auto outcome = ctx.services.contacts->Put(updated, stored->version, &stored->contact);
  if (!outcome.ok()) return ProblemFromStatus(outcome.status());
  return FromPutOutcome(ctx, *outcome, updated, 200);
}

// POST /v1/imports
ApiResponse StartImport(RequestContext& ctx) {
  std::string format_name = ctx.Query("format");
  if (format_name.empty()) {
    std::string type = ctx.request.get_header_value("Content-Type");
    format_name = type.starts_with("text/csv") ? "csv" : "json";
  }
  if (format_name != "csv" && format_name != "json") {
    return Problem(400, "Invalid query parameter", "format must be csv or json", "format");
  }
  ImportFormat format = format_name == "csv" ? ImportFormat::kCsv : ImportFormat::kJson;
  ImportOptions options;
  options.org_id = ctx.principal.org_id;
  options.scope = ctx.principal.scope;
  options.default_post_id = ctx.Query("post_id");
  const std::string source = ctx.Query("source", "api");
  bool printable =
      !source.empty() && source.size() <= 200 && FindInvalidUtf8(source) == std::string::npos;
  for (unsigned char c : source) printable &= c >= 0x20 && c != 0x7f;
  if (!printable) {
    return Problem(400, "Invalid query parameter",
                   "source must be 1 to 200 bytes of printable UTF-8", "source");
  }
  options.source = "import:" + source;
  options.max_rows = static_cast<size_t>(ctx.services.settings.max_import_rows);
  if (!options.default_post_id.empty()) {
    if (auto p = CheckPost(ctx, options.default_post_id)) {
      p->body = Problem(p->status, "Invalid query parameter",
                        nlohmann::json::parse(p->body).value("detail", ""), "post_id")
                    .body;
      return *p;
    }
  }
  auto posts = ctx.services.orgs->ListPosts(ctx.principal.org_id);
  if (!posts.ok()) return ProblemFromStatus(posts.status());
  for (const auto& p : *posts) options.known_posts.insert(p.id);
  auto report = ctx.services.importer->Import(format, ctx.request.body, options);
  if (!report.ok()) {
    return report.status().code() == absl::StatusCode::kInvalidArgument
               ? Problem(422, "Invalid file", MessageOf(report.status()), "body")
               : ProblemFromStatus(report.status());
  }
  ctx.services.metrics->CountImport(report->created, report->updated, report->unchanged,
                                    report->failed);
  return ApiResponse::Json(200, report->ToJson(format));
}

}  // namespace

void RegisterContactRoutes(ApiRouter& router) {
  router.Add("GET", "/v1/contacts", Access::kRead, &ListContacts);
  router.Add("POST", "/v1/contacts", Access::kWrite, &CreateContact);
  router.Add("GET", "/v1/contacts/lookup", Access::kRead, &LookUpContact);
  router.Add("GET", "/v1/contacts/export", Access::kWrite, &ExportContactsRoute);
  router.Add("GET", "/v1/contacts/{id}", Access::kRead, &GetContact);
  router.Add("GET", "/v1/contacts/{id}/chat-links", Access::kWrite, &GetChatLinks);
  router.Add("PATCH", "/v1/contacts/{id}", Access::kWrite, &UpdateContact);
  router.Add("DELETE", "/v1/contacts/{id}", Access::kWrite, &EraseContact);
  router.Add("GET", "/v1/contacts/{id}/data", Access::kWrite, &ExportPersonData);
  router.Add("POST", "/v1/contacts/{id}/consent", Access::kWrite, &ChangeContactConsent);
  router.Add("POST", "/v1/imports", Access::kWrite, &StartImport);
}

}  // namespace ogw
