#include "gateway/segments/segment_store.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <string>
#include <vector>

#include "gateway/core/clock.h"
#include "gateway/core/ids.h"
#include "gateway/core/key_schema.h"
#include "tests/testutil/redis_fixture.h"

namespace ogw {
namespace {

using ::testing::ElementsAre;
using ::testing::IsEmpty;

constexpr char kOrg[] = "org_seg";
constexpr int64_t kNow = 1767225600000;

class SegmentStoreTest : public ogw::testing::RedisTest {
 protected:
  void SetUp() override { FlushAll(); }

  Segment Draft(const std::string& name, const std::string& expression,
                const std::string& post = "") {
    Segment s;
    s.org_id = kOrg;
    s.post_id = post;
    s.name = name;
    s.expression = expression;
    s.created_by = "off_1";
    return s;
  }

  FakeClock clock_{kNow};
  SegmentStore segments_{&pool(), &clock_};
};

void ExpectSameSegment(const Segment& a, const Segment& b) {
  EXPECT_EQ(a.id, b.id);
  EXPECT_EQ(a.org_id, b.org_id);
  EXPECT_EQ(a.post_id, b.post_id);
  EXPECT_EQ(a.name, b.name);
  EXPECT_EQ(a.expression, b.expression);
  EXPECT_EQ(a.created_by, b.created_by);
  EXPECT_EQ(a.created_at_millis, b.created_at_millis);
  EXPECT_EQ(a.updated_at_millis, b.updated_at_millis);
}

TEST_F(SegmentStoreTest, CreateAndGet) {
  auto created = segments_.Create(
      Draft("ქართულად მოლაპარაკეები", "\"ka\" in languages and reachable(whatsapp)", "post_a"));
  ASSERT_TRUE(created.ok()) << created.status();
  EXPECT_TRUE(IsWellFormedId(created->id, "seg")) << created->id;
  EXPECT_EQ(created->created_at_millis, kNow);
  EXPECT_EQ(created->updated_at_millis, kNow);
  EXPECT_EQ(created->name, "ქართულად მოლაპარაკეები");

  auto got = segments_.Get(kOrg, created->id);
  ASSERT_TRUE(got.ok()) << got.status();
  ASSERT_TRUE(got->has_value());
  ExpectSameSegment(**got, *created);

  // Stored JSON matches ToJson.
  auto raw = pool().Command({"HGET", keys::Segments(kOrg), created->id});
  ASSERT_TRUE(raw.ok());
  EXPECT_EQ(nlohmann::json::parse(raw->str), ToJson(*created));
  EXPECT_EQ(ToJson(*created).at("created_at"), kNow);

  auto missing = segments_.Get(kOrg, "seg_missing");
  ASSERT_TRUE(missing.ok());
  EXPECT_FALSE(missing->has_value());
  auto other_org = segments_.Get("org_other", created->id);
  ASSERT_TRUE(other_org.ok());
  EXPECT_FALSE(other_org->has_value());
}

TEST_F(SegmentStoreTest, ListIsSortedByIdPerOrganisation) {
  std::vector<std::string> ids;
  for (int i = 0; i < 5; ++i) {
    auto s = segments_.Create(Draft("S" + std::to_string(i), "true"));
    ASSERT_TRUE(s.ok()) << s.status();
    ids.push_back(s->id);
    clock_.Advance(1);
  }
  Segment foreign = Draft("Foreign", "true");
  foreign.org_id = "org_other";
  ASSERT_TRUE(segments_.Create(foreign).ok());

  auto list = segments_.List(kOrg);
  ASSERT_TRUE(list.ok()) << list.status();
  ASSERT_EQ(list->size(), 5u);
  for (size_t i = 0; i < 5; ++i) {
    EXPECT_EQ((*list)[i].id, ids[i]);
    EXPECT_EQ((*list)[i].name, "S" + std::to_string(i));
    EXPECT_EQ((*list)[i].created_at_millis, kNow + static_cast<int64_t>(i));
  }
  auto other = segments_.List("org_other");
  ASSERT_TRUE(other.ok());
  ASSERT_EQ(other->size(), 1u);
  EXPECT_EQ((*other)[0].name, "Foreign");
  auto none = segments_.List("org_empty");
  ASSERT_TRUE(none.ok());
  EXPECT_THAT(*none, IsEmpty());
}

TEST_F(SegmentStoreTest, UpdateReplacesAndStampsTime) {
  auto created = segments_.Create(Draft("Old", "country = \"DE\""));
  ASSERT_TRUE(created.ok());
  clock_.Advance(5000);
  Segment changed = *created;
  changed.name = "New";
  changed.expression = "country in (\"DE\", \"AT\")";
  ASSERT_TRUE(segments_.Update(changed).ok());
  auto got = segments_.Get(kOrg, created->id);
  ASSERT_TRUE(got.ok() && got->has_value());
  EXPECT_EQ((*got)->name, "New");
  EXPECT_EQ((*got)->expression, "country in (\"DE\", \"AT\")");
  EXPECT_EQ((*got)->created_at_millis, kNow);
  EXPECT_EQ((*got)->updated_at_millis, kNow + 5000);
  EXPECT_EQ((*got)->created_by, "off_1");

  Segment ghost = changed;
  ghost.id = "seg_ghost";
  absl::Status s = segments_.Update(ghost);
  EXPECT_EQ(s.code(), absl::StatusCode::kNotFound) << s;
  auto ghost_get = segments_.Get(kOrg, "seg_ghost");
  ASSERT_TRUE(ghost_get.ok());
  EXPECT_FALSE(ghost_get->has_value());  // Update never creates.
  auto list = segments_.List(kOrg);
  ASSERT_TRUE(list.ok());
  EXPECT_EQ(list->size(), 1u);
}

TEST_F(SegmentStoreTest, DeleteRemovesOnce) {
  auto a = segments_.Create(Draft("A", "true"));
  auto b = segments_.Create(Draft("B", "true"));
  ASSERT_TRUE(a.ok() && b.ok());
  ASSERT_TRUE(segments_.Delete(kOrg, a->id).ok());
  auto got = segments_.Get(kOrg, a->id);
  ASSERT_TRUE(got.ok());
  EXPECT_FALSE(got->has_value());
  EXPECT_EQ(segments_.Delete(kOrg, a->id).code(), absl::StatusCode::kNotFound);
  EXPECT_EQ(segments_.Delete("org_other", b->id).code(), absl::StatusCode::kNotFound);
  auto list = segments_.List(kOrg);
  ASSERT_TRUE(list.ok());
  ASSERT_EQ(list->size(), 1u);
  EXPECT_EQ((*list)[0].id, b->id);
  // Updating a deleted segment does not bring it back.
  Segment revived = *a;
  EXPECT_EQ(segments_.Update(revived).code(), absl::StatusCode::kNotFound);
}

TEST_F(SegmentStoreTest, CorruptSegmentIsDataLoss) {
  ASSERT_TRUE(pool().Command({"HSET", keys::Segments(kOrg), "seg_bad", "{\"id\": 5}"}).ok());
  auto got = segments_.Get(kOrg, "seg_bad");
  EXPECT_EQ(got.status().code(), absl::StatusCode::kDataLoss);
  auto list = segments_.List(kOrg);
  EXPECT_EQ(list.status().code(), absl::StatusCode::kDataLoss);
}

class EvaluateSegmentTest : public ogw::testing::RedisTest {
 protected:
  void SetUp() override { FlushAll(); }

