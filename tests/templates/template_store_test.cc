#include "templates/template_store.h"

#include <gtest/gtest.h>

#include "tests/testutil/redis_fixture.h"

namespace ogw::testing {
namespace {

class TemplateStoreTest : public RedisTest {
 protected:
  void SetUp() override { FlushAll(); }
  Template Sample() {
    FieldErrors errors;
    auto t = TemplateFromJson({{"name", "Invitation"},
                               {"default_language", "en"},
                               {"variants", {{"en", {{"body", "Hello {{contact.name}}"}}}}}},
                              &errors);
    EXPECT_TRUE(t.ok()) << t.status();
    t->org_id = "org_1";
    return *t;
  }
  FakeClock clock_;
  TemplateStore store_{&pool(), &clock_};
};

TEST_F(TemplateStoreTest, UpdatesBumpTheVersionAndStaleWritersAreRefused) {
  auto created = store_.Create(Sample());
  ASSERT_TRUE(created.ok()) << created.status();
  EXPECT_EQ(created->version, 1);
  Template first = *created, second = *created;
  first.name = "First editor";
  second.name = "Second editor";
  auto updated = store_.Update(first);
  ASSERT_TRUE(updated.ok()) << updated.status();
  EXPECT_EQ(updated->version, 2);
  auto stale = store_.Update(second);  // Still based on version 1.
  EXPECT_EQ(stale.status().code(), absl::StatusCode::kAborted);
  auto stored = store_.Get("org_1", created->id);
  ASSERT_TRUE(stored.ok() && stored->has_value());
  EXPECT_EQ((*stored)->name, "First editor");
  EXPECT_EQ((*stored)->version, 2);
}

TEST_F(TemplateStoreTest, ListGetDelete) {
  auto a = store_.Create(Sample());
  auto b = store_.Create(Sample());
  ASSERT_TRUE(a.ok() && b.ok());
  auto list = store_.List("org_1");
  ASSERT_TRUE(list.ok());
  EXPECT_EQ(list->size(), 2u);
  EXPECT_TRUE(store_.Delete("org_1", a->id).ok());
  EXPECT_EQ(store_.Delete("org_1", a->id).code(), absl::StatusCode::kNotFound);
  EXPECT_FALSE(store_.Get("org_1", a->id)->has_value());
  EXPECT_EQ(store_.Update(*a).status().code(), absl::StatusCode::kNotFound);
}

}  // namespace
}  // namespace ogw::testing
