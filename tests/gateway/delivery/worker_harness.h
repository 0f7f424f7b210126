#pragma once

// Test harness of the delivery worker: a scriptable fake Provider that records every message it
// is given, a DeliveryStack wiring every store, the queue, the launcher and the rate limiter to
// one Redis and one clock, and WorkerTest, a fixture that drives one worker by hand on a
// FakeClock (RunOnce / RunUntilIdle) with a sleep hook that advances that clock.

#include <gtest/gtest.h>

#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "adapters/provider.h"
#include "gateway/campaigns/campaign.h"
#include "gateway/campaigns/campaign_launcher.h"
#include "gateway/campaigns/campaign_store.h"
#include "gateway/contacts/contact.h"
#include "gateway/contacts/contact_eraser.h"
#include "gateway/contacts/contact_store.h"
#include "gateway/core/clock.h"
#include "gateway/core/ids.h"
#include "gateway/delivery/delivery_worker.h"
#include "gateway/delivery/provider_registry.h"
#include "gateway/orgs/org_store.h"
#include "gateway/segments/segment_store.h"
#include "queue/delivery_queue.h"
#include "queue/provider_rate_limiter.h"
#include "templates/template.h"
#include "templates/template_renderer.h"
#include "templates/template_store.h"
#include "tests/testutil/fake_provider.h"
#include "tests/testutil/redis_fixture.h"

namespace ogw::testing {

// What a test contact looks like beyond its number.
struct ContactSpec {
  std::string name_prefix = "Person";
  std::string time_zone;
  std::vector<std::string> tags;
  bool whatsapp = false;  // The phone number is also their WhatsApp (consent granted).
  bool email = false;     // An e-mail address too (consent granted): person<n>@example.org.
};

// Everything the worker and the launcher need, on one Redis and one clock. Every channel is
// bound to `provider` under one account. Helpers report failures through gtest.
class DeliveryStack {
 public:
  DeliveryStack(RedisPool* redis, const Clock* clock, QueueOptions queue_options,
                std::shared_ptr<FakeProvider> fake)
      : orgs(redis, clock),
        contacts(redis),
        segments(redis, clock),
        templates(redis, clock),
        campaigns(redis, clock),
        queue(redis, clock, queue_options),
        launcher(&contacts, &segments, &templates, &campaigns, &queue, clock),
        rate_limiter(redis, clock),
        links(redis, clock, std::string(32, 'k'), 86400),
        provider(std::move(fake)),
        redis_(redis),
        clock_(clock),
        next_id_millis_(clock->NowMillis()) {
    BindAll(ProviderRate{});
  }

  void BindAll(ProviderRate rate) {
    for (Channel c : kPersonChannels) {
      providers.Bind(c, ProviderBinding{provider, "fake-account", rate});
    }
  }

  WorkerDeps Deps() {
    WorkerDeps deps;
    deps.redis = redis_;
    deps.clock = clock_;
    deps.queue = &queue;
    deps.contacts = &contacts;
    deps.templates = &templates;
    deps.renderer = &renderer;
    deps.campaigns = &campaigns;
    deps.orgs = &orgs;
    deps.providers = &providers;
    deps.rate_limiter = &rate_limiter;
    deps.links = &links;
    deps.public_base_url = "https://go.example.org";
    return deps;
  }

  std::string CreateOrg() {
    auto org = orgs.CreateOrganisation("Ministry of Diaspora", "en");
    EXPECT_TRUE(org.ok()) << org.status();
    return org.ok() ? org->id : "";
  }

  // `n` contacts with one phone each (consent granted), named "<prefix> 000", "<prefix> 001"...
  // (zero-padded, so no name contains another). Ids increase in creation order.
  std::vector<Contact> CreateContacts(const std::string& org_id, size_t n,
                                      const ContactSpec& spec = {}) {
    std::vector<Contact> out;
    for (size_t i = 0; i < n; ++i) {
      Contact c;
      c.id = NewId("c", next_id_millis_++);
      c.org_id = org_id;
      char name[64];
      std::snprintf(name, sizeof name, "%s %03zu", spec.name_prefix.c_str(), out.size());
      c.name = name;
      c.languages = {"en"};
      c.time_zone = spec.time_zone;
      c.tags = spec.tags;
      std::sort(c.tags.begin(), c.tags.end());
      Address phone;
      phone.kind = AddressKind::kPhone;
      phone.value = "+" + std::to_string(4915112345000LL + next_phone_++);
      phone.verified = true;
      phone.consent = Consent{ConsentState::kGranted, "test", clock_->NowMillis()};
      c.addresses.push_back(phone);
      if (spec.whatsapp) {
        phone.kind = AddressKind::kWhatsApp;
        c.addresses.push_back(phone);
      }
      if (spec.email) {
        Address mail = phone;
        mail.kind = AddressKind::kEmail;
        mail.value = "person" + std::to_string(next_phone_) + "@example.org";
        c.addresses.push_back(mail);
      }
      c.created_at_millis = c.updated_at_millis = clock_->NowMillis();
      auto put = contacts.Put(c, 0, nullptr);
      EXPECT_TRUE(put.ok()) << put.status();
      if (put.ok()) {
        EXPECT_EQ(put->code, PutOutcome::Code::kOk) << put->address_key;
      }
      out.push_back(std::move(c));
    }
    return out;
  }