  // Creates `n` contacts; contact i is in post ("p1", "p2", "" cycling), in country
  // GR when i % 5 == 4 else DE, with a reachable phone when i is even. Stored in reverse id
  // order.
  void Populate(int n) {
    std::vector<Contact> contacts;
    for (int i = 0; i < n; ++i) {
      Contact c;
      c.id = NewId("c", clock_.NowMillis());
      clock_.Advance(1);
      c.org_id = kOrg;
      c.post_id = i % 3 == 0 ? "p1" : i % 3 == 1 ? "p2" : "";
      c.name = "Person " + std::to_string(i);
      c.country = i % 5 == 4 ? "GR" : "DE";
      c.attributes["i"] = static_cast<double>(i);
      Address phone;
      phone.kind = AddressKind::kPhone;
      phone.value = "+4930" + std::to_string(3000000 + i);
      if (i % 2 == 0) phone.consent = Consent{ConsentState::kGranted, "t", 1};
      c.addresses = {phone};
      contacts.push_back(c);
    }
    all_ = contacts;
    std::reverse(contacts.begin(), contacts.end());
    for (size_t start = 0; start < contacts.size(); start += 500) {
      std::vector<ContactStore::PutRequest> requests;
      for (size_t i = start; i < std::min(contacts.size(), start + 500); ++i) {
        requests.push_back({&contacts[i], 0, nullptr});
      }
      auto outcomes = store_.PutMany(requests);
      ASSERT_TRUE(outcomes.ok()) << outcomes.status();
      for (const auto& o : *outcomes) ASSERT_EQ(o.code, PutOutcome::Code::kOk);
    }
  }

  // The ids of `all_` (in id order) that satisfy `pred`.
  template <typename Pred>
  std::vector<std::string> Expected(Pred pred) {
    std::vector<std::string> ids;
    for (const auto& c : all_) {
      if (pred(c)) ids.push_back(c.id);
    }
    return ids;
  }

  SegmentPreview Evaluate(const PostScope& scope, const std::string& text, size_t sample) {
    auto expression = SegmentExpression::Parse(text);
    EXPECT_TRUE(expression.ok()) << expression.status();
    if (!expression.ok()) return {};
    auto preview = EvaluateSegment(&store_, kOrg, scope, *expression, sample);
    EXPECT_TRUE(preview.ok()) << preview.status();
    return preview.ok() ? *preview : SegmentPreview{};
  }

