// The embassy's roundtable from the first draw to the thank-you, over real servers: people on
// SMS through Kannel (fakesmsc is their phone, and sends what phones send: sender digits
// without "+", "YES", "non", "კი", "نعم", "2", "STOP"), on e-mail through SMTP and an IMAP
// mailbox, and on Telegram through the sandbox. The invitations go out through a worker process
// that is killed in the middle and replaced; then seats fill up, the waitlist forms, a
// cancellation promotes the next person, replacements are drawn, the event moves (people with
// a seat or waiting are told in their language, the reminder moves with it), and the final
// lists and composition are checked against counts made by hand.

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <ctime>
#include <fstream>
#include <map>
#include <set>

#include "adapters/email/mime_parser.h"
#include "adapters/sms/kannel_webhooks.h"
#include "gateway/config/provider_settings.h"
#include "gateway/core/key_schema.h"
#include "gateway/inbound/mailbox_watcher.h"
#include "tests/e2e/gateway_e2e_fixture.h"
#include "tests/servers/imap_server.h"
#include "tests/servers/smtp_server.h"
#include "tests/testutil/gateway_process.h"

namespace ogw::testing {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;
using json = nlohmann::json;

constexpr char kKannelSecret[] = "kannel-inbound-secret-0123456789";
constexpr char kEmbassyNumber[] = "+4930123456";

// "YYYY-MM-DD" of a UTC time.
std::string UtcDate(int64_t millis) {
  const time_t t = static_cast<time_t>(millis / 1000);
  tm parts{};
  gmtime_r(&t, &parts);
  char out[16];
  strftime(out, sizeof(out), "%Y-%m-%d", &parts);
  return out;
}

enum class Reach { kSms, kEmail, kTelegram };

struct Person {
  Person(std::string n, std::string c, std::string l, Reach r, std::string a)
      : name(std::move(n)), country(std::move(c)), language(std::move(l)), reach(r),
        address(std::move(a)) {}

  std::string name;
  std::string country;
  std::string language;
  Reach reach = Reach::kSms;
  std::string address;  // "+44...", "name@example.org" or a Telegram chat id.
  std::string id;       // Contact id once created.
};

class RoundtableE2eTest : public GatewayE2eTest {
 protected:
  std::string Create(Person& p, bool consent = true) {
    const char* kind = p.reach == Reach::kSms     ? "phone"
                       : p.reach == Reach::kEmail ? "email"
                                                  : "telegram";
    p.id = CreateContact({{"name", p.name},
                          {"country", p.country},
                          {"languages", {p.language}},
                          {"addresses",
                           {{{"kind", kind},
                             {"value", p.address},
                             {"consent", consent ? "granted" : "withdrawn"}}}}},
                         admin_token_);
    return p.id;
  }

  // Runs the in-process worker until it finds nothing twice running. The clock moves a little
  // each round: answers to one person on one channel go one at a time, in order.
  void Drain() {
    int idle = 0;
    for (int i = 0; i < 200 && idle < 2; ++i) {
      clock_.Advance(5);
      auto handled = worker_->RunOnce();
      ASSERT_TRUE(handled.ok()) << handled.status();
      idle = *handled == 0 ? idle + 1 : 0;
    }
  }
  // The worker's invitation sweep runs once per organisation every 15 s of real time; the
  // scenario's time is the test clock's, so the interval is taken as passed.
  void SweepNow() {
    ASSERT_TRUE(pool().Command({"DEL", keys::InvitationSweep(org_)}).ok());
    Drain();
  }

