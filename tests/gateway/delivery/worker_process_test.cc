// The delivery worker as a real process (`outreach-gateway worker`) against a real
// redis-server and an HTTP provider endpoint: killed with SIGKILL mid-campaign and replaced,
// and with Redis crashing under it. Every message must end sent; duplicates may only come from
// the documented window (a group accepted by the provider but not yet recorded).

#include <gtest/gtest.h>

#include <chrono>
#include <fstream>
#include <map>
#include <mutex>
#include <thread>

#include "gateway/campaigns/campaign_launcher.h"
#include "gateway/core/ids.h"
#include "gateway/orgs/org_store.h"
#include "tests/testutil/gateway_process.h"
#include "tests/testutil/http_sink.h"
#include "tests/testutil/redis_fixture.h"

namespace ogw::testing {
namespace {

constexpr int kContacts = 300;
constexpr int kThreads = 2;
constexpr int kGroup = 20;

class WorkerProcessTest : public RedisTest {
 protected:
  void SetUp() override {
    FlushAll();
    ReconnectPool();
    sink_.set_delay_ms(10);
    sink_.set_responder([this](const SinkRequest& r) {
      const size_t at = r.body.find("\"id\":\"");
      const size_t end = r.body.find('"', at + 6);
      std::lock_guard lock(mu_);
      ++seen_[r.body.substr(at + 6, end - at - 6)];
      return SinkResponse{200, {}, "{\"id\":\"ok\"}"};
    });
    ASSERT_TRUE(sink_.Start());
    Seed();
    config_ = dir_.path() + "/worker.json";
    std::ofstream(config_)
        << R"({"redis": {"url": "unix://)" << endpoint().unix_socket
        << R"("}, "delivery": {"worker_threads": )" << kThreads << R"(, "group_size": )" << kGroup
        << R"(, "lease_seconds": 5, "providers": [{"name": "sink", "type": "webhook", "channels": ["sms"], "url": ")"
        << sink_.BaseUrl() << R"(/send"}]}})";
  }

  // An organisation with kContacts consenting contacts and a launched SMS campaign.
  void Seed() {
    const Clock* clock = &SystemClock::Instance();
    OrgStore orgs(&pool(), clock);
    ContactStore contacts(&pool());
    SegmentStore segments(&pool(), clock);
    TemplateStore templates(&pool(), clock);
    CampaignStore campaigns(&pool(), clock);
    DeliveryQueue queue(&pool(), clock);
    auto org = orgs.CreateOrganisation("Ministry", "en");
    ASSERT_TRUE(org.ok());
    org_ = org->id;
    for (int i = 0; i < kContacts; ++i) {
      Contact c;
      c.id = NewId("c", clock->NowMillis());
      c.org_id = org_;
      c.name = "Member " + std::to_string(i);
      c.languages = {"en"};
      Address a;
      a.kind = AddressKind::kPhone;
      a.value = "+4917010" + std::to_string(10000 + i);
      a.consent = {ConsentState::kGranted, "test", clock->NowMillis()};
      c.addresses.push_back(a);
      ASSERT_TRUE(contacts.Put(c, 0, nullptr).ok());
    }
    Segment s;
    s.org_id = org_;
    s.name = "everyone";
    s.expression = "has(phone)";
    auto segment = segments.Create(s);
    ASSERT_TRUE(segment.ok());
    Template t;
    t.org_id = org_;
    t.name = "invitation";
    t.default_language = "en";
    TemplateVariant en;
    en.language = "en";
    en.body = "Dear {{contact.name}}, you are invited.";
    t.variants.push_back(en);
    auto tmpl = templates.Create(t);
    ASSERT_TRUE(tmpl.ok());
    Campaign c;
    c.org_id = org_;
    c.name = "invitation";
    c.template_id = tmpl->id;
    c.segment_id = segment->id;
    c.channel = "sms";
    auto campaign = campaigns.Create(c);
    ASSERT_TRUE(campaign.ok());
    campaign_ = campaign->id;
    CampaignLauncher launcher(&contacts, &segments, &templates, &campaigns, &queue, clock);
    auto launched = launcher.Launch(org_, campaign_);
    ASSERT_TRUE(launched.ok()) << MessageOf(launched.status());
    ASSERT_EQ(launched->queued, kContacts);
  }

  std::map<std::string, int64_t> Stats() {
    DeliveryQueue queue(&pool(), &SystemClock::Instance());
    auto stats = queue.CampaignStats(org_, campaign_);
    return stats.ok() ? *stats : std::map<std::string, int64_t>{};
  }

  bool WaitUntil(const std::function<bool()>& done, int seconds) {
    for (int i = 0; i < seconds * 20; ++i) {
      if (done()) return true;
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    return false;
  }

  // Messages the sink saw, and how many arrivals were repeats.
  std::pair<size_t, int64_t> Seen() {
    std::lock_guard lock(mu_);
    int64_t repeats = 0;
    for (const auto& [_, n] : seen_) repeats += n - 1;
    return {seen_.size(), repeats};
  }

  TempDir dir_;
  HttpSink sink_;
  std::mutex mu_;
  std::map<std::string, int> seen_;  // Message id -> arrivals.
  std::string org_, campaign_, config_;
};

