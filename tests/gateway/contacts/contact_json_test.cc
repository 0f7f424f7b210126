#include "gateway/contacts/contact_json.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <functional>
#include <limits>
#include <optional>
#include <string>
#include <vector>

#include "gateway/contacts/contact_input.h"

namespace ogw {
namespace {

using json = nlohmann::json;
using ::testing::HasSubstr;
using ::testing::IsEmpty;

constexpr int64_t kCreated = 1767225600000;  // 2026-01-01T00:00:00Z.
constexpr int64_t kUpdated = 1767312000000;  // A day later.

// A contact that uses every field, with non-Latin text and both attribute types.
Contact FullContact() {
  Contact c;
  c.id = "c_01jgzz0000abcdefghjkmnpqrs";
  c.org_id = "o_consulate";
  c.post_id = "p_berlin";
  c.name = "ნინო ბერიძე";
  c.languages = {"ka", "ru", "de-DE"};
  c.country = "DE";
  c.city = "Köln";
  c.time_zone = "Europe/Berlin";
  c.attributes = {{"generation", 2.0},
                  {"ratio", 0.25},
                  {"negative", -17.5},
                  {"tier", std::string("gold")},
                  {"postal", std::string("01067")},
                  {"note", std::string("ሰላም \"quoted\" \\ back")}};
  c.tags = {"volunteer", "ვიპ"};
  Address phone;
  phone.kind = AddressKind::kPhone;
  phone.value = "+4915123456789";
  phone.verified = true;
  phone.consent = Consent{ConsentState::kGranted, "import:survey-2026.csv", kCreated};
  Address email;
  email.kind = AddressKind::kEmail;
  email.value = "nino@example.ge";
  email.consent = Consent{ConsentState::kWithdrawn, "sms-keyword", kUpdated};
  email.opted_out = true;
  email.opted_out_at_millis = kUpdated + 5;
  Address whatsapp;
  whatsapp.kind = AddressKind::kWhatsApp;
  whatsapp.value = "+4915123456789";
  Address telegram;
  telegram.kind = AddressKind::kTelegram;
  telegram.value = "@nino_b";
  telegram.consent = Consent{ConsentState::kGranted, "api", kCreated + 1};
  Address messenger;
  messenger.kind = AddressKind::kMessenger;
  messenger.value = "1234567890";
  c.addresses = {phone, email, whatsapp, telegram, messenger};
  // Deliberately not in enum order: the order is the person's preference and must survive.
  c.channel_order = {Channel::kWhatsApp, Channel::kTelegram, Channel::kSms, Channel::kEmail};
  c.verified = false;
  c.created_at_millis = kCreated;
  c.updated_at_millis = kUpdated;
  return c;
}

TEST(ContactJsonTest, FullContactRoundTrips) {
  const Contact original = FullContact();
  const std::string doc = SerializeContact(original);
  absl::StatusOr<Contact> parsed = ParseStoredContact(doc);
  ASSERT_TRUE(parsed.ok()) << parsed.status();
  EXPECT_EQ(*parsed, original);
  // Field by field too, so a failure says what was lost.
  EXPECT_EQ(parsed->name, "ნინო ბერიძე");
  EXPECT_EQ(parsed->city, "Köln");
  EXPECT_EQ(parsed->languages, (std::vector<std::string>{"ka", "ru", "de-DE"}));
  ASSERT_EQ(parsed->attributes.size(), 6u);
  EXPECT_EQ(std::get<double>(parsed->attributes.at("generation")), 2.0);
  EXPECT_EQ(std::get<double>(parsed->attributes.at("ratio")), 0.25);
  EXPECT_EQ(std::get<double>(parsed->attributes.at("negative")), -17.5);
  EXPECT_EQ(std::get<std::string>(parsed->attributes.at("tier")), "gold");
  // Text that looks like a number stays text.
  EXPECT_EQ(std::get<std::string>(parsed->attributes.at("postal")), "01067");
  EXPECT_EQ(std::get<std::string>(parsed->attributes.at("note")), "ሰላም \"quoted\" \\ back");
  EXPECT_EQ(parsed->channel_order,
            (std::vector<Channel>{Channel::kWhatsApp, Channel::kTelegram, Channel::kSms,
                                  Channel::kEmail}));
  ASSERT_EQ(parsed->addresses.size(), 5u);
  EXPECT_EQ(parsed->addresses[0].kind, AddressKind::kPhone);
  EXPECT_TRUE(parsed->addresses[0].verified);
  EXPECT_EQ(parsed->addresses[0].consent.state, ConsentState::kGranted);
  EXPECT_EQ(parsed->addresses[0].consent.source, "import:survey-2026.csv");
  EXPECT_EQ(parsed->addresses[0].consent.at_millis, kCreated);
  EXPECT_TRUE(parsed->addresses[0].Reachable());
  EXPECT_EQ(parsed->addresses[1].consent.state, ConsentState::kWithdrawn);
  EXPECT_TRUE(parsed->addresses[1].opted_out);
  EXPECT_EQ(parsed->addresses[1].opted_out_at_millis, kUpdated + 5);
  EXPECT_FALSE(parsed->addresses[1].Reachable());
  EXPECT_EQ(parsed->addresses[2].consent, Consent{});
  EXPECT_EQ(parsed->addresses[3].value, "@nino_b");
  EXPECT_EQ(parsed->addresses[4].kind, AddressKind::kMessenger);
  EXPECT_FALSE(parsed->verified);
  EXPECT_EQ(parsed->created_at_millis, kCreated);
  EXPECT_EQ(parsed->updated_at_millis, kUpdated);
  // Re-serialising the parsed contact gives the same bytes.
  EXPECT_EQ(SerializeContact(*parsed), doc);
}

TEST(ContactJsonTest, StoresUtf8AsWrittenAndStableFieldNames) {
  const std::string doc = SerializeContact(FullContact());
  EXPECT_THAT(doc, HasSubstr("\"name\":\"ნინო ბერიძე\""));
  const json j = json::parse(doc);
  EXPECT_EQ(j.at("id"), "c_01jgzz0000abcdefghjkmnpqrs");
  EXPECT_EQ(j.at("org_id"), "o_consulate");
  EXPECT_EQ(j.at("post_id"), "p_berlin");
  EXPECT_EQ(j.at("attributes").at("generation"), 2.0);
  EXPECT_EQ(j.at("attributes").at("tier"), "gold");
  EXPECT_EQ(j.at("addresses").at(0).at("kind"), "phone");
  EXPECT_EQ(j.at("addresses").at(0).at("consent").at("state"), "granted");
  EXPECT_EQ(j.at("addresses").at(0).at("consent").at("at"), kCreated);
  EXPECT_EQ(j.at("addresses").at(1).at("opted_out_at"), kUpdated + 5);
  EXPECT_EQ(j.at("channel_order"), json({"whatsapp", "telegram", "sms", "email"}));
  EXPECT_EQ(j.at("verified"), false);
  EXPECT_EQ(j.at("created_at"), kCreated);
  EXPECT_EQ(j.at("updated_at"), kUpdated);
}

TEST(ContactJsonTest, MinimalContactRoundTrips) {
  Contact c;
  c.id = "c_x";
  c.org_id = "o_y";
  c.name = "A";
  Address a;
  a.kind = AddressKind::kEmail;
  a.value = "a@example.org";
  c.addresses = {a};
  absl::StatusOr<Contact> parsed = ParseStoredContact(SerializeContact(c));
  ASSERT_TRUE(parsed.ok()) << parsed.status();
  EXPECT_EQ(*parsed, c);
  EXPECT_TRUE(parsed->post_id.empty());
  EXPECT_THAT(parsed->attributes, IsEmpty());
  EXPECT_THAT(parsed->channel_order, IsEmpty());
  EXPECT_TRUE(parsed->verified);
}

TEST(ContactJsonTest, EqualContactsSerialiseToIdenticalBytes) {
  const Contact a = FullContact();
  // Built in a different order: attributes inserted backwards, fields assigned in another
  // sequence. Equal values must give equal bytes (the importer compares documents).
  Contact b;
  b.updated_at_millis = a.updated_at_millis;
  b.created_at_millis = a.created_at_millis;
  b.verified = a.verified;
  b.channel_order = a.channel_order;
  b.addresses = a.addresses;
  b.tags = a.tags;
  for (auto it = a.attributes.rbegin(); it != a.attributes.rend(); ++it) {
    b.attributes.emplace(it->first, it->second);
  }
  b.time_zone = a.time_zone;
  b.city = a.city;
  b.country = a.country;
  b.languages = a.languages;
  b.name = a.name;
  b.post_id = a.post_id;
  b.org_id = a.org_id;
  b.id = a.id;
  ASSERT_EQ(a, b);
  EXPECT_EQ(SerializeContact(a), SerializeContact(b));
  // And serialising twice is deterministic.
  EXPECT_EQ(SerializeContact(a), SerializeContact(a));

  // A one-field difference shows in the bytes.
  Contact c = a;
  c.addresses[0].consent.at_millis += 1;
  EXPECT_NE(SerializeContact(a), SerializeContact(c));
  Contact d = a;
  std::swap(d.channel_order[0], d.channel_order[1]);
  EXPECT_NE(SerializeContact(a), SerializeContact(d));
}

void ExpectDataLoss(const std::string& doc) {
  absl::StatusOr<Contact> parsed = ParseStoredContact(doc);
  ASSERT_FALSE(parsed.ok()) << "accepted: " << doc;
  EXPECT_EQ(parsed.status().code(), absl::StatusCode::kDataLoss) << parsed.status();
}

TEST(ContactJsonTest, CorruptedDocumentsAreDataLoss) {
  const std::string good = SerializeContact(FullContact());
  ASSERT_TRUE(ParseStoredContact(good).ok());

  ExpectDataLoss("");
  ExpectDataLoss("not json");
  ExpectDataLoss(good.substr(0, good.size() / 2));  // Truncated.
  ExpectDataLoss("null");
  ExpectDataLoss("[]");
  ExpectDataLoss("42");
  ExpectDataLoss("{}");

  // Each required member missing.
  for (const char* key : {"id", "org_id", "post_id", "name", "languages", "country", "city",
                          "time_zone", "attributes", "tags", "addresses", "channel_order",
                          "verified", "created_at", "updated_at"}) {
    json j = json::parse(good);
    j.erase(key);
    SCOPED_TRACE(key);
    ExpectDataLoss(j.dump());
  }
  // Wrong types.
  {
    json j = json::parse(good);
    j["name"] = 5;
    ExpectDataLoss(j.dump());
  }
  {
    json j = json::parse(good);
    j["created_at"] = "yesterday";
    ExpectDataLoss(j.dump());
  }
  {
    json j = json::parse(good);
    j["languages"] = "ka";
    ExpectDataLoss(j.dump());
  }
  {
    json j = json::parse(good);
    j["addresses"][0]["verified"] = "yes";
    ExpectDataLoss(j.dump());
  }
  {
    json j = json::parse(good);
    j["addresses"][0].erase("consent");
    ExpectDataLoss(j.dump());
  }
  // Unknown enum values.
  {
    json j = json::parse(good);
    j["addresses"][0]["kind"] = "pager";
    ExpectDataLoss(j.dump());
  }
  {
    json j = json::parse(good);
    j["addresses"][0]["consent"]["state"] = "maybe";
    ExpectDataLoss(j.dump());
  }
  {
    json j = json::parse(good);
    j["channel_order"][0] = "fax";
    ExpectDataLoss(j.dump());
  }
  // Attributes are text or numbers only.
  {
    json j = json::parse(good);
    j["attributes"]["bad"] = json::array({1, 2});
    ExpectDataLoss(j.dump());
  }
  {
    json j = json::parse(good);
    j["attributes"]["bad"] = nullptr;
    ExpectDataLoss(j.dump());
  }
  {
    // A boolean is neither; reading it as the number 1 would silently rewrite the value on
    // the next save.
    json j = json::parse(good);
    j["attributes"]["bad"] = true;
    ExpectDataLoss(j.dump());
  }
}

// The fast reader behind ParseStoredContact either gives up or agrees with the nlohmann path,
// down to the sign of zero and the error returned.
void ExpectPathsAgree(const std::string& doc, bool fast_expected) {
  SCOPED_TRACE(doc);
  const std::optional<Contact> fast = contact_json_internal::ParseStoredContactFast(doc);
  const absl::StatusOr<Contact> slow = contact_json_internal::ParseStoredContactSlow(doc);
  const absl::StatusOr<Contact> parsed = ParseStoredContact(doc);
  EXPECT_EQ(fast.has_value(), fast_expected);
  if (fast) {
    ASSERT_TRUE(slow.ok()) << "the fast path accepted what nlohmann refuses: " << slow.status();
    EXPECT_EQ(*fast, *slow);
    // == treats -0.0 and 0.0 as equal; the bytes written back must not differ either.
    EXPECT_EQ(SerializeContact(*fast), SerializeContact(*slow));
  }
  ASSERT_EQ(parsed.ok(), slow.ok());
  if (slow.ok()) {
    EXPECT_EQ(*parsed, *slow);
  } else {
    EXPECT_EQ(parsed.status(), slow.status());
  }
}

TEST(ContactJsonTest, FastPathReadsWhatSerializeContactWrites) {
  Contact escaped = FullContact();
  escaped.name = "Zoë \"Z\" O'Brien \\ / \t\n\r\b\f end";
  escaped.city = "";
  escaped.attributes["empty"] = std::string();
  escaped.attributes["tiny"] = 5e-324;
  escaped.attributes["huge"] = 1.7976931348623157e308;
  escaped.attributes["negzero"] = -0.0;
  escaped.attributes["third"] = 1.0 / 3.0;
  escaped.addresses[0].consent.at_millis = -1;
  escaped.created_at_millis = std::numeric_limits<int64_t>::max();
  escaped.updated_at_millis = std::numeric_limits<int64_t>::min();
  Contact minimal;
  minimal.id = "c_x";
  minimal.org_id = "o_y";
  minimal.name = "A";
  for (const Contact& c : {FullContact(), escaped, minimal}) {
    const std::string doc = SerializeContact(c);
    ExpectPathsAgree(doc, /*fast_expected=*/true);
    const std::optional<Contact> fast = contact_json_internal::ParseStoredContactFast(doc);
    ASSERT_TRUE(fast.has_value());
    EXPECT_EQ(*fast, c);
    EXPECT_EQ(SerializeContact(*fast), doc);
  }
  // Any spacing, member order and unknown members are fine too.
  const json full = json::parse(SerializeContact(FullContact()));
  ExpectPathsAgree(full.dump(2), true);
  ExpectPathsAgree(" \r\n\t" + full.dump(1, '\t') + " \n", true);
  json extra = full;
  extra["future"] = json::parse(R"({"a": [1, -2.5e3, true, false, null, "x\u00e9", {"b": []}]})");
  extra["addresses"][0]["note"] = "n";
  extra["addresses"][0]["consent"]["by"] = {1, 2};
  ExpectPathsAgree(extra.dump(), true);
  std::string reordered = R"({"verified":true,"updated_at":2,"time_zone":"","tags":[],)"
                          R"("post_id":"","org_id":"o","name":"N","languages":[],"id":"c",)"
                          R"("created_at":1,"country":"","city":"","channel_order":["sms"],)"
                          R"("attributes":{"b":"x","a":1.5},"addresses":[{"verified":false,)"
                          R"("value":"+4930123456","opted_out_at":0,"opted_out":false,)"
                          R"("kind":"phone","consent":{"state":"unknown","source":"","at":0}}]})";
  ExpectPathsAgree(reordered, true);
}

TEST(ContactJsonTest, FastPathLeavesUnusualDocumentsToNlohmann) {
  const std::string good = SerializeContact(FullContact());
  ExpectPathsAgree(good, true);
  auto edited = [&](const std::function<void(json&)>& edit) {
    json j = json::parse(good);
    edit(j);
    return j.dump();
  };
  auto replaced = [&](const std::string& from, const std::string& to) {
    std::string doc = good;
    const size_t at = doc.find(from);
    EXPECT_NE(at, std::string::npos) << from;
    if (at != std::string::npos) doc.replace(at, from.size(), to);
    return doc;
  };
  // Readable by nlohmann, but not by the fast path.
  ExpectPathsAgree(replaced("\"name\":\"", "\"name\":\"\\u10d0\\ud83d\\ude00"), false);
  ExpectPathsAgree(replaced("\"name\":", "\"n\\u0061me\":"), false);
  ExpectPathsAgree(replaced("\"generation\":2.0", "\"generation\":2"), false);
  ExpectPathsAgree(replaced("\"generation\":2.0", "\"generation\":-0"), false);
  ExpectPathsAgree(replaced("\"generation\":2.0", "\"generation\":1e400"), false);
  ExpectPathsAgree(replaced("\"created_at\":" + std::to_string(kCreated),
                            "\"created_at\":1.5e12"), false);
  ExpectPathsAgree(replaced("\"created_at\":" + std::to_string(kCreated),
                            "\"created_at\":18446744073709551615"), false);
  ExpectPathsAgree(replaced("\"verified\":false}", "\"verified\":false,\"verified\":true}"),
                   false);
  ExpectPathsAgree(replaced("\"tier\":\"gold\"", "\"tier\":\"gold\",\"tier\":\"silver\""),
                   false);
  ExpectPathsAgree("\xEF\xBB\xBF" + good, false);
  // Refused by both (the error comes from the nlohmann path).
  ExpectPathsAgree(edited([](json& j) { j["attributes"]["bad"] = true; }), false);
  ExpectPathsAgree(edited([](json& j) { j["attributes"]["bad"] = nullptr; }), false);
  ExpectPathsAgree(edited([](json& j) { j["name"] = 5; }), false);
  ExpectPathsAgree(edited([](json& j) { j["addresses"][0]["kind"] = "pager"; }), false);
  ExpectPathsAgree(edited([](json& j) { j["addresses"][0]["consent"]["state"] = "maybe"; }),
                   false);
  ExpectPathsAgree(edited([](json& j) { j["channel_order"][0] = "fax"; }), false);
  ExpectPathsAgree(edited([](json& j) { j["addresses"][0].erase("opted_out_at"); }), false);
  ExpectPathsAgree(edited([](json& j) { j.erase("updated_at"); }), false);
  ExpectPathsAgree(replaced("\"name\":\"", "\"name\":\"\x01"), false);            // Control.
  ExpectPathsAgree(replaced("\"name\":\"", "\"name\":\"\xC0\xAF"), false);        // Overlong.
  ExpectPathsAgree(replaced("\"name\":\"", "\"name\":\"\xED\xA0\x80"), false);    // Surrogate.
  ExpectPathsAgree(replaced("\"name\":\"", "\"name\":\"\xE1\x83"), false);        // Truncated.
  ExpectPathsAgree(replaced("\"name\":\"", "\"name\":\"\\x"), false);             // Bad escape.
  ExpectPathsAgree(replaced("\"name\":\"", "\"name\":\"\\ud800"), false);         // Lone half.
  ExpectPathsAgree(replaced("\"generation\":2.0", "\"generation\":02.0"), false);
  ExpectPathsAgree(replaced("\"generation\":2.0", "\"generation\":2."), false);
  ExpectPathsAgree(replaced("\"verified\":false}", "\"verified\":falsey}"), false);
  ExpectPathsAgree(good + "x", false);
  ExpectPathsAgree(good + "{}", false);
  ExpectPathsAgree(good.substr(0, good.size() - 1), false);
  ExpectPathsAgree(replaced(",\"city\"", ",,\"city\""), false);
  ExpectPathsAgree(replaced("\"tags\":[", "\"tags\":[,"), false);
  std::string deep = std::string(100, '[') + std::string(100, ']');
  ExpectPathsAgree(replaced("{\"addresses\"", "{\"deep\":" + deep + ",\"addresses\""), false);
  // Every prefix of a good document is refused by both.
  for (size_t n = 0; n < good.size(); n += 7) ExpectPathsAgree(good.substr(0, n), false);
}

TEST(ContactJsonTest, InputJsonDropsIdOrgAndTimestamps) {
  const Contact c = FullContact();
  const json in = ContactToInputJson(c);
  EXPECT_FALSE(in.contains("id"));
  EXPECT_FALSE(in.contains("org_id"));
  EXPECT_FALSE(in.contains("created_at"));
  EXPECT_FALSE(in.contains("updated_at"));
  EXPECT_FALSE(in.contains("verified"));
  for (const auto& a : in.at("addresses")) {
    EXPECT_FALSE(a.contains("opted_out_at"));
    EXPECT_FALSE(a.at("consent").contains("at"));
  }
  EXPECT_EQ(in.at("name"), "ნინო ბერიძე");
  EXPECT_EQ(in.at("post_id"), "p_berlin");
  EXPECT_EQ(in.at("country"), "DE");
  EXPECT_EQ(in.at("time_zone"), "Europe/Berlin");
  EXPECT_EQ(in.at("channel_order"), json({"whatsapp", "telegram", "sms", "email"}));
  EXPECT_EQ(in.at("addresses").size(), 5u);
  EXPECT_EQ(in.at("addresses").at(0).at("consent").at("source"), "import:survey-2026.csv");
}

TEST(ContactJsonTest, InputJsonOmitsEmptyOptionalText) {
  Contact c = FullContact();
  c.post_id.clear();
  c.country.clear();
  c.city.clear();
  c.time_zone.clear();
  const json in = ContactToInputJson(c);
  EXPECT_FALSE(in.contains("post_id"));
  EXPECT_FALSE(in.contains("country"));
  EXPECT_FALSE(in.contains("city"));
  EXPECT_FALSE(in.contains("time_zone"));
}

// The input form exists so that an update can overlay a body on the stored contact and
// validate the result: it must therefore validate, and give back the same contact except for
// what it drops.
TEST(ContactJsonTest, InputJsonIsAcceptedByContactFromJson) {
  const Contact c = FullContact();
  ContactInputOptions options;
  options.consent_source = "api";
  options.now_millis = kUpdated + 1000;
  std::vector<FieldError> errors;
  std::optional<Contact> back = ContactFromJson(ContactToInputJson(c), options, &errors);
  ASSERT_TRUE(back.has_value()) << ::testing::PrintToString(errors);
  EXPECT_THAT(errors, IsEmpty());
  EXPECT_TRUE(back->id.empty());
  EXPECT_TRUE(back->org_id.empty());
  EXPECT_EQ(back->created_at_millis, 0);
  EXPECT_EQ(back->name, c.name);
  EXPECT_EQ(back->post_id, c.post_id);
  EXPECT_EQ(back->languages, c.languages);
  EXPECT_EQ(back->country, c.country);
  EXPECT_EQ(back->city, c.city);
  EXPECT_EQ(back->time_zone, c.time_zone);
  EXPECT_EQ(back->attributes, c.attributes);
  EXPECT_EQ(back->tags, c.tags);
  EXPECT_EQ(back->channel_order, c.channel_order);
  ASSERT_EQ(back->addresses.size(), c.addresses.size());
  for (size_t i = 0; i < c.addresses.size(); ++i) {
    SCOPED_TRACE(i);
    EXPECT_EQ(back->addresses[i].kind, c.addresses[i].kind);
    EXPECT_EQ(back->addresses[i].value, c.addresses[i].value);
    EXPECT_EQ(back->addresses[i].verified, c.addresses[i].verified);
    EXPECT_EQ(back->addresses[i].opted_out, c.addresses[i].opted_out);
    EXPECT_EQ(back->addresses[i].consent.state, c.addresses[i].consent.state);
    EXPECT_EQ(back->addresses[i].consent.source, c.addresses[i].consent.source);
  }
}

}  // namespace
}  // namespace ogw