  // Everything `p` has received on their channel, as text, oldest first.
  std::vector<std::string> Inbox(const Person& p) {
    std::vector<std::string> out;
    switch (p.reach) {
      case Reach::kSms: {
        const std::string digits = p.address.substr(1);
        for (const FakeSmscMessage& m : kannel_->ReceivedMessages()) {
          if (m.to.find(digits) == std::string::npos) continue;
          out.push_back(m.type == "udh" ? m.Ucs2Text() : m.Text());
        }
        break;
      }
      case Reach::kEmail:
        for (const ReceivedEmail& e : smtp_->Received()) {
          if (e.rcpt_tos != std::vector<std::string>{p.address}) continue;
          auto parsed = ParseEmail(e.data);
          EXPECT_TRUE(parsed.ok()) << parsed.status();
          if (parsed.ok()) out.push_back(parsed->message.subject + "\n" + parsed->message.text);
        }
        break;
      case Reach::kTelegram: {
        json items = Items("/v1/sandbox/messages?limit=500");
        for (auto it = items.rbegin(); it != items.rend(); ++it) {
          if ((*it)["to"] == p.address) out.push_back((*it)["text"]);
        }
        break;
      }
    }
    return out;
  }
  // How many of `p`'s messages contain `text`.
  int Count(const Person& p, const std::string& text) {
    int n = 0;
    for (const std::string& m : Inbox(p)) n += m.find(text) != std::string::npos;
    return n;
  }

  // `p` replies `text` on their channel, as their phone, mail client or chat would send it.
  void Reply(const Person& p, const std::string& text) {
    switch (p.reach) {
      case Reach::kSms:
        // The SMSC gives the sender's digits without "+".
        ASSERT_TRUE(kannel_->SendMo(p.address.substr(1), std::string(kEmbassyNumber).substr(1),
                                    text)
                        .ok());
        break;
      case Reach::kEmail: {
        const std::string mail = "From: " + p.name + " <" + p.address +
                                 ">\r\nTo: embassy@berlin.example\r\nSubject: Re: Invitation\r\n"
                                 "Message-ID: <r" + std::to_string(++mails_) +
                                 "@example.org>\r\nContent-Type: text/plain; charset=utf-8\r\n"
                                 "\r\n" + text + "\r\n\r\n> Dear " + p.name + ": you are invited\r\n";
        ASSERT_TRUE(imap_->Deliver(mail).ok());
        ASSERT_TRUE(mailboxes_->PollAllOnce().ok());
        break;
      }
      case Reach::kTelegram: {
        HttpResult r = Post("/v1/sandbox/replies",
                            {{"contact_id", p.id}, {"channel", "telegram"}, {"text", text}},
                            admin_token_);
        ASSERT_EQ(r.status, 201) << r.body;
        break;
      }
    }
  }

  // The `items` of a listing (a copy: the answer it came in is gone after the call).
  json Items(const std::string& path) { return Get(path, admin_token_).json["items"]; }

  json PersonState(const Person& p) {
    for (const json& item : Items("/v1/events/" + event_ + "/people?limit=100")) {
      if (item["contact_id"] == p.id) return item;
    }
    return nullptr;
  }
  std::string State(const Person& p) {
    json s = PersonState(p);
    return s.is_object() ? s.value("state", "") : "";
  }
  // `p` replies and the reply is applied (Kannel delivers it a moment later).
  void Answer(const Person& p, const std::string& text, const std::string& expected_state) {
    SCOPED_TRACE(p.name + ": " + text);
    Reply(p, text);
    EXPECT_TRUE(Eventually([&] { return State(p) == expected_state; }))
        << State(p) << "\n" << kannel_->LogTails();
  }
  // The contact ids of the event's people in `state`, sorted.
  std::vector<std::string> InState(const std::string& state) {
    std::vector<std::string> ids;
    for (const json& item : Items("/v1/events/" + event_ + "/people?limit=100&state=" + state)) {
      ids.push_back(item["contact_id"]);
    }
    std::sort(ids.begin(), ids.end());
    return ids;
  }
  static std::vector<std::string> Ids(std::initializer_list<const Person*> people) {
    std::vector<std::string> ids;
    for (const Person* p : people) ids.push_back(p->id);
    std::sort(ids.begin(), ids.end());
    return ids;
  }

