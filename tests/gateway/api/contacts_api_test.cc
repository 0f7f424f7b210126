// The contacts API end to end: create with normalisation, conflicts, reads, cursor pagination,
// partial updates, consent, lookup, erasure (including cached idempotent responses) and
// validation errors.

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <set>
#include <string>
#include <vector>

#include "tests/testutil/api_harness.h"

namespace ogw::testing {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;
using ::testing::StartsWith;
using ::testing::UnorderedElementsAre;
using json = nlohmann::json;

std::string ErrorMessage(const HttpResult& r, const std::string& field) {
  for (const auto& e : r.json.value("errors", json::array())) {
    if (e.value("field", "") == field) return e.value("message", "");
  }
  return "";
}

json Phone(const std::string& value) { return {{"kind", "phone"}, {"value", value}}; }
json Email(const std::string& value) { return {{"kind", "email"}, {"value", value}}; }

class ApiContactsTest : public ApiTest {
 protected:
  json Contact(const std::string& name, json addresses) {
    return {{"name", name}, {"addresses", std::move(addresses)}};
  }

  HttpResult GetContact(const std::string& id) {
    return Get("/v1/contacts/" + id, admin_token_);
  }

  int64_t Stat(const std::string& name) {
    HttpResult org = Get("/v1/organisation", admin_token_);
    EXPECT_EQ(org.status, 200) << org.body;
    return org.json["stats"].value(name, int64_t{0});
  }