  std::string CreateTemplate(const std::string& org_id,
                             const std::string& body = "Hello {{contact.name}}") {
    return CreateTemplateWith(org_id, nlohmann::json{{"body", body}});
  }
  // A template whose one language ("en") has `variant`'s fields.
  std::string CreateTemplateWith(const std::string& org_id, const nlohmann::json& variant) {
    FieldErrors errors;
    auto t = TemplateFromJson(
        {{"name", "Greeting"}, {"default_language", "en"}, {"variants", {{"en", variant}}}},
        &errors);
    EXPECT_TRUE(t.ok()) << t.status();
    if (!t.ok()) return "";
    t->org_id = org_id;
    auto created = templates.Create(*t);
    EXPECT_TRUE(created.ok()) << created.status();
    return created.ok() ? created->id : "";
  }

  std::string CreateSegment(const std::string& org_id,
                            const std::string& expression = "has(phone)") {
    Segment s;
    s.org_id = org_id;
    s.name = "Audience " + expression;
    s.expression = expression;
    auto created = segments.Create(s);
    EXPECT_TRUE(created.ok()) << created.status();
    return created.ok() ? created->id : "";
  }

  // Creates and launches a campaign (SMS unless `channel` says otherwise); the launched campaign
  // (empty id on failure).
  Campaign Launch(const std::string& org_id, const std::string& template_id,
                  const std::string& segment_id, const std::string& name = "Campaign",
                  std::optional<QuietHours> quiet_hours = std::nullopt,
                  const std::string& channel = "sms") {
    Campaign c;
    c.org_id = org_id;
    c.name = name;
    c.template_id = template_id;
    c.segment_id = segment_id;
    c.channel = channel;
    c.quiet_hours = quiet_hours;
    auto created = campaigns.Create(c);
    EXPECT_TRUE(created.ok()) << created.status();
    if (!created.ok()) return {};
    auto launched = launcher.Launch(org_id, created->id);
    EXPECT_TRUE(launched.ok()) << launched.status();
    return launched.ok() ? *launched : Campaign{};
  }

  std::map<std::string, int64_t> Stats(const std::string& org_id, const std::string& campaign) {
    auto stats = queue.CampaignStats(org_id, campaign);
    EXPECT_TRUE(stats.ok()) << stats.status();
    return stats.ok() ? *stats : std::map<std::string, int64_t>{};
  }

  std::optional<CampaignState> State(const std::string& org_id, const std::string& campaign) {
    auto state = queue.State(org_id, campaign);
    EXPECT_TRUE(state.ok()) << state.status();
    return state.ok() ? *state : std::nullopt;
  }

  // The launcher orders a campaign's recipients by contact id (one message per person), so a
  // contact's message index is its rank by id in the audience.
  static int64_t IndexOf(const std::vector<Contact>& audience, const std::string& contact_id) {
    std::vector<std::string> ids;
    for (const auto& c : audience) ids.push_back(c.id);
    std::sort(ids.begin(), ids.end());
    auto it = std::find(ids.begin(), ids.end(), contact_id);
    EXPECT_NE(it, ids.end()) << contact_id << " is not in the audience";
    return it - ids.begin();
  }

  // Erases a person everywhere, as DELETE /v1/contacts/{id} does.
  absl::Status Erase(std::string_view org_id, std::string_view contact_id) {
    return ContactEraser(&contacts, &queue, &links, redis_).Erase(org_id, contact_id);
  }