  std::unique_ptr<KannelServer> kannel_;
  std::unique_ptr<SmtpServer> smtp_;
  std::unique_ptr<ImapServer> imap_;
  std::unique_ptr<MailboxWatcher> mailboxes_;
  std::string event_;
  int mails_ = 0;
};

TEST_F(RoundtableE2eTest, FromTheDrawToTheThankYouWithAWorkerKilledInTheMiddle) {
  // The scenario starts now (the worker process keeps real time) and the roundtable is in two
  // weeks, 10:00 in Berlin.
  const int64_t now = SystemClock::Instance().NowMillis();
  clock_.Set(now);
  const std::string day = UtcDate(now + 14 * 86'400'000LL);
  const std::string deadline_day = UtcDate(now + 10 * 86'400'000LL);

  // Servers first: Kannel needs the gateway's URL, the gateway the servers' ones.
  Reopen([](GatewayConfig&, const std::string&) {});
  ASSERT_FALSE(HasFatalFailure());
  KannelServerOptions kannel_options;
  kannel_options.sms_service_get_url = KannelSmsServiceGetUrl(
      config_.links.public_base_url + "/v1/inbound/kannel/sms", kKannelSecret, "sms");
  kannel_ = std::make_unique<KannelServer>(kannel_options);
  ASSERT_TRUE(kannel_->Start().ok()) << kannel_->LogTails();
  smtp_ = std::make_unique<SmtpServer>();
  ASSERT_TRUE(smtp_->Start().ok());
  imap_ = std::make_unique<ImapServer>();
  ASSERT_TRUE(imap_->Start().ok()) << imap_->LogTail();
  std::vector<ProviderAccount> accounts;
  const json account_json[] = {{{"name", "sms"},
                                {"type", "kannel"},
                                {"channels", {"sms"}},
                                {"organisation", org_},
                                {"url", kannel_->SendsmsUrl()},
                                {"username", kannel_->username()},
                                {"password", kannel_->password()},
                                {"from", kEmbassyNumber},
                                {"inbound_secret", kKannelSecret}},
                               {{"name", "mail"},
                                {"type", "smtp"},
                                {"channels", {"email"}},
                                {"organisation", org_},
                                {"url", smtp_->Url()},
                                {"starttls", "none"},
                                {"from", "embassy@berlin.example"},
                                {"from_name", "Embassy in Berlin"},
                                {"imap_url", imap_->Url()},
                                {"imap_username", imap_->username()},
                                {"imap_password", imap_->password()}}};
  for (const json& a : account_json) {
    auto account = ProviderAccountFromJson(a, ProviderSource::kConfig);
    ASSERT_TRUE(account.ok()) << account.status();
    accounts.push_back(*account);
  }
  Reopen([&](GatewayConfig& c, const std::string&) {
    c.delivery.providers = accounts;
    c.inbound.reply_domain = "replies.berlin.example";
  });
  ASSERT_FALSE(HasFatalFailure());
  mailboxes_ = runtime_->NewMailboxWatcher();

  // The community. Fixed quotas per country: every phone is drawn but in Britain, where three
  // of four are; three of the eight in Germany, on e-mail or Telegram. Ute has withdrawn her
  // consent and is never drawn.
  std::vector<Person> gb = {{"Ben", "GB", "en", Reach::kSms, "+447911100001"},
                            {"Karl", "GB", "en", Reach::kSms, "+447911100002"},
                            {"Sofia", "GB", "en", Reach::kSms, "+447911100003"},
                            {"Tom", "GB", "en", Reach::kSms, "+447911100004"}};
  Person amelie{"Amélie", "FR", "fr", Reach::kSms, "+33612345678"};
  Person nino{"Nino", "GE", "ka", Reach::kSms, "+995599123456"};
  Person omar{"Omar", "EG", "ar", Reach::kSms, "+201001234567"};
  std::vector<Person> de;
  for (int i = 0; i < 8; ++i) {
    const std::string name = std::string(1, static_cast<char>('A' + i)) + "-Berliner";
    if (i % 2 == 0) {
      de.emplace_back(name, "DE", "de", Reach::kEmail, "de" + std::to_string(i) + "@example.org");
    } else {
      de.emplace_back(name, "DE", "de", Reach::kTelegram, std::to_string(5200000000 + i));
    }
  }
  Person ute{"Ute", "DE", "de", Reach::kEmail, "ute@example.org"};
  std::map<std::string, Person*> by_id;
  for (Person* p : {&amelie, &nino, &omar}) by_id[Create(*p)] = p;
  for (Person& p : gb) by_id[Create(p)] = &p;
  for (Person& p : de) by_id[Create(p)] = &p;
  Create(ute, /*consent=*/false);

  // The roundtable at `hour` in `hall`: four seats, offers held 48 hours, a reminder the day
  // before.
  const auto roundtable = [&](int hour, const std::string& hall) {
    return json{{"default_language", "en"},
                {"texts", {{"en", {{"title", "Roundtable on consular services"}}}}},
                {"time_zone", "Europe/Berlin"},
                {"starts_at", day + "T" + std::to_string(hour) + ":00"},
                {"ends_at", day + "T" + std::to_string(hour + 2) + ":30"},
                {"rsvp_deadline", deadline_day + "T18:00"},
                {"place", "Embassy, " + hall},
                {"capacity", 4},
                {"offer_hours", 48},
                {"reminder_minutes", {1440}}};
  };
  HttpResult created = Post("/v1/events", roundtable(10, "Hall A"), admin_token_);
  ASSERT_EQ(created.status, 201) << created.body;
  event_ = created.json["id"];
  const int64_t starts_at = created.json["starts_at_millis"];

  // --- The draw: previewed, then saved; the same seed draws the same people. ---
  const json draw = {
      {"expression", "true"},
      {"count", 9},
      {"seed", 20260612},
      {"quotas",
       {{{"attributes", {"country"}},
         {"targets", {{"GB", 3}, {"FR", 1}, {"GE", 1}, {"EG", 1}, {"DE", 3}}}}}}};
  HttpResult preview = Post("/v1/events/" + event_ + "/selection/preview", draw, admin_token_);
  ASSERT_EQ(preview.status, 200) << preview.body;
  HttpResult saved = Post("/v1/events/" + event_ + "/selection", draw, admin_token_);
  ASSERT_EQ(saved.status, 201) << saved.body;
  EXPECT_EQ(saved.json["selected"], preview.json["selected"]);
  EXPECT_EQ(saved.json["invited"], 9);
  EXPECT_EQ(saved.json["eligible"], 15);
  EXPECT_EQ(saved.json["unreachable"], 1) << "Ute";
  EXPECT_EQ(saved.json["shortfall"], 0);
  // The composition against the target and the community, as counted by hand.
  const std::map<std::string, std::pair<int, int>> expected_composition = {
      {"GB", {4, 3}}, {"FR", {1, 1}}, {"GE", {1, 1}}, {"EG", {1, 1}}, {"DE", {8, 3}}};
  std::map<std::string, std::pair<int, int>> composition;
  for (const json& row : saved.json["composition"]) {
    EXPECT_EQ(row["dimension"], "country");
    EXPECT_EQ(row["target"], row["selected"]) << row.dump();
    composition[row["group"]] = {row["in_segment"], row["selected"]};
  }
  EXPECT_EQ(composition, expected_composition);

  // Who was drawn, in the draw's order: roles follow it, the counts do not depend on it.
  std::vector<Person*> gb_drawn, de_drawn;
  for (const json& id : saved.json["selected"]) {
    ASSERT_TRUE(by_id.count(id)) << id;
    Person* p = by_id[id];
    if (p->country == "GB") gb_drawn.push_back(p);
    if (p->country == "DE") de_drawn.push_back(p);
  }
  ASSERT_EQ(gb_drawn.size(), 3u);
  ASSERT_EQ(de_drawn.size(), 3u);
  Person& gb_yes = *gb_drawn[0];
  Person& gb_two = *gb_drawn[1];
  Person& gb_stop = *gb_drawn[2];
  Person* spare = nullptr;
  for (Person& p : gb) {
    if (std::find(gb_drawn.begin(), gb_drawn.end(), &p) == gb_drawn.end()) spare = &p;
  }
  ASSERT_NE(spare, nullptr);
  Person& first = *de_drawn[0];
  Person& second = *de_drawn[1];
  Person& third = *de_drawn[2];

  // --- The invitation and its reminder, through a worker process killed mid-way. ---
  const std::string invitation = CreateTemplate(
      {{"name", "Roundtable invitation"},
       {"default_language", "en"},
       {"variants",
        {{"en",
          {{"subject", "Invitation: {{event.title}}"},
           {"body", "Dear {{contact.name}}: {{event.title}}, {{event.when}}."}}}}}},
      admin_token_);
  const std::string reminder = CreateTemplate(
      {{"name", "Roundtable reminder"},
       {"default_language", "en"},
       {"variants",
        {{"en",
          {{"subject", "Tomorrow: {{event.title}}"},
           {"body", "Reminder for {{contact.name}}: {{event.when}}, {{event.place}}."}}}}}},
      admin_token_);
  const json always = {{"start", "00:00"}, {"end", "00:00"}};  // No quiet hours.
  HttpResult reminders = Post("/v1/events/" + event_ + "/messages",
                              {{"purpose", "reminder"}, {"template_id", reminder}}, admin_token_);
  ASSERT_EQ(reminders.status, 201) << reminders.body;
  EXPECT_EQ(reminders.json["campaigns"][0]["launched_at"], 0) << "it waits for its day";

  // The worker process: the same Redis and accounts, SMS slowed to one a second so that it
  // dies with invitations still to send.
  TempDir dir;
  json worker_accounts = json::array();
  for (ProviderAccount a : accounts) {
    if (a.name == "sms") a.per_second = 1;
    worker_accounts.push_back(ProviderAccountToJson(a, /*with_secrets=*/true));
  }
  const std::string worker_config = dir.path() + "/worker.json";
  std::ofstream(worker_config) << json{
      {"redis", {{"url", config_.redis.url}}},
      {"links", {{"public_base_url", config_.links.public_base_url}}},
      {"inbound", {{"reply_domain", "replies.berlin.example"}}},
      {"delivery",
       {{"worker_threads", 1},
        {"group_size", 1},
        {"lease_seconds", 5},
        {"providers", worker_accounts}}}}
                                      .dump();
  HttpResult invited =
      Post("/v1/events/" + event_ + "/messages",
           {{"purpose", "invitation"}, {"template_id", invitation}, {"quiet_hours", always}},
           admin_token_);
  ASSERT_EQ(invited.status, 201) << invited.body;
  ASSERT_EQ(invited.json["campaigns"][0]["queued"], 9);
  const std::string campaign = invited.json["campaigns"][0]["id"];
  const auto stats = [&] {
    return Get("/v1/campaigns/" + campaign, admin_token_).json["stats"];
  };
  const auto invitations_out = [&] {
    int n = 0;
    for (const FakeSmscMessage& m : kannel_->ReceivedMessages()) {
      n += (m.type == "udh" ? m.Ucs2Text() : m.Text()).find("Dear ") != std::string::npos;
    }
    return n;
  };
  {
    GatewayProcess process(OGW_GATEWAY_BINARY, worker_config, dir.path() + "/worker.log",
                           {"worker"});
    process.WaitFor("worker running");
    ASSERT_TRUE(Eventually([&] { return invitations_out() >= 2; })) << process.Log();
    process.Kill();
  }
  EXPECT_LT(stats().value("sent", 0), 9) << "every invitation was out before the crash";
  // Its leases lapse; this process's worker takes over.
  clock_.Set(SystemClock::Instance().NowMillis() + 6000);
  EXPECT_TRUE(Eventually([&] {
    Drain();
    return stats().value("sent", 0) == 9;
  })) << stats().dump();
  std::vector<Person*> invitees = {&gb_yes, &gb_two, &gb_stop, &amelie, &nino, &omar,
                                   &first,  &second, &third};
  EXPECT_TRUE(Eventually([&] {
    return std::all_of(invitees.begin(), invitees.end(),
                       [&](Person* p) { return Count(*p, "Dear " + p->name + ":") >= 1; });
  }));
  // Each got it, at most the one in flight at the crash twice; nobody else got anything.
  int repeats = 0;
  for (Person* p : invitees) {
    SCOPED_TRACE(p->name);
    const int n = Count(*p, "Dear " + p->name + ":");
    EXPECT_GE(n, 1);
    repeats += n - 1;
  }
  EXPECT_LE(repeats, 1);
  EXPECT_TRUE(Inbox(*spare).empty());
  EXPECT_TRUE(Inbox(ute).empty());
  // E-mail carries the calendar and the answer page. (SMS asks for 1 / 2 / 3 on a line of its own, which the fake
  // SMSC's line protocol does not carry: the answers below show it was offered.)
  for (Person* p : {&first, &second, &third}) {
    if (p->reach != Reach::kEmail) continue;
    for (const ReceivedEmail& e : smtp_->Received()) {
      if (e.rcpt_tos[0] == p->address) {
        EXPECT_THAT(e.data, HasSubstr("BEGIN:VCALENDAR"));
        // And the link to the person's own page, where they may answer instead.
        EXPECT_THAT(e.data, HasSubstr("Answer online: " + config_.links.public_base_url + "/e/"));
      }
    }
  }

  // --- Answers, in what people really write. Four seats. ---
  Answer(gb_yes, "YES", "yes");
  Answer(amelie, "non", "no");
  Answer(nino, "კი", "yes");
  Answer(omar, "نعم", "yes");
  Answer(gb_two, "2", "no");
  // STOP is an opt-out, not an answer: Karl stays invited and hears nothing more.
  Reply(gb_stop, "STOP");
  EXPECT_TRUE(Eventually([&] {
    return Get("/v1/contacts/" + gb_stop.id, admin_token_)
        .json["addresses"][0]
        .value("opted_out", false);
  }));
  EXPECT_EQ(State(gb_stop), "invited");
  Answer(first, "Ja, ich komme gern.", "yes");
  Answer(second, "Ja", "waitlisted");
  // Unclear: left for an officer and counted, until the person answers.
  Reply(third, "Wann genau?");
  EXPECT_EQ(Get("/v1/events/" + event_, admin_token_).json["rsvp"]["unclear"], 1);
  Answer(third, "Ja", "waitlisted");
  Drain();

  // Each acknowledged in their language, on the channel they used.
  EXPECT_EQ(Count(gb_yes, "is confirmed"), 1);
  EXPECT_EQ(Count(amelie, "Merci de nous avoir prévenus"), 1);
  EXPECT_EQ(Count(nino, "დადასტურებულია"), 1);
  EXPECT_EQ(Count(omar, "تم تأكيد مكانك"), 1);
  EXPECT_EQ(Count(gb_two, "cannot come"), 1);
  EXPECT_EQ(Count(gb_stop, "You are unsubscribed"), 1);
  EXPECT_EQ(Count(first, "ist bestätigt"), 1);
  EXPECT_EQ(Count(second, "Warteliste (Platz 1)"), 1);
  EXPECT_EQ(Count(third, "Warteliste (Platz 2)"), 1);
  EXPECT_EQ(Count(third, "Platz"), 1) << "nothing for the unclear reply";
  json rsvp = Get("/v1/events/" + event_, admin_token_).json["rsvp"];
  EXPECT_EQ(rsvp["seats_taken"], 4);
  EXPECT_EQ(rsvp["unclear"], 0);
  // The reply is in the person's conversation with how it was read.
  bool read = false;
  for (const json& e : Entries(nino.id)) {
    if (e["kind"] == "in" && e["text"] == "კი") {
      read = true;
      EXPECT_EQ(e["event"], event_);
      EXPECT_EQ(e["rsvp"], "yes");
    }
  }
  EXPECT_TRUE(read) << Entries(nino.id).dump();

  // --- Replacements for those who declined: Britain has one left, France nobody. ---
  HttpResult replaced = Post("/v1/events/" + event_ + "/replacements", json::object(), admin_token_);
  ASSERT_EQ(replaced.status, 200) << replaced.body;
  ASSERT_EQ(replaced.json["replacements"].size(), 1u) << replaced.body;
  EXPECT_EQ(replaced.json["replacements"][0]["declined"], gb_two.id);
  EXPECT_EQ(replaced.json["replacements"][0]["replacement"], spare->id);
  EXPECT_EQ(replaced.json["shortfall"], json::array({amelie.id}));
  // The invitation again reaches only who is invited and may be written to: the newcomer.
  HttpResult again =
      Post("/v1/events/" + event_ + "/messages",
           {{"purpose", "invitation"}, {"template_id", invitation}, {"quiet_hours", always}},
           admin_token_);
  ASSERT_EQ(again.status, 201) << again.body;
  EXPECT_EQ(again.json["campaigns"][0]["queued"], 1) << again.body;
  Drain();
  EXPECT_TRUE(Eventually([&] { return Count(*spare, "Dear " + spare->name + ":") == 1; }));
  EXPECT_EQ(Count(gb_stop, "Dear "), 1) << "opted out: not invited again";
  Answer(*spare, "1", "waitlisted");

  // --- A cancellation: Nino's seat goes to the first person waiting, who takes it. ---
  Answer(nino, "არა", "no");
  EXPECT_EQ(State(second), "offered");
  Drain();
  EXPECT_EQ(Count(second, "Gute Nachricht"), 1);
  Answer(second, "Ja", "yes");
  EXPECT_EQ(PersonState(third)["waitlist_position"], 1);
  EXPECT_EQ(PersonState(*spare)["waitlist_position"], 2);

  // --- The event moves an hour later and to another hall: everyone with a seat or waiting
  // is told at once in their language; the reminder follows the new time. ---
  HttpResult moved = Put("/v1/events/" + event_, roundtable(11, "Hall B"), admin_token_);
  ASSERT_EQ(moved.status, 200) << moved.body;
  Drain();
  std::vector<Person*> everyone = {&gb_yes, &gb_two, &gb_stop, spare, &amelie, &nino,
                                   &omar,   &first,  &second,  &third};
  // The day before at the old time, nothing; at the new time the reminder goes to the four
  // with a seat only.
  clock_.Set(starts_at - 86'400'000 + 60'000);
  SweepNow();
  for (Person* p : everyone) EXPECT_EQ(Count(*p, "Reminder for "), 0) << p->name;
  clock_.Set(starts_at + 3'600'000 - 86'400'000 + 60'000);
  SweepNow();
  // The change notice names the new hall in each language; the reminder, once, to the four.
  const std::map<std::string, std::string> notice_in = {
      {"en", "New time:"}, {"de", "Neuer Termin:"}, {"ar", "الموعد الجديد:"},
      {"fr", "Nouvelle date :"}, {"ka", "ახალი დრო:"}};
  std::set<std::string> reminded, changed;
  for (Person* p : everyone) {
    if (Count(*p, "Reminder for " + p->name) > 0) reminded.insert(p->id);
    const int told = Count(*p, notice_in.at(p->language));
    if (told > 0) changed.insert(p->id);
    EXPECT_LE(told, 1) << p->name;
    EXPECT_LE(Count(*p, "Reminder for "), 1) << p->name;
  }
  const auto as_set = [](const std::vector<std::string>& v) {
    return std::set<std::string>(v.begin(), v.end());
  };
  EXPECT_EQ(reminded, as_set(Ids({&gb_yes, &omar, &first, &second})));
  EXPECT_EQ(changed, as_set(Ids({&gb_yes, &omar, &first, &second, &third, spare})));
  EXPECT_GE(Count(omar, "Hall B"), 2) << "the notice and the reminder name the new hall";

  // --- Afterwards: attendance, and thanks to those who came. ---
  clock_.Set(starts_at + 4 * 3'600'000);
  for (Person* p : {&gb_yes, &first, &second}) {
    HttpResult came = Post("/v1/events/" + event_ + "/people/" + p->id + "/attendance",
                           {{"attended", true}}, admin_token_);
    ASSERT_EQ(came.status, 200) << came.body;
  }
  const std::string thanks = CreateTemplate(
      {{"name", "Thank you"},
       {"default_language", "en"},
       {"variants", {{"en", {{"subject", "Thank you"}, {"body", "Thank you, {{contact.name}}!"}}}}}},
      admin_token_);
  HttpResult thanked = Post("/v1/events/" + event_ + "/messages",
                            {{"purpose", "thanks"}, {"template_id", thanks}, {"quiet_hours", always}},
                            admin_token_);
  ASSERT_EQ(thanked.status, 201) << thanked.body;
  EXPECT_EQ(thanked.json["campaigns"][0]["queued"], 3);
  Drain();
  // The SMSC hands text messages on a moment after smsbox took them: those who came have
  // theirs once it arrives, and nobody else has one.
  for (Person* p : {&gb_yes, &first, &second}) {
    EXPECT_TRUE(Eventually([&] { return Count(*p, "Thank you, " + p->name + "!") == 1; }))
        << p->name << ": " << Count(*p, "Thank you, " + p->name + "!");
  }
  for (Person* p : everyone) {
    const bool came = p == &gb_yes || p == &first || p == &second;
    EXPECT_EQ(Count(*p, "Thank you, " + p->name + "!"), came ? 1 : 0) << p->name;
  }

  // --- The final lists, against the counts by hand. ---
  EXPECT_EQ(InState("attended"), Ids({&gb_yes, &first, &second}));
  EXPECT_EQ(InState("yes"), Ids({&omar}));
  EXPECT_EQ(InState("no"), Ids({&amelie, &gb_two, &nino}));
  EXPECT_EQ(InState("waitlisted"), Ids({&third, spare}));
  EXPECT_EQ(InState("invited"), Ids({&gb_stop}));
  EXPECT_TRUE(InState("offered").empty());
  std::vector<std::string> waitlist;
  for (const json& w : Items("/v1/events/" + event_ + "/waitlist")) {
    waitlist.push_back(w["contact_id"]);
  }
  EXPECT_EQ(waitlist, (std::vector<std::string>{third.id, spare->id}));
  std::vector<std::string> attendees;
  for (const json& a : Items("/v1/events/" + event_ + "/attendees")) {
    attendees.push_back(a["contact_id"]);
  }
  EXPECT_EQ(attendees, Ids({&gb_yes, &first, &second, &omar}));
  rsvp = Get("/v1/events/" + event_, admin_token_).json["rsvp"];
  EXPECT_EQ(rsvp["seats_taken"], 4);
  EXPECT_EQ(rsvp["people"]["attended"], 3);
  EXPECT_EQ(rsvp["people"]["no"], 3);
  EXPECT_EQ(rsvp["people"]["waitlisted"], 2);
  EXPECT_EQ(rsvp["people"]["invited"], 1);
  // How they were chosen: the draw with its seed and composition, then the replacement.
  json records = Items("/v1/events/" + event_ + "/selections");
  ASSERT_EQ(records.size(), 2u);
  EXPECT_EQ(records[0]["seed"], 20260612);
  EXPECT_EQ(records[0]["selected"], saved.json["selected"]);
  EXPECT_EQ(records[0]["composition"], saved.json["composition"]);
  EXPECT_EQ(records[1]["kind"], "replacement");
  // Every change of Nino's state is in her conversation: invited, yes, no.
  std::vector<std::string> nino_states;
  for (const json& e : Entries(nino.id)) {
    if (e["kind"] == "rsvp") nino_states.push_back(e.value("to", ""));
  }
  std::reverse(nino_states.begin(), nino_states.end());
  EXPECT_EQ(nino_states, (std::vector<std::string>{"invited", "yes", "no"}));
}

}  // namespace
}  // namespace ogw::testing