  static std::vector<std::string> SampleIds(const SegmentPreview& p) {
    std::vector<std::string> ids;
    for (const auto& c : p.sample) ids.push_back(c.id);
    return ids;
  }

  FakeClock clock_{kNow};
  ContactStore store_{&pool()};
  std::vector<Contact> all_;
};

TEST_F(EvaluateSegmentTest, CountsAndSamplesTheSmallestIds) {
  Populate(60);
  ASSERT_TRUE(std::is_sorted(all_.begin(), all_.end(),
                             [](const Contact& a, const Contact& b) { return a.id < b.id; }));

  auto de = Expected([](const Contact& c) { return c.country == "DE"; });
  SegmentPreview p = Evaluate(PostScope::All(), "country = \"de\"", 5);
  EXPECT_EQ(p.count, de.size());
  EXPECT_EQ(p.count, 48u);
  EXPECT_EQ(SampleIds(p), std::vector<std::string>(de.begin(), de.begin() + 5));
  ASSERT_EQ(p.sample.size(), 5u);
  EXPECT_EQ(p.sample[0], all_[0]);  // Full contacts.

  // Everyone, sample bigger than the match count: all, sorted.
  p = Evaluate(PostScope::All(), "true", 1000);
  EXPECT_EQ(p.count, 60u);
  EXPECT_EQ(SampleIds(p), Expected([](const Contact&) { return true; }));

  // Count only.
  p = Evaluate(PostScope::All(), "reachable(phone)", 0);
  EXPECT_EQ(p.count, 30u);
  EXPECT_THAT(p.sample, IsEmpty());

  // Nobody.
  p = Evaluate(PostScope::All(), "country = \"FR\"", 10);
  EXPECT_EQ(p.count, 0u);
  EXPECT_THAT(p.sample, IsEmpty());

  // Attributes and combinations.
  auto combo = Expected([](const Contact& c) {
    return std::get<double>(c.attributes.at("i")) >= 30 && c.country == "GR";
  });
  p = Evaluate(PostScope::All(), "attr.i >= 30 and country = \"GR\"", 3);
  EXPECT_EQ(p.count, combo.size());
  EXPECT_EQ(SampleIds(p), std::vector<std::string>(combo.begin(), combo.begin() + 3));
}

TEST_F(EvaluateSegmentTest, RespectsThePostScope) {
  Populate(60);
  auto p1 = Expected([](const Contact& c) { return c.post_id == "p1"; });
  SegmentPreview p = Evaluate(PostScope::Of({"p1"}), "true", 4);
  EXPECT_EQ(p.count, 20u);
  EXPECT_EQ(SampleIds(p), std::vector<std::string>(p1.begin(), p1.begin() + 4));

  auto both_reachable = Expected([](const Contact& c) {
    return !c.post_id.empty() && c.HasReachable(AddressKind::kPhone);
  });
  p = Evaluate(PostScope::Of({"p2", "p1"}), "reachable(phone)", 7);
  EXPECT_EQ(p.count, both_reachable.size());
  EXPECT_EQ(SampleIds(p),
            std::vector<std::string>(both_reachable.begin(), both_reachable.begin() + 7));

  // Contacts without a post exist (org-wide finds them) but no post scope sees them.
  p = Evaluate(PostScope::All(), "post = \"\"", 100);
  EXPECT_EQ(p.count, 20u);
  p = Evaluate(PostScope::Of({"p1", "p2"}), "post = \"\"", 100);
  EXPECT_EQ(p.count, 0u);
  EXPECT_THAT(p.sample, IsEmpty());
  p = Evaluate(PostScope::Of({}), "true", 100);
  EXPECT_EQ(p.count, 0u);
  p = Evaluate(PostScope::Of({"p3"}), "true", 100);
  EXPECT_EQ(p.count, 0u);
}

TEST_F(EvaluateSegmentTest, ManyContactsAcrossScanBatches) {
  Populate(2500);
  auto de = Expected([](const Contact& c) { return c.country == "DE"; });
  SegmentPreview p = Evaluate(PostScope::All(), "country = \"DE\"", 25);
  EXPECT_EQ(p.count, 2000u);
  EXPECT_EQ(SampleIds(p), std::vector<std::string>(de.begin(), de.begin() + 25));

  auto p2_even = Expected([](const Contact& c) {
    return c.post_id == "p2" && c.HasReachable(AddressKind::kPhone);
  });
  p = Evaluate(PostScope::Of({"p2"}), "reachable(phone)", 10);
  EXPECT_EQ(p.count, p2_even.size());
  EXPECT_EQ(SampleIds(p), std::vector<std::string>(p2_even.begin(), p2_even.begin() + 10));

  // The sample is stable between calls.
  SegmentPreview again = Evaluate(PostScope::Of({"p2"}), "reachable(phone)", 10);
  EXPECT_EQ(SampleIds(again), SampleIds(p));
}

}  // namespace
}  // namespace ogw