TEST_F(WorkerProcessTest, AKilledWorkerIsReplacedAndEveryMessageEndsSent) {
  {
    GatewayProcess first(OGW_GATEWAY_BINARY, config_, dir_.path() + "/first.log", {"worker"});
    first.WaitFor("worker running");
    ASSERT_TRUE(WaitUntil([&] { return sink_.requests() >= 60; }, 30)) << first.Log();
    first.Kill();
  }
  const int64_t sent_at_crash = Stats()["sent"];
  EXPECT_LT(sent_at_crash, kContacts) << "the campaign finished before the crash";
  GatewayProcess second(OGW_GATEWAY_BINARY, config_, dir_.path() + "/second.log", {"worker"});
  ASSERT_TRUE(WaitUntil([&] { return Stats()["pending"] == 0; }, 60)) << second.Log();
  EXPECT_EQ(second.Terminate(), 0);

  const auto stats = Stats();
  EXPECT_EQ(stats.at("sent"), kContacts);
  EXPECT_EQ(stats.at("failed"), 0);
  EXPECT_EQ(stats.at("dead"), 0);
  const auto [unique, repeats] = Seen();
  EXPECT_EQ(unique, static_cast<size_t>(kContacts)) << "a message was never sent";
  // Only what the killed worker had handed to the provider but not recorded may repeat.
  EXPECT_LE(repeats, kThreads * kGroup);
}

TEST_F(WorkerProcessTest, RedisCrashingUnderARunningWorkerLosesNothing) {
  GatewayProcess worker(OGW_GATEWAY_BINARY, config_, dir_.path() + "/worker.log", {"worker"});
  worker.WaitFor("worker running");
  ASSERT_TRUE(WaitUntil([&] { return sink_.requests() >= 60; }, 30)) << worker.Log();
  RestartRedis(/*crash=*/true);
  ReconnectPool();
  ASSERT_TRUE(WaitUntil([&] { return Stats()["pending"] == 0; }, 60)) << worker.Log();
  EXPECT_EQ(worker.Terminate(), 0);
  const auto stats = Stats();
  EXPECT_EQ(stats.at("sent"), kContacts);
  const auto [unique, repeats] = Seen();
  EXPECT_EQ(unique, static_cast<size_t>(kContacts)) << "a message was never sent";
  // Outcomes recorded in the last second before the crash may be lost with the AOF tail
  // (appendfsync everysec) and sent again; that is the documented cost of a Redis crash.
  RecordProperty("repeats_after_redis_crash", static_cast<int>(repeats));
}

}  // namespace
}  // namespace ogw::testing