  OrgStore orgs;
  ContactStore contacts;
  SegmentStore segments;
  TemplateStore templates;
  TemplateRenderer renderer;
  CampaignStore campaigns;
  DeliveryQueue queue;
  CampaignLauncher launcher;
  ProviderRateLimiter rate_limiter;
  TrackedLinks links;
  ProviderRegistry providers;
  std::shared_ptr<FakeProvider> provider;

 private:
  RedisPool* redis_;
  const Clock* clock_;
  int64_t next_id_millis_;
  int64_t next_phone_ = 0;
};

// One worker on a FakeClock, driven by hand. Each test starts on an empty Redis at kStart.
class WorkerTest : public RedisTest {
 protected:
  static constexpr int64_t kStart = 1'768'471'200'000;  // 2026-01-15T10:00:00Z
  static constexpr int64_t kLeaseMillis = 30'000;

  static QueueOptions Queue() {
    QueueOptions q;
    q.chunk_size = 8;  // Small audiences make several chunks.
    q.lease_millis = kLeaseMillis;
    return q;
  }
  static WorkerOptions Options() {
    WorkerOptions o;
    o.threads = 1;
    o.group_size = 4;
    o.backoff.base_millis = 1'000;
    o.backoff.cap_millis = 60'000;
    o.backoff.max_attempts = 3;
    o.cascade_sweep_millis = 0;  // Every pass: a turn would expire on Redis's own clock.
    return o;
  }

  void SetUp() override {
    FlushAll();
    ReconnectPool();
    clock_.Set(kStart);
    provider_ = std::make_shared<FakeProvider>();
    stack_ = std::make_unique<DeliveryStack>(&pool(), &clock_, Queue(), provider_);
    org_ = stack_->CreateOrg();
    ASSERT_FALSE(org_.empty());
    worker_ = MakeWorker();
  }

  void TearDown() override { worker_.reset(); }

  // A worker whose rate-limit waits advance the fake clock instead of sleeping.
  std::unique_ptr<DeliveryWorker> MakeWorker() {
    WorkerDeps deps = stack_->Deps();
    deps.sleep = [this](int64_t millis) {
      slept_millis_ += millis;
      ++sleep_calls_;
      if (on_sleep_) on_sleep_(millis);
      clock_.Advance(millis);
    };
    return std::make_unique<DeliveryWorker>(deps, Options());
  }

  // Calls RunOnce until a pass handles nothing; the messages handled. Fails the test after
  // 1000 passes, or on an error once more than `tolerated_errors` errors were seen (a Redis
  // restart may fail a pass or two while connections come back).
  size_t RunUntilIdle(int tolerated_errors = 0) {
    size_t handled = 0;
    int errors = 0;
    for (int pass = 0; pass < 1000; ++pass) {
      auto n = worker_->RunOnce();
      if (!n.ok()) {
        if (++errors > tolerated_errors) {
          ADD_FAILURE() << "RunOnce failed: " << n.status();
          return handled;
        }
        continue;
      }
      if (*n == 0) return handled;
      handled += *n;
    }
    ADD_FAILURE() << "the worker was still busy after 1000 passes";
    return handled;
  }

  size_t RunOnce() {
    auto n = worker_->RunOnce();
    EXPECT_TRUE(n.ok()) << n.status();
    return n.ok() ? *n : 0;
  }

  // Contacts, template, match-all segment and a launched SMS campaign to all of them.
  Campaign LaunchTo(size_t n, std::vector<Contact>* audience = nullptr,
                    const ContactSpec& spec = {}) {
    std::vector<Contact> contacts = stack_->CreateContacts(org_, n, spec);
    if (audience != nullptr) *audience = contacts;
    return stack_->Launch(org_, stack_->CreateTemplate(org_), stack_->CreateSegment(org_));
  }

  std::map<std::string, int64_t> Stats(const Campaign& c) { return stack_->Stats(org_, c.id); }
  std::optional<CampaignState> State(const Campaign& c) { return stack_->State(org_, c.id); }
  static std::string MessageId(const Campaign& c, int64_t index) {
    return c.id + ":" + std::to_string(index);
  }

  FakeClock clock_;
  std::shared_ptr<FakeProvider> provider_;
  std::unique_ptr<DeliveryStack> stack_;
  std::string org_;
  std::unique_ptr<DeliveryWorker> worker_;
  int64_t slept_millis_ = 0;
  int sleep_calls_ = 0;
  std::function<void(int64_t)> on_sleep_;  // Called before the clock advances.
};

}  // namespace ogw::testing