  // Walks every page of `path` (which has a query string) with `token`.
  std::vector<std::string> AllPages(const std::string& path, const std::string& token,
                                    size_t limit, size_t* pages) {
    std::vector<std::string> ids;
    std::string cursor;
    *pages = 0;
    for (int guard = 0; guard < 100; ++guard) {
      std::string url = path + "limit=" + std::to_string(limit);
      if (!cursor.empty()) url += "&cursor=" + cursor;
      HttpResult r = Get(url, token);
      EXPECT_EQ(r.status, 200) << r.body;
      if (r.status != 200) break;
      ++*pages;
      EXPECT_LE(r.json["items"].size(), limit);
      for (const auto& c : r.json["items"]) ids.push_back(c["id"]);
      if (!r.json.contains("next_cursor")) break;
      EXPECT_EQ(r.json["items"].size(), limit) << "only the last page may be short";
      cursor = r.json["next_cursor"];
      EXPECT_EQ(cursor, ids.back());
    }
    return ids;
  }
};

// ---------------------------------------------------------------------------------------------
// Create and read.

TEST_F(ApiContactsTest, CreateNormalisesAndReturnsTheStoredContact) {
  const int64_t now = clock_.NowMillis();
  json body = {{"name", "  Nino Beridze  "},
               {"country", "de"},
               {"city", "Berlin"},
               {"time_zone", "europe/berlin"},
               {"languages", {"KA", "de-de"}},
               {"tags", {"volunteer", "board", "volunteer"}},
               {"attributes", {{"generation", 2}, {"district", "Mitte"}}},
               {"channel_order", {"whatsapp", "sms"}},
               {"addresses",
                {{{"kind", "phone"}, {"value", "030 1234567"}, {"consent", "granted"}},
                 {{"kind", "email"}, {"value", "Nino.Beridze@Example.COM"}},
                 {{"kind", "whatsapp"}, {"value", "0151 23456789"}, {"verified", true},
                  {"consent", {{"state", "granted"}, {"source", "form-7"}}}}}}};
  HttpResult r = Post("/v1/contacts", body, admin_token_);
  ASSERT_EQ(r.status, 201) << r.body;
  EXPECT_THAT(r.Header("Content-Type"), StartsWith("application/json"));
  const json& c = r.json;
  EXPECT_THAT(c["id"].get<std::string>(), StartsWith("c_"));
  EXPECT_EQ(c["org_id"], Get("/v1/me", admin_token_).json["org_id"]);
  EXPECT_EQ(c["name"], "Nino Beridze");
  EXPECT_EQ(c["country"], "DE");
  EXPECT_EQ(c["time_zone"], "Europe/Berlin");
  EXPECT_EQ(c["languages"], json({"ka", "de-DE"}));
  EXPECT_EQ(c["tags"], json({"board", "volunteer"}));
  EXPECT_EQ(c["attributes"]["generation"], 2);
  EXPECT_EQ(c["attributes"]["district"], "Mitte");
  EXPECT_EQ(c["channel_order"], json({"whatsapp", "sms"}));
  EXPECT_EQ(c["post_id"], "");
  EXPECT_EQ(c["verified"], true);
  EXPECT_EQ(c["version"], 1);
  EXPECT_EQ(c["created_at"], now);
  EXPECT_EQ(c["updated_at"], now);
  ASSERT_EQ(c["addresses"].size(), 3u);
  EXPECT_EQ(c["addresses"][0]["value"], "+49301234567");
  EXPECT_EQ(c["addresses"][0]["consent"]["state"], "granted");
  EXPECT_EQ(c["addresses"][0]["consent"]["source"], "api");
  EXPECT_EQ(c["addresses"][0]["consent"]["at"], now);
  EXPECT_EQ(c["addresses"][1]["value"], "Nino.Beridze@example.com");
  EXPECT_EQ(c["addresses"][1]["consent"]["state"], "unknown");
  EXPECT_EQ(c["addresses"][2]["value"], "+4915123456789");
  EXPECT_EQ(c["addresses"][2]["verified"], true);
  EXPECT_EQ(c["addresses"][2]["consent"]["source"], "form-7");

  // GET returns the same document.
  HttpResult g = GetContact(c["id"]);
  ASSERT_EQ(g.status, 200) << g.body;
  EXPECT_EQ(g.json, c);
  EXPECT_EQ(Stat("contacts_created"), 1);
}

TEST_F(ApiContactsTest, CreateInPostByOfficer) {
  std::string post = CreatePost("Tbilisi");
  std::string officer = CreateOfficerToken("officer", {post});
  HttpResult r = Post("/v1/contacts",
                      {{"name", "Giorgi"}, {"post_id", post},
                       {"addresses", {Email("giorgi@example.ge")}}},
                      officer);
  ASSERT_EQ(r.status, 201) << r.body;
  EXPECT_EQ(r.json["post_id"], post);
  EXPECT_EQ(Get("/v1/contacts/" + r.json["id"].get<std::string>(), officer).json["name"],
            "Giorgi");
}

TEST_F(ApiContactsTest, CreateInUnknownPostIsRejected) {
  HttpResult r = Post("/v1/contacts",
                      {{"name", "Lost"}, {"post_id", "post_nope"},
                       {"addresses", {Email("lost@example.org")}}},
                      admin_token_);
  ExpectProblem(r, 422);
  EXPECT_EQ(r.json["field"], "post_id");
  ExpectProblem(Get("/v1/contacts/lookup?kind=email&value=lost@example.org", admin_token_), 404);
}

TEST_F(ApiContactsTest, Utf8NamesRoundTrip) {
  const std::vector<std::string> names = {"محمد", "ნინო ბერიძე", "አበበ ቢቂላ"};
  std::vector<std::string> ids;
  for (size_t i = 0; i < names.size(); ++i) {
    HttpResult r = Post("/v1/contacts",
                        {{"name", names[i]}, {"city", "Αθήνα"},
                         {"addresses", {Email("p" + std::to_string(i) + "@example.org")}}},
                        admin_token_);
    ASSERT_EQ(r.status, 201) << r.body;
    EXPECT_EQ(r.json["name"], names[i]);
    // Sent as UTF-8, not as \u escapes.
    EXPECT_THAT(r.body, HasSubstr(names[i]));
    ids.push_back(r.json["id"]);
  }
  for (size_t i = 0; i < names.size(); ++i) {
    HttpResult g = GetContact(ids[i]);
    ASSERT_EQ(g.status, 200);
    EXPECT_EQ(g.json["name"], names[i]);
    EXPECT_EQ(g.json["city"], "Αθήνα");
    HttpResult l = Get("/v1/contacts/lookup?kind=email&value=p" + std::to_string(i) +
                           "@example.org",
                       admin_token_);
    ASSERT_EQ(l.status, 200);
    EXPECT_EQ(l.json["name"], names[i]);
  }
  HttpResult list = Get("/v1/contacts", admin_token_);
  ASSERT_EQ(list.status, 200);
  std::vector<std::string> listed;
  for (const auto& c : list.json["items"]) listed.push_back(c["name"]);
  EXPECT_THAT(listed, UnorderedElementsAre(names[0], names[1], names[2]));
  // A PATCH keeps them intact.
  HttpResult p = Patch("/v1/contacts/" + ids[1], {{"city", "თბილისი"}}, admin_token_);
  ASSERT_EQ(p.status, 200) << p.body;
  EXPECT_EQ(p.json["name"], names[1]);
  EXPECT_EQ(p.json["city"], "თბილისი");
}

TEST_F(ApiContactsTest, NamesAreNfcNormalised) {
  // "José" with a combining acute accent.
  HttpResult r = Post("/v1/contacts",
                      Contact("Jose\xCC\x81", json::array({Email("jose@example.org")})),
                      admin_token_);
  ASSERT_EQ(r.status, 201) << r.body;
  EXPECT_EQ(r.json["name"], "Jos\xC3\xA9");
}

TEST_F(ApiContactsTest, GetUnknownOrMalformedIdIsNotFound) {
  ExpectProblem(GetContact("c_0000000000aaaaaaaaaaaaaaaa"), 404);
  HttpResult bad = GetContact("not-an-id");
  ExpectProblem(bad, 404);
  EXPECT_THAT(bad.json.value("detail", ""), HasSubstr("contact"));
  ExpectProblem(Patch("/v1/contacts/c_0000000000aaaaaaaaaaaaaaaa", {{"city", "X"}}, admin_token_),
                404);
  ExpectProblem(Delete("/v1/contacts/c_0000000000aaaaaaaaaaaaaaaa", admin_token_), 404);
}

// ---------------------------------------------------------------------------------------------
// Duplicates.

TEST_F(ApiContactsTest, DuplicateAddressIsConflictNamingFieldAndOwner) {
  std::string first = CreateContact(
      {{"name", "First"}, {"country", "DE"}, {"addresses", {Phone("030 1234567")}}},
      admin_token_);
  // The same number in another spelling, at index 1.
  HttpResult r = Post("/v1/contacts",
                      Contact("Second", {Email("second@example.org"), Phone("+49 30 1234567")}),
                      admin_token_);
  ExpectProblem(r, 409);
  EXPECT_EQ(r.json["field"], "addresses[1].value");
  EXPECT_EQ(r.json.value("existing_contact_id", ""), first);
  // Nothing of the second contact was stored, not even its free address.
  ExpectProblem(Get("/v1/contacts/lookup?kind=email&value=second@example.org", admin_token_),
                404);
  EXPECT_EQ(Stat("contacts_created"), 1);

  // E-mail domains compare case-insensitively.
  CreateContact(Contact("Third", {Email("x@Example.org")}), admin_token_);
  HttpResult e = Post("/v1/contacts", Contact("Fourth", {Email("x@EXAMPLE.ORG")}), admin_token_);
  ExpectProblem(e, 409);
  EXPECT_EQ(e.json["field"], "addresses[0].value");
}

TEST_F(ApiContactsTest, DuplicateAddressWithinOneContactIsInvalid) {
  HttpResult r = Post("/v1/contacts",
                      {{"name", "Twice"}, {"country", "DE"},
                       {"addresses", {Phone("030 1234567"), Phone("+49301234567")}}},
                      admin_token_);
  ExpectProblem(r, 422);
  EXPECT_EQ(r.json["field"], "addresses[1].value");
  EXPECT_THAT(ErrorMessage(r, "addresses[1].value"), HasSubstr("duplicate"));
}

// ---------------------------------------------------------------------------------------------
// Listing.

TEST_F(ApiContactsTest, CursorPaginationHasNoGapsOrDuplicates) {
  std::vector<std::string> created;
  for (int i = 0; i < 11; ++i) {
    created.push_back(CreateContact(
        Contact("Person " + std::to_string(i),
                {Email("p" + std::to_string(i) + "@example.org")}),
        admin_token_));
    if (i % 3 == 0) clock_.Advance(1);  // Some share a millisecond, some do not.
  }
  std::vector<std::string> sorted = created;
  std::sort(sorted.begin(), sorted.end());
  for (size_t limit : {1u, 3u, 4u, 11u, 50u}) {
    SCOPED_TRACE("limit " + std::to_string(limit));
    size_t pages = 0;
    std::vector<std::string> ids = AllPages("/v1/contacts?", admin_token_, limit, &pages);
    EXPECT_EQ(ids, sorted);  // Every contact once, in id order.
    EXPECT_EQ(pages, std::max<size_t>(1, (sorted.size() + limit - 1) / limit));
  }
}

TEST_F(ApiContactsTest, ListItemsAreFullContactsAndDefaultPageHoldsAll) {
  std::string id = CreateContact(
      {{"name", "Listed"}, {"tags", {"t"}}, {"addresses", {Email("l@example.org")}}},
      admin_token_);
  HttpResult r = Get("/v1/contacts", admin_token_);
  ASSERT_EQ(r.status, 200) << r.body;
  ASSERT_EQ(r.json["items"].size(), 1u);
  EXPECT_FALSE(r.json.contains("next_cursor"));
  json item = r.json["items"][0];
  EXPECT_EQ(item["id"], id);
  EXPECT_EQ(item["tags"], json({"t"}));
  EXPECT_EQ(item["addresses"][0]["value"], "l@example.org");
}

TEST_F(ApiContactsTest, PaginationAcrossSeveralPostsMergesById) {
  std::string a = CreatePost("A");
  std::string b = CreatePost("B");
  std::string officer = CreateOfficerToken("officer", {a, b});
  std::vector<std::string> visible;
  for (int i = 0; i < 9; ++i) {
    clock_.Advance(1);
    std::string post = i % 3 == 0 ? b : a;
    visible.push_back(CreateContact(
        {{"name", "P" + std::to_string(i)},
         {"post_id", post},
         {"addresses", {Email("m" + std::to_string(i) + "@example.org")}}},
        officer));
  }
  CreateContact(Contact("Postless", {Email("none@example.org")}), admin_token_);
  std::sort(visible.begin(), visible.end());
  size_t pages = 0;
  EXPECT_EQ(AllPages("/v1/contacts?", officer, 2, &pages), visible);
  EXPECT_EQ(pages, 5u);
  // Filtered to one post.
  std::vector<std::string> in_b;
  for (const auto& id : visible) {
    if (GetContact(id).json["post_id"] == b) in_b.push_back(id);
  }
  EXPECT_EQ(AllPages("/v1/contacts?post_id=" + b + "&", officer, 2, &pages), in_b);
  EXPECT_EQ(in_b.size(), 3u);
}

TEST_F(ApiContactsTest, CursorSurvivesErasureOfItsContact) {
  std::vector<std::string> ids;
  for (int i = 0; i < 5; ++i) {
    clock_.Advance(1);
    ids.push_back(CreateContact(Contact("C" + std::to_string(i),
                                        {Email("c" + std::to_string(i) + "@example.org")}),
                                admin_token_));
  }
  HttpResult first = Get("/v1/contacts?limit=2", admin_token_);
  ASSERT_EQ(first.status, 200);
  ASSERT_EQ(first.json.value("next_cursor", ""), ids[1]);
  ASSERT_EQ(Delete("/v1/contacts/" + ids[1], admin_token_).status, 204);
  HttpResult second = Get("/v1/contacts?limit=2&cursor=" + ids[1], admin_token_);
  ASSERT_EQ(second.status, 200) << second.body;
  ASSERT_EQ(second.json["items"].size(), 2u);
  EXPECT_EQ(second.json["items"][0]["id"], ids[2]);
  EXPECT_EQ(second.json["items"][1]["id"], ids[3]);
}

TEST_F(ApiContactsTest, InvalidLimitIsBadRequest) {
  for (const char* limit : {"0", "-1", "abc", "2x", ""}) {
    SCOPED_TRACE(limit);
    HttpResult r = Get(std::string("/v1/contacts?limit=") + limit, admin_token_);
    if (std::string(limit).empty()) {
      EXPECT_EQ(r.status, 200) << r.body;  // Empty means the default.
      continue;
    }
    ExpectProblem(r, 400);
    EXPECT_EQ(r.json["field"], "limit");
  }
}

// ---------------------------------------------------------------------------------------------
// PATCH.

TEST_F(ApiContactsTest, PatchUpdatesOnlyGivenFields) {
  const int64_t created_at = clock_.NowMillis();
  std::string id = CreateContact({{"name", "Patchy"},
                                  {"country", "DE"},
                                  {"languages", {"de"}},
                                  {"tags", {"old"}},
                                  {"attributes", {{"a", "1"}}},
                                  {"addresses", {Phone("030 1234567"), Email("p@example.org")}}},
                                 admin_token_);
  clock_.Advance(5000);
  HttpResult r = Patch("/v1/contacts/" + id,
                       {{"city", "Hamburg"}, {"tags", {"zeta", "alpha"}}}, admin_token_);
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(r.json["city"], "Hamburg");
  EXPECT_EQ(r.json["tags"], json({"alpha", "zeta"}));
  EXPECT_EQ(r.json["name"], "Patchy");
  EXPECT_EQ(r.json["country"], "DE");
  EXPECT_EQ(r.json["languages"], json({"de"}));
  EXPECT_EQ(r.json["attributes"], json({{"a", "1"}}));
  ASSERT_EQ(r.json["addresses"].size(), 2u);
  EXPECT_EQ(r.json["addresses"][0]["value"], "+49301234567");
  EXPECT_EQ(r.json["addresses"][0]["consent"]["state"], "unknown");
  EXPECT_EQ(r.json["version"], 2);
  EXPECT_EQ(r.json["created_at"], created_at);
  EXPECT_EQ(r.json["updated_at"], created_at + 5000);
  HttpResult g = GetContact(id);
  EXPECT_EQ(g.json, r.json);

  // Clearing an optional field with null.
  HttpResult cleared = Patch("/v1/contacts/" + id, {{"city", nullptr}}, admin_token_);
  ASSERT_EQ(cleared.status, 200) << cleared.body;
  EXPECT_EQ(cleared.json["city"], "");
  EXPECT_EQ(cleared.json["version"], 3);
}

TEST_F(ApiContactsTest, PatchWithoutChangesKeepsVersion) {
  std::string id = CreateContact(Contact("Same", {Email("same@example.org")}), admin_token_);
  clock_.Advance(1000);
  HttpResult r = Patch("/v1/contacts/" + id, {{"name", "Same"}}, admin_token_);
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(r.json["version"], 1);
  EXPECT_EQ(r.json["updated_at"], r.json["created_at"]);
  HttpResult empty = Patch("/v1/contacts/" + id, json::object(), admin_token_);
  ASSERT_EQ(empty.status, 200) << empty.body;
  EXPECT_EQ(empty.json["version"], 1);
}

TEST_F(ApiContactsTest, PatchReplacingAddressesFreesTheOldOnes) {
  std::string id = CreateContact(Contact("Mover", {Email("old@example.org")}), admin_token_);
  HttpResult r = Patch("/v1/contacts/" + id, {{"addresses", {Email("new@example.org")}}},
                       admin_token_);
  ASSERT_EQ(r.status, 200) << r.body;
  ASSERT_EQ(r.json["addresses"].size(), 1u);
  EXPECT_EQ(r.json["addresses"][0]["value"], "new@example.org");
  ExpectProblem(Get("/v1/contacts/lookup?kind=email&value=old@example.org", admin_token_), 404);
  EXPECT_EQ(Get("/v1/contacts/lookup?kind=email&value=new@example.org", admin_token_).json["id"],
            id);
  // The freed address can go to somebody else.
  HttpResult other = Post("/v1/contacts", Contact("Other", {Email("old@example.org")}),
                          admin_token_);
  EXPECT_EQ(other.status, 201) << other.body;
}

TEST_F(ApiContactsTest, PatchValidationErrorsLeaveContactUnchanged) {
  std::string id = CreateContact(Contact("Valid", {Email("v@example.org")}), admin_token_);
  HttpResult r = Patch("/v1/contacts/" + id,
                       {{"languages", {"english"}}, {"time_zone", "Mars/Olympus"},
                        {"nickname", "V"}},
                       admin_token_);
  ExpectProblem(r, 422);
  EXPECT_THAT(ErrorFields(r), UnorderedElementsAre("languages[0]", "time_zone", "nickname"));
  HttpResult empty_name = Patch("/v1/contacts/" + id, {{"name", "   "}}, admin_token_);
  ExpectProblem(empty_name, 422);
  EXPECT_EQ(empty_name.json["field"], "name");
  HttpResult no_addresses = Patch("/v1/contacts/" + id, {{"addresses", json::array()}},
                                  admin_token_);
  ExpectProblem(no_addresses, 422);
  EXPECT_EQ(no_addresses.json["field"], "addresses");
  auto raw = client_->Patch("/v1/contacts/" + id, {{"Authorization", "Bearer " + admin_token_}},
                            "{oops", "application/json");
  ASSERT_TRUE(raw);
  EXPECT_EQ(raw->status, 400);
  EXPECT_THAT(raw->body, HasSubstr("\"field\":\"body\""));
  HttpResult g = GetContact(id);
  EXPECT_EQ(g.json["version"], 1);
  EXPECT_EQ(g.json["name"], "Valid");
  EXPECT_EQ(g.json["languages"], json::array());
}

TEST_F(ApiContactsTest, PatchAddressConflictNamesField) {
  std::string a = CreateContact(Contact("A", {Email("a@example.org")}), admin_token_);
  std::string b = CreateContact(Contact("B", {Email("b@example.org")}), admin_token_);
  // Only the domain is case-insensitive.
  HttpResult r = Patch("/v1/contacts/" + b,
                       {{"addresses", {Email("b@example.org"), Email("a@EXAMPLE.org")}}},
                       admin_token_);
  ExpectProblem(r, 409);
  EXPECT_EQ(r.json["field"], "addresses[1].value");
  EXPECT_EQ(r.json.value("existing_contact_id", ""), a);
  EXPECT_EQ(GetContact(a).json["addresses"][0]["value"], "a@example.org");
  HttpResult kept = GetContact(b);
  EXPECT_EQ(kept.json["version"], 1);
  EXPECT_EQ(kept.json["addresses"].size(), 1u);
  // "A@example.org" has a different local part, so it is a different address.
  HttpResult distinct = Patch("/v1/contacts/" + b,
                              {{"addresses", {Email("b@example.org"), Email("A@example.org")}}},
                              admin_token_);
  EXPECT_EQ(distinct.status, 200) << distinct.body;
}

// ---------------------------------------------------------------------------------------------
// Consent.

class ApiContactsConsentTest : public ApiContactsTest {
 protected:
  void SetUp() override {
    ApiContactsTest::SetUp();
    if (HasFatalFailure()) return;
    id_ = CreateContact({{"name", "Consenting"},
                         {"country", "DE"},
                         {"addresses",
                          {{{"kind", "phone"}, {"value", "030 1234567"}, {"consent", "granted"}},
                           Email("c@example.org")}}},
                        admin_token_);
    ASSERT_FALSE(id_.empty());
  }
  HttpResult Consent(const std::string& kind, const std::string& value, const std::string& state,
                     const std::string& source) {
    return Post("/v1/contacts/" + id_ + "/consent",
                {{"kind", kind}, {"value", value}, {"state", state}, {"source", source}},
                admin_token_);
  }
  std::string id_;
};

TEST_F(ApiContactsConsentTest, WithdrawalThenPatchCannotRegrant) {
  clock_.Advance(1000);
  HttpResult w = Consent("phone", "+49301234567", "withdrawn", "sms STOP");
  ASSERT_EQ(w.status, 200) << w.body;
  EXPECT_EQ(w.json["addresses"][0]["consent"]["state"], "withdrawn");
  EXPECT_EQ(w.json["addresses"][0]["consent"]["source"], "sms STOP");
  EXPECT_EQ(w.json["addresses"][0]["consent"]["at"], clock_.NowMillis());
  EXPECT_EQ(w.json["addresses"][0]["opted_out"], true);
  EXPECT_EQ(w.json["version"], 2);

  // PATCH may not re-grant, in either spelling.
  HttpResult p1 = Patch("/v1/contacts/" + id_,
                        {{"addresses", {{{"kind", "phone"}, {"value", "+49301234567"},
                                         {"consent", "granted"}}}}},
                        admin_token_);
  ExpectProblem(p1, 409);
  EXPECT_EQ(p1.json["field"], "addresses[0].consent");
  EXPECT_THAT(p1.json.value("detail", ""), HasSubstr("/consent"));
  HttpResult p2 = Patch(
      "/v1/contacts/" + id_,
      {{"addresses", {Email("c@example.org"),
                      {{"kind", "phone"}, {"value", "030 1234567"},
                       {"consent", {{"state", "granted"}, {"source", "officer says so"}}},
                       {"opted_out", false}}}}},
      admin_token_);
  ExpectProblem(p2, 409);
  EXPECT_EQ(p2.json["field"], "addresses[1].consent");

  // Nor can it clear the opt-out silently.
  HttpResult p3 = Patch("/v1/contacts/" + id_,
                        {{"addresses", {{{"kind", "phone"}, {"value", "+49301234567"},
                                         {"opted_out", false}},
                                        Email("c@example.org")}}},
                        admin_token_);
  ASSERT_EQ(p3.status, 200) << p3.body;
  EXPECT_EQ(p3.json["addresses"][0]["opted_out"], true);
  EXPECT_EQ(p3.json["addresses"][0]["consent"]["state"], "withdrawn");

  // Unrelated edits keep the withdrawal as recorded.
  HttpResult p4 = Patch("/v1/contacts/" + id_, {{"city", "Berlin"}}, admin_token_);
  ASSERT_EQ(p4.status, 200) << p4.body;
  EXPECT_EQ(p4.json["addresses"][0]["consent"]["state"], "withdrawn");
  EXPECT_EQ(p4.json["addresses"][0]["consent"]["source"], "sms STOP");
  EXPECT_EQ(p4.json["addresses"][0]["opted_out"], true);

  HttpResult g = GetContact(id_);
  EXPECT_EQ(g.json["addresses"][0]["consent"]["state"], "withdrawn");
  EXPECT_EQ(g.json["addresses"][0]["opted_out"], true);

  // The consent endpoint can record a renewed grant.
  clock_.Advance(1000);
  HttpResult grant = Consent("phone", "030 1234567", "granted", "signed form 7");
  ASSERT_EQ(grant.status, 200) << grant.body;
  EXPECT_EQ(grant.json["addresses"][0]["consent"]["state"], "granted");
  EXPECT_EQ(grant.json["addresses"][0]["consent"]["source"], "signed form 7");
  EXPECT_EQ(grant.json["addresses"][0]["consent"]["at"], clock_.NowMillis());
  EXPECT_EQ(grant.json["addresses"][0]["opted_out"], false);
  EXPECT_EQ(GetContact(id_).json["addresses"][0]["consent"]["state"], "granted");
  // Now reachable for a segment.
  HttpResult preview =
      Post("/v1/segments/preview", {{"expression", "reachable(phone)"}}, admin_token_);
  ASSERT_EQ(preview.status, 200) << preview.body;
  EXPECT_EQ(preview.json["count"], 1);
}

TEST_F(ApiContactsConsentTest, PatchCanGrantConsentThatWasNeverWithdrawn) {
  HttpResult r = Patch("/v1/contacts/" + id_,
                       {{"addresses", {{{"kind", "phone"}, {"value", "+49301234567"}},
                                       {{"kind", "email"}, {"value", "c@example.org"},
                                        {"consent", "granted"}}}}},
                       admin_token_);
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(r.json["addresses"][1]["consent"]["state"], "granted");
  EXPECT_EQ(r.json["addresses"][1]["consent"]["source"], "api");
  // The omitted consent of the phone kept its stored state.
  EXPECT_EQ(r.json["addresses"][0]["consent"]["state"], "granted");
}

TEST_F(ApiContactsConsentTest, ConsentEndpointValidatesInput) {
  HttpResult unknown_state = Consent("phone", "+49301234567", "unknown", "x");
  ExpectProblem(unknown_state, 422);
  EXPECT_EQ(unknown_state.json["field"], "state");
  HttpResult bad_kind = Consent("fax", "+49301234567", "granted", "x");
  ExpectProblem(bad_kind, 422);
  EXPECT_EQ(bad_kind.json["field"], "kind");
  HttpResult missing = Post("/v1/contacts/" + id_ + "/consent",
                            {{"kind", "phone"}, {"value", "+49301234567"}}, admin_token_);
  ExpectProblem(missing, 422);
  EXPECT_THAT(ErrorFields(missing), UnorderedElementsAre("state", "source"));
  HttpResult extra = Post("/v1/contacts/" + id_ + "/consent",
                          {{"kind", "phone"}, {"value", "+49301234567"}, {"state", "granted"},
                           {"source", "x"}, {"note", "y"}},
                          admin_token_);
  ExpectProblem(extra, 422);
  EXPECT_EQ(extra.json["field"], "note");
  HttpResult other_address = Consent("email", "someone@example.org", "withdrawn", "x");
  ExpectProblem(other_address, 404);
  EXPECT_EQ(other_address.json["field"], "value");
  HttpResult bad_value = Consent("phone", "not a number", "withdrawn", "x");
  ExpectProblem(bad_value, 422);
  EXPECT_EQ(bad_value.json["field"], "value");
  HttpResult g = GetContact(id_);
  EXPECT_EQ(g.json["version"], 1);
  EXPECT_EQ(g.json["addresses"][0]["consent"]["state"], "granted");
}

// ---------------------------------------------------------------------------------------------
// Lookup.

TEST_F(ApiContactsTest, LookupByNormalisedAddress) {
  std::string id = CreateContact({{"name", "Findable"},
                                  {"country", "DE"},
                                  {"addresses", {Phone("030 1234567"), Email("Find.Me@Example.ORG"),
                                                 {{"kind", "telegram"}, {"value", "@Find_Me_1"}}}}},
                                 admin_token_);
  for (const std::string q :
       {"kind=phone&value=%2B49301234567", "kind=phone&value=030%201234567&region=DE",
        "kind=phone&value=%2B49%2030%20123%204567", "kind=email&value=Find.Me@example.org",
        "kind=email&value=Find.Me@EXAMPLE.org", "kind=telegram&value=@find_me_1"}) {
    SCOPED_TRACE(q);
    HttpResult r = Get("/v1/contacts/lookup?" + q, admin_token_);
    ASSERT_EQ(r.status, 200) << r.body;
    EXPECT_EQ(r.json["id"], id);
    EXPECT_EQ(r.json["name"], "Findable");
    EXPECT_EQ(r.json["version"], 1);
  }
  // The local part of an e-mail address is case-sensitive.
  ExpectProblem(Get("/v1/contacts/lookup?kind=email&value=find.me@example.org", admin_token_), 404);
  ExpectProblem(Get("/v1/contacts/lookup?kind=phone&value=%2B49301234568", admin_token_), 404);
  // The same number as WhatsApp is a different address.
  ExpectProblem(Get("/v1/contacts/lookup?kind=whatsapp&value=%2B49301234567", admin_token_), 404);
}

TEST_F(ApiContactsTest, LookupRejectsBadQueries) {
  HttpResult kind = Get("/v1/contacts/lookup?kind=fax&value=1", admin_token_);
  ExpectProblem(kind, 400);
  EXPECT_EQ(kind.json["field"], "kind");
  HttpResult no_kind = Get("/v1/contacts/lookup?value=1", admin_token_);
  ExpectProblem(no_kind, 400);
  EXPECT_EQ(no_kind.json["field"], "kind");
  HttpResult national = Get("/v1/contacts/lookup?kind=phone&value=030%201234567", admin_token_);
  ExpectProblem(national, 400);
  EXPECT_EQ(national.json["field"], "value");
  HttpResult email = Get("/v1/contacts/lookup?kind=email&value=no-at-sign", admin_token_);
  ExpectProblem(email, 400);
  EXPECT_EQ(email.json["field"], "value");
}

// ---------------------------------------------------------------------------------------------
// Erasure.

TEST_F(ApiContactsTest, ErasureRemovesEverything) {
  const json body = {{"name", "Erika Erased"},
                     {"country", "DE"},
                     {"addresses", {Phone("030 1234567"), Email("erika@example.org")}}};
  const httplib::Headers idem = {{"Idempotency-Key", "create-erika-1"}};
  HttpResult created = Post("/v1/contacts", body, admin_token_, idem);
  ASSERT_EQ(created.status, 201) << created.body;
  const std::string id = created.json["id"];
  EXPECT_EQ(created.Header("Idempotent-Replayed"), "");
  // A repeat replays the stored response.
  HttpResult replay = Post("/v1/contacts", body, admin_token_, idem);
  ASSERT_EQ(replay.status, 201) << replay.body;
  EXPECT_EQ(replay.Header("Idempotent-Replayed"), "true");
  EXPECT_EQ(replay.json["id"], id);
  EXPECT_EQ(Stat("contacts_created"), 1);
  // A consent change through POST is cached as well.
  HttpResult consent = Post("/v1/contacts/" + id + "/consent",
                            {{"kind", "email"}, {"value", "erika@example.org"},
                             {"state", "granted"}, {"source", "web"}},
                            admin_token_, {{"Idempotency-Key", "consent-erika-1"}});
  ASSERT_EQ(consent.status, 200) << consent.body;
  {
    auto records = pool().Command({"KEYS", "*:idem:*"});
    ASSERT_TRUE(records.ok());
    EXPECT_EQ(records->elements.size(), 2u);
  }

  HttpResult del = Delete("/v1/contacts/" + id, admin_token_);
  ASSERT_EQ(del.status, 204) << del.body;
  EXPECT_TRUE(del.body.empty());

  ExpectProblem(GetContact(id), 404);
  ExpectProblem(Get("/v1/contacts/lookup?kind=phone&value=%2B49301234567", admin_token_), 404);
  ExpectProblem(Get("/v1/contacts/lookup?kind=email&value=erika@example.org", admin_token_), 404);
  HttpResult list = Get("/v1/contacts", admin_token_);
  EXPECT_TRUE(list.json["items"].empty()) << list.body;
  ExpectProblem(Delete("/v1/contacts/" + id, admin_token_), 404);
  ExpectProblem(Patch("/v1/contacts/" + id, {{"city", "X"}}, admin_token_), 404);
  EXPECT_EQ(Stat("contacts_erased"), 1);
  EXPECT_EQ(Stat("contacts_created"), 1);

  // No cached response carries the person's data any more.
  {
    auto records = pool().Command({"KEYS", "*:idem:*"});
    ASSERT_TRUE(records.ok());
    EXPECT_TRUE(records->elements.empty());
    auto links = pool().Command({"KEYS", "*:cidem:*"});
    ASSERT_TRUE(links.ok());
    EXPECT_TRUE(links->elements.empty());
    auto dump = pool().Command({"KEYS", "*"});
    ASSERT_TRUE(dump.ok());
    for (const auto& k : dump->elements) {
      auto type = pool().Command({"TYPE", k.str});
      ASSERT_TRUE(type.ok());
      if (type->str != "string") continue;
      auto v = pool().Command({"GET", k.str});
      ASSERT_TRUE(v.ok());
      EXPECT_THAT(v->str, Not(HasSubstr("Erika"))) << k.str;
    }
  }
  HttpResult consent_again = Post("/v1/contacts/" + id + "/consent",
                                  {{"kind", "email"}, {"value", "erika@example.org"},
                                   {"state", "granted"}, {"source", "web"}},
                                  admin_token_, {{"Idempotency-Key", "consent-erika-1"}});
  ExpectProblem(consent_again, 404);
  EXPECT_THAT(consent_again.body, Not(HasSubstr("Erika")));

  // The original request with the same key is no longer a replay: it creates anew.
  HttpResult again = Post("/v1/contacts", body, admin_token_, idem);
  ASSERT_EQ(again.status, 201) << again.body;
  EXPECT_EQ(again.Header("Idempotent-Replayed"), "");
  EXPECT_NE(again.json["id"], id);
  EXPECT_EQ(Stat("contacts_created"), 2);
}

TEST_F(ApiContactsTest, ErasedAddressCanBeReused) {
  std::string id = CreateContact(
      {{"name", "Gone"}, {"country", "DE"}, {"addresses", {Phone("030 1234567")}}}, admin_token_);
  ASSERT_EQ(Delete("/v1/contacts/" + id, admin_token_).status, 204);
  HttpResult r = Post("/v1/contacts", Contact("New Owner", {Phone("+49 30 1234567")}),
                      admin_token_);
  ASSERT_EQ(r.status, 201) << r.body;
  EXPECT_NE(r.json["id"], id);
  HttpResult l = Get("/v1/contacts/lookup?kind=phone&value=%2B49301234567", admin_token_);
  ASSERT_EQ(l.status, 200);
  EXPECT_EQ(l.json["name"], "New Owner");
  EXPECT_EQ(Stat("contacts_erased"), 1);
}

TEST_F(ApiContactsTest, OfficerErasesContactOfOwnPost) {
  std::string post = CreatePost("P");
  std::string officer = CreateOfficerToken("officer", {post});
  std::string id = CreateContact(
      {{"name", "Mine"}, {"post_id", post}, {"addresses", {Email("mine@example.org")}}}, officer);
  HttpResult del = Delete("/v1/contacts/" + id, officer);
  ASSERT_EQ(del.status, 204) << del.body;
  ExpectProblem(GetContact(id), 404);
  EXPECT_TRUE(Get("/v1/contacts?post_id=" + post, admin_token_).json["items"].empty());
  HttpResult preview = Post("/v1/segments/preview", {{"expression", "true"}}, admin_token_);
  EXPECT_EQ(preview.json["count"], 0);
  EXPECT_EQ(Stat("contacts_erased"), 1);
}

// ---------------------------------------------------------------------------------------------
// Idempotency of creation.

TEST_F(ApiContactsTest, IdempotencyKeyReuseWithDifferentBodyIsRejected) {
  const httplib::Headers idem = {{"Idempotency-Key", "k-42"}};
  HttpResult first = Post("/v1/contacts", Contact("One", {Email("one@example.org")}),
                          admin_token_, idem);
  ASSERT_EQ(first.status, 201) << first.body;
  HttpResult second = Post("/v1/contacts", Contact("Two", {Email("two@example.org")}),
                           admin_token_, idem);
  ExpectProblem(second, 422);
  EXPECT_EQ(second.json["field"], "Idempotency-Key");
  ExpectProblem(Get("/v1/contacts/lookup?kind=email&value=two@example.org", admin_token_), 404);
  // Keys are per API key: another caller's identical key is independent.
  std::string other = CreateOfficerToken("admin", {});
  HttpResult third = Post("/v1/contacts", Contact("Two", {Email("two@example.org")}), other,
                          idem);
  EXPECT_EQ(third.status, 201) << third.body;
}

TEST_F(ApiContactsTest, FailedCreateIsReplayedAsTheSameError) {
  const httplib::Headers idem = {{"Idempotency-Key", "bad-1"}};
  json body = Contact("Bad", {Phone("12345")});
  HttpResult first = Post("/v1/contacts", body, admin_token_, idem);
  ExpectProblem(first, 422);
  HttpResult again = Post("/v1/contacts", body, admin_token_, idem);
  ExpectProblem(again, 422);
  EXPECT_EQ(again.json, first.json);
  EXPECT_EQ(again.Header("Idempotent-Replayed"), "true");
}

// ---------------------------------------------------------------------------------------------
// Validation.

TEST_F(ApiContactsTest, ValidationErrorsNameEveryBadField) {
  HttpResult r = Post("/v1/contacts",
                      {{"name", "Bad Input"},
                       {"nickname", "bi"},
                       {"languages", {"english"}},
                       {"time_zone", "Mars/Olympus"},
                       {"addresses", {Phone("12345"), {{"kind", "email"},
                                                       {"value", "ok@example.org"},
                                                       {"label", "home"}}}}},
                      admin_token_);
  ExpectProblem(r, 422);
  std::vector<std::string> fields = ErrorFields(r);
  EXPECT_THAT(fields, UnorderedElementsAre("nickname", "languages[0]", "time_zone",
                                           "addresses[0].value", "addresses[1].label"));
  ASSERT_FALSE(fields.empty());
  EXPECT_EQ(r.json["field"], fields.front());
  EXPECT_THAT(r.json.value("detail", ""), StartsWith(fields.front() + ": "));
  EXPECT_THAT(ErrorMessage(r, "nickname"), HasSubstr("unknown"));
  EXPECT_FALSE(ErrorMessage(r, "languages[0]").empty());
  EXPECT_FALSE(ErrorMessage(r, "time_zone").empty());
  EXPECT_FALSE(ErrorMessage(r, "addresses[0].value").empty());
  // Nothing was stored.
  EXPECT_TRUE(Get("/v1/contacts", admin_token_).json["items"].empty());
  EXPECT_EQ(Stat("contacts_created"), 0);
}

TEST_F(ApiContactsTest, EachBadFieldAloneIsNamed) {
  struct Case {
    json patch;
    std::string field;
  };
  const std::vector<Case> cases = {
      {{{"addresses", {Phone("12345")}}}, "addresses[0].value"},
      {{{"country", "DE"}, {"addresses", {Phone("0301")}}}, "addresses[0].value"},
      {{{"languages", {"english"}}}, "languages[0]"},
      {{{"languages", {"de", "xx-yy-zz-toolong-tag-!"}}}, "languages[1]"},
      {{{"time_zone", "Europe/Atlantis"}}, "time_zone"},
      {{{"time_zone", "GMT+5"}}, "time_zone"},
      {{{"country", "XX"}}, "country"},
      {{{"favourite_colour", "blue"}}, "favourite_colour"},
      {{{"name", ""}}, "name"},
      {{{"addresses", json::array()}}, "addresses"},
      {{{"addresses", {{{"kind", "fax"}, {"value", "1"}}}}}, "addresses[0].kind"},
      {{{"addresses", {{{"kind", "email"}, {"value", "a@b.example"}, {"consent", "maybe"}}}}},
       "addresses[0].consent"},
      {{{"channel_order", {"pigeon"}}}, "channel_order[0]"},
      {{{"attributes", {{"bad name", 1}}}}, "attributes.bad name"},
      {{{"tags", {""}}}, "tags[0]"},
  };
  for (const auto& c : cases) {
    json body = Contact("Field Test", {Email("ft@example.org")});
    for (const auto& [k, v] : c.patch.items()) body[k] = v;
    SCOPED_TRACE(body.dump());
    HttpResult r = Post("/v1/contacts", body, admin_token_);
    ExpectProblem(r, 422);
    EXPECT_EQ(r.json.value("field", ""), c.field);
    EXPECT_THAT(ErrorFields(r), ::testing::Contains(c.field));
  }
  EXPECT_TRUE(Get("/v1/contacts", admin_token_).json["items"].empty());
}

TEST_F(ApiContactsTest, MissingRequiredFieldsAndMalformedBodies) {
  HttpResult empty = Post("/v1/contacts", json::object(), admin_token_);
  ExpectProblem(empty, 422);
  EXPECT_THAT(ErrorFields(empty), UnorderedElementsAre("name", "addresses"));
  HttpResult not_json = PostRaw("/v1/contacts", "{\"name\": ", "application/json", admin_token_);
  ExpectProblem(not_json, 400);
  EXPECT_EQ(not_json.json["field"], "body");
  HttpResult array = PostRaw("/v1/contacts", "[1,2]", "application/json", admin_token_);
  ExpectProblem(array, 400);
  EXPECT_EQ(array.json["field"], "body");
}

}  // namespace
}  // namespace ogw::testing
