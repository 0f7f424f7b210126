#include "gateway/contacts/contact_store.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <set>
#include <string>
#include <vector>

#include "adapters/sandbox/sandbox_provider.h"
#include "gateway/contacts/contact_eraser.h"
#include "gateway/contacts/contact_json.h"
#include "gateway/core/clock.h"
#include "gateway/core/crypto.h"
#include "gateway/core/ids.h"
#include "gateway/core/key_schema.h"
#include "queue/delivery_queue.h"
#include "templates/tracked_links.h"
#include "tests/testutil/redis_fixture.h"

namespace ogw {
namespace {

using ::testing::ElementsAre;
using ::testing::IsEmpty;

constexpr char kOrg[] = "org_test";

Address MakeAddress(AddressKind kind, std::string value) {
  Address a;
  a.kind = kind;
  a.value = std::move(value);
  return a;
}

class ContactStoreTestBase : public ogw::testing::RedisTest {
 protected:
  void SetUp() override { FlushAll(); }

  // A new contact with a fresh, increasing id (the clock moves 1 ms per contact).
  Contact NewContact(const std::string& name, const std::string& post,
                     std::vector<Address> addresses) {
    Contact c;
    c.id = NewId("c", clock_.NowMillis());
    clock_.Advance(1);
    c.org_id = kOrg;
    c.post_id = post;
    c.name = name;
    c.addresses = std::move(addresses);
    c.created_at_millis = c.updated_at_millis = clock_.NowMillis();
    return c;
  }
  Contact NewContact(const std::string& name, const std::string& post, int n) {
    return NewContact(name, post,
                      {MakeAddress(AddressKind::kPhone, "+4930" + std::to_string(1000000 + n))});
  }

  // Creates `c` and returns its version (1).
  int64_t Create(const Contact& c) {
    auto outcome = store_.Put(c, 0, nullptr);
    EXPECT_TRUE(outcome.ok()) << outcome.status();
    if (!outcome.ok()) return 0;
    EXPECT_EQ(outcome->code, PutOutcome::Code::kOk) << outcome->address_key;
    return outcome->version;
  }

  // Creates many contacts in round trips of 500.
  void CreateAll(const std::vector<Contact>& contacts) {
    for (size_t start = 0; start < contacts.size(); start += 500) {
      std::vector<ContactStore::PutRequest> requests;
      for (size_t i = start; i < std::min(contacts.size(), start + 500); ++i) {
        requests.push_back({&contacts[i], 0, nullptr});
      }
      auto outcomes = store_.PutMany(requests);
      ASSERT_TRUE(outcomes.ok()) << outcomes.status();
      ASSERT_EQ(outcomes->size(), requests.size());
      for (const auto& o : *outcomes) ASSERT_EQ(o.code, PutOutcome::Code::kOk);
    }
  }

  std::optional<StoredContact> Load(const std::string& id) {
    auto got = store_.Get(kOrg, id);
    EXPECT_TRUE(got.ok()) << got.status();
    if (!got.ok()) return std::nullopt;
    return *got;
  }

  std::string OwnerOf(const std::string& address_key) {
    auto owners = store_.FindOwners(kOrg, {address_key});
    EXPECT_TRUE(owners.ok()) << owners.status();
    return owners.ok() ? owners->front() : "<error>";
  }

  // Every id visible in `scope`, page by page; also checks the cursor contract.
  std::vector<std::string> ListAll(const PostScope& scope, size_t limit, size_t* pages) {
    std::vector<std::string> ids;
    std::string cursor;
    *pages = 0;
    while (true) {
      auto page = store_.List(kOrg, scope, cursor, limit);
      EXPECT_TRUE(page.ok()) << page.status();
      if (!page.ok()) break;
      ++*pages;
      EXPECT_LE(page->contacts.size(), limit);
      for (const auto& c : page->contacts) ids.push_back(c.id);
      if (page->next_cursor.empty()) break;
      EXPECT_EQ(page->contacts.size(), limit) << "a page before the last is short";
      EXPECT_EQ(page->next_cursor, page->contacts.back().id);
      cursor = page->next_cursor;
      if (*pages > 10000) {
        ADD_FAILURE() << "pagination does not end";
        break;
      }
    }
    return ids;
  }

  std::vector<std::string> Ids(const PostScope& scope, size_t limit = 1000) {
    size_t pages = 0;
    return ListAll(scope, limit, &pages);
  }

  int64_t Stat(const std::string& name) {
    auto stats = store_.Stats(kOrg);
    EXPECT_TRUE(stats.ok()) << stats.status();
    if (!stats.ok()) return -1;
    for (const auto& [k, v] : *stats) {
      if (k == name) return v;
    }
    return 0;
  }

  FakeClock clock_;
  ContactStore store_{&pool()};
  DeliveryQueue queue_{&pool(), &clock_};
  TrackedLinks links_{&pool(), &clock_, std::string(32, 'k'), 86400};
  ContactEraser eraser_{&store_, &queue_, &links_, &pool()};
};

class ContactStoreTest : public ContactStoreTestBase {};

TEST_F(ContactStoreTest, SuppressionListIsKeyedAndHonoursOlderEntries) {
  ContactStore keyed(&pool(), "installation-secret-for-the-suppression-list");
  const std::string unkeyed =
      Sha256Hex(std::string(kOrg) + ":" + AddressKey(AddressKind::kPhone, "+4930100001"));
  ASSERT_TRUE(keyed.Suppress(kOrg, AddressKind::kPhone, "+4930100001", "keyword:sms", 1).ok());
  // Hashing the number alone does not find it.
  auto fields = pool().Command({"HKEYS", keys::Suppressed(kOrg)});
  ASSERT_TRUE(fields.ok());
  ASSERT_EQ(fields->elements.size(), 1u);
  EXPECT_NE(fields->elements[0].str, unkeyed);
  // An entry an older version wrote still holds.
  const std::string older =
      Sha256Hex(std::string(kOrg) + ":" + AddressKey(AddressKind::kPhone, "+4930100002"));
  ASSERT_TRUE(pool().Command({"HSET", keys::Suppressed(kOrg), older, "1 keyword:sms"}).ok());
  for (int n : {1, 2}) {
    Contact c = NewContact("P", "", {MakeAddress(AddressKind::kPhone,
                                                 "+493010000" + std::to_string(n))});
    ASSERT_TRUE(keyed.Put(c, 0, nullptr).ok());
    auto stored = keyed.Get(kOrg, c.id);
    ASSERT_TRUE(stored.ok() && stored->has_value());
    EXPECT_TRUE((*stored)->contact.addresses[0].opted_out) << n;
  }
  // Suppressing it again replaces the older entry with a keyed one; lifting removes both.
  ASSERT_TRUE(keyed.Suppress(kOrg, AddressKind::kPhone, "+4930100002", "keyword:sms", 2).ok());
  auto exists = pool().Command({"HEXISTS", keys::Suppressed(kOrg), older});
  ASSERT_TRUE(exists.ok());
  EXPECT_EQ(exists->integer, 0);
  ASSERT_TRUE(keyed.Unsuppress(kOrg, AddressKind::kPhone, "+4930100002").ok());
  ASSERT_TRUE(pool().Command({"HSET", keys::Suppressed(kOrg), older, "1 keyword:sms"}).ok());
  ASSERT_TRUE(keyed.Unsuppress(kOrg, AddressKind::kPhone, "+4930100002").ok());
  auto left = pool().Command({"HLEN", keys::Suppressed(kOrg)});
  ASSERT_TRUE(left.ok());
  EXPECT_EQ(left->integer, 1);  // Only the first number's.
}

TEST_F(ContactStoreTest, PutCreatesThenUpdatesWithVersions) {
  Contact c = NewContact("ნინო ბერიძე", "post_a",
                         {MakeAddress(AddressKind::kPhone, "+995599123456"),
                          MakeAddress(AddressKind::kEmail, "nino@example.ge")});
  c.attributes["generation"] = 2.0;
  c.channel_order = {Channel::kWhatsApp, Channel::kSms};

  auto created = store_.Put(c, 0, nullptr);
  ASSERT_TRUE(created.ok()) << created.status();
  EXPECT_EQ(created->code, PutOutcome::Code::kOk);
  EXPECT_EQ(created->version, 1);

  auto stored = Load(c.id);
  ASSERT_TRUE(stored.has_value());
  EXPECT_EQ(stored->version, 1);
  EXPECT_EQ(stored->contact, c);

  Contact updated = c;
  updated.name = "Nino Beridze";
  updated.city = "Berlin";
  auto second = store_.Put(updated, 1, &c);
  ASSERT_TRUE(second.ok()) << second.status();
  EXPECT_EQ(second->code, PutOutcome::Code::kOk);
  EXPECT_EQ(second->version, 2);
  stored = Load(c.id);
  ASSERT_TRUE(stored.has_value());
  EXPECT_EQ(stored->version, 2);
  EXPECT_EQ(stored->contact.name, "Nino Beridze");
  EXPECT_EQ(stored->contact.city, "Berlin");

  // The document in Redis is exactly SerializeContact's output.
  auto raw = pool().Command({"HGET", keys::Contacts(kOrg), c.id});
  ASSERT_TRUE(raw.ok());
  EXPECT_EQ(raw->str, SerializeContact(updated));

  EXPECT_EQ(Stat("contacts_created"), 1);  // Updates are not creations.
}

TEST_F(ContactStoreTest, StaleVersionIsRefusedAndWritesNothing) {
  Contact c = NewContact("A", "", 1);
  ASSERT_EQ(Create(c), 1);
  Contact v2 = c;
  v2.name = "A2";
  ASSERT_EQ(store_.Put(v2, 1, &c)->code, PutOutcome::Code::kOk);

  // A writer that read version 1 loses.
  Contact stale = c;
  stale.name = "stale";
  stale.addresses.push_back(MakeAddress(AddressKind::kEmail, "stale@example.org"));
  auto outcome = store_.Put(stale, 1, &c);
  ASSERT_TRUE(outcome.ok()) << outcome.status();
  EXPECT_EQ(outcome->code, PutOutcome::Code::kVersionMismatch);
  EXPECT_EQ(outcome->version, 2);  // The current version, to re-read.
  auto stored = Load(c.id);
  ASSERT_TRUE(stored.has_value());
  EXPECT_EQ(stored->contact.name, "A2");
  EXPECT_EQ(stored->version, 2);
  EXPECT_EQ(OwnerOf("email:stale@example.org"), "");

  // Creating an id that exists is a mismatch too.
  auto again = store_.Put(c, 0, nullptr);
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(again->code, PutOutcome::Code::kVersionMismatch);
  EXPECT_EQ(again->version, 2);

  // Updating a contact that does not exist: current version 0.
  Contact ghost = NewContact("ghost", "", 2);
  auto missing = store_.Put(ghost, 3, &ghost);
  ASSERT_TRUE(missing.ok());
  EXPECT_EQ(missing->code, PutOutcome::Code::kVersionMismatch);
  EXPECT_EQ(missing->version, 0);
  EXPECT_FALSE(Load(ghost.id).has_value());
}

TEST_F(ContactStoreTest, GetManyAndFindOwnersKeepOrder) {
  Contact a = NewContact("A", "", {MakeAddress(AddressKind::kEmail, "a@example.org")});
  Contact b = NewContact("B", "", {MakeAddress(AddressKind::kEmail, "b@example.org"),
                                   MakeAddress(AddressKind::kTelegram, "@bbbbb")});
  Create(a);
  Create(b);
  auto many = store_.GetMany(kOrg, {b.id, "c_missing", a.id});
  ASSERT_TRUE(many.ok()) << many.status();
  ASSERT_EQ(many->size(), 3u);
  ASSERT_TRUE((*many)[0].has_value());
  EXPECT_EQ((*many)[0]->contact.name, "B");
  EXPECT_FALSE((*many)[1].has_value());
  ASSERT_TRUE((*many)[2].has_value());
  EXPECT_EQ((*many)[2]->contact.name, "A");
  auto none = store_.GetMany(kOrg, {});
  ASSERT_TRUE(none.ok());
  EXPECT_TRUE(none->empty());

  auto owners = store_.FindOwners(
      kOrg, {"telegram:@bbbbb", "email:nobody@example.org", "email:a@example.org",
             "phone:a@example.org"});
  ASSERT_TRUE(owners.ok()) << owners.status();
  EXPECT_THAT(*owners, ElementsAre(b.id, "", a.id, ""));

  // Another organisation sees nothing of these.
  auto other = store_.FindOwners("org_other", {"email:a@example.org"});
  ASSERT_TRUE(other.ok());
  EXPECT_THAT(*other, ElementsAre(""));
  auto other_get = store_.Get("org_other", a.id);
  ASSERT_TRUE(other_get.ok());
  EXPECT_FALSE(other_get->has_value());
}

TEST_F(ContactStoreTest, AddressBelongsToOneContact) {
  Contact a = NewContact("A", "p1", {MakeAddress(AddressKind::kPhone, "+4930111111"),
                                     MakeAddress(AddressKind::kEmail, "a@example.org")});
  ASSERT_EQ(Create(a), 1);

  // B wants a fresh email and A's phone: refused as a whole, naming the address and owner.
  Contact b = NewContact("B", "p1", {MakeAddress(AddressKind::kEmail, "b@example.org"),
                                     MakeAddress(AddressKind::kPhone, "+4930111111")});
  auto outcome = store_.Put(b, 0, nullptr);
  ASSERT_TRUE(outcome.ok()) << outcome.status();
  EXPECT_EQ(outcome->code, PutOutcome::Code::kAddressConflict);
  EXPECT_EQ(outcome->address_key, "phone:+4930111111");
  EXPECT_EQ(outcome->owner_id, a.id);
  EXPECT_FALSE(Load(b.id).has_value());
  EXPECT_EQ(OwnerOf("email:b@example.org"), "");  // Nothing of B was indexed.
  EXPECT_EQ(OwnerOf("phone:+4930111111"), a.id);
  EXPECT_THAT(Ids(PostScope::All()), ElementsAre(a.id));
  EXPECT_EQ(Stat("contacts_created"), 1);

  // The same value under another kind is a different address.
  Contact c = NewContact("C", "p1", {MakeAddress(AddressKind::kWhatsApp, "+4930111111")});
  ASSERT_EQ(Create(c), 1);
  EXPECT_EQ(OwnerOf("whatsapp:+4930111111"), c.id);

  // An update of C that takes A's email conflicts too, and leaves C as it was.
  Contact c2 = c;
  c2.addresses.push_back(MakeAddress(AddressKind::kEmail, "a@example.org"));
  auto update = store_.Put(c2, 1, &c);
  ASSERT_TRUE(update.ok());
  EXPECT_EQ(update->code, PutOutcome::Code::kAddressConflict);
  EXPECT_EQ(update->address_key, "email:a@example.org");
  EXPECT_EQ(update->owner_id, a.id);
  auto stored_c = Load(c.id);
  ASSERT_TRUE(stored_c.has_value());
  EXPECT_EQ(stored_c->version, 1);
  EXPECT_EQ(stored_c->contact.addresses.size(), 1u);

  // A contact re-putting its own addresses is not a conflict.
  Contact a2 = a;
  a2.name = "A2";
  auto own = store_.Put(a2, 1, &a);
  ASSERT_TRUE(own.ok());
  EXPECT_EQ(own->code, PutOutcome::Code::kOk);
  EXPECT_EQ(OwnerOf("phone:+4930111111"), a.id);
  EXPECT_EQ(OwnerOf("email:a@example.org"), a.id);
}

TEST_F(ContactStoreTest, ChangedAddressesFreeTheOldOnes) {
  Contact a = NewContact("A", "", {MakeAddress(AddressKind::kPhone, "+4930111111"),
                                   MakeAddress(AddressKind::kEmail, "a@example.org")});
  ASSERT_EQ(Create(a), 1);

  // A changes phone number and keeps the email.
  Contact a2 = a;
  a2.addresses = {MakeAddress(AddressKind::kEmail, "a@example.org"),
                  MakeAddress(AddressKind::kPhone, "+4930222222")};
  auto outcome = store_.Put(a2, 1, &a);
  ASSERT_TRUE(outcome.ok()) << outcome.status();
  ASSERT_EQ(outcome->code, PutOutcome::Code::kOk);
  EXPECT_EQ(OwnerOf("phone:+4930111111"), "");
  EXPECT_EQ(OwnerOf("phone:+4930222222"), a.id);
  EXPECT_EQ(OwnerOf("email:a@example.org"), a.id);
  auto index = pool().Command({"HLEN", keys::AddressIndex(kOrg)});
  ASSERT_TRUE(index.ok());
  EXPECT_EQ(index->integer, 2);

  // The old number now belongs to whoever takes it.
  Contact b = NewContact("B", "", {MakeAddress(AddressKind::kPhone, "+4930111111")});
  auto taken = store_.Put(b, 0, nullptr);
  ASSERT_TRUE(taken.ok());
  EXPECT_EQ(taken->code, PutOutcome::Code::kOk);
  EXPECT_EQ(OwnerOf("phone:+4930111111"), b.id);

  // Dropping B's phone in favour of a telegram handle releases it again.
  Contact b2 = b;
  b2.addresses = {MakeAddress(AddressKind::kTelegram, "@bbbbbb")};
  ASSERT_EQ(store_.Put(b2, 1, &b)->code, PutOutcome::Code::kOk);
  EXPECT_EQ(OwnerOf("phone:+4930111111"), "");
  EXPECT_EQ(OwnerOf("telegram:@bbbbbb"), b.id);
}

TEST_F(ContactStoreTest, ChangingPostMovesTheContactBetweenListings) {
  Contact c = NewContact("Mover", "p1", 1);
  Contact stays = NewContact("Stays", "p1", 2);
  ASSERT_EQ(Create(c), 1);
  ASSERT_EQ(Create(stays), 1);
  EXPECT_THAT(Ids(PostScope::Of({"p1"})), ElementsAre(c.id, stays.id));
  EXPECT_THAT(Ids(PostScope::Of({"p2"})), IsEmpty());

  Contact moved = c;
  moved.post_id = "p2";
  ASSERT_EQ(store_.Put(moved, 1, &c)->code, PutOutcome::Code::kOk);
  EXPECT_THAT(Ids(PostScope::Of({"p1"})), ElementsAre(stays.id));
  EXPECT_THAT(Ids(PostScope::Of({"p2"})), ElementsAre(c.id));
  EXPECT_THAT(Ids(PostScope::All()), ElementsAre(c.id, stays.id));

  // To no post: only organisation-wide scopes see it.
  Contact unassigned = moved;
  unassigned.post_id = "";
  ASSERT_EQ(store_.Put(unassigned, 2, &moved)->code, PutOutcome::Code::kOk);
  EXPECT_THAT(Ids(PostScope::Of({"p1", "p2"})), ElementsAre(stays.id));
  EXPECT_THAT(Ids(PostScope::All()), ElementsAre(c.id, stays.id));

  // And back into a post.
  Contact back = unassigned;
  back.post_id = "p1";
  ASSERT_EQ(store_.Put(back, 3, &unassigned)->code, PutOutcome::Code::kOk);
  EXPECT_THAT(Ids(PostScope::Of({"p1"})), ElementsAre(c.id, stays.id));
  EXPECT_THAT(Ids(PostScope::Of({"p2"})), IsEmpty());
  auto none_set = pool().Command({"ZCARD", keys::PostContactIds(kOrg, "")});
  ASSERT_TRUE(none_set.ok());
  EXPECT_EQ(none_set->integer, 0);
}

TEST_F(ContactStoreTest, ListPaginatesOrganisationWideAndOverTwoPosts) {
  // Interleaved creation across posts, so merging two post listings has to interleave too.
  std::vector<Contact> all;
  std::vector<std::string> all_ids, p1_p2_ids;
  const char* posts[] = {"p1", "p2", "p3", "", "p1", "p2", "p2"};
  for (int i = 0; i < 70; ++i) {
    const std::string post = posts[i % 7];
    all.push_back(NewContact("C" + std::to_string(i), post, i));
    all_ids.push_back(all.back().id);
    if (post == "p1" || post == "p2") p1_p2_ids.push_back(all.back().id);
  }
  // Stored in a shuffled order: listing order is id order, not write order.
  std::vector<Contact> shuffled = all;
  std::reverse(shuffled.begin(), shuffled.end());
  std::rotate(shuffled.begin(), shuffled.begin() + 17, shuffled.end());
  CreateAll(shuffled);
  ASSERT_TRUE(std::is_sorted(all_ids.begin(), all_ids.end()));
  ASSERT_EQ(p1_p2_ids.size(), 50u);

  for (size_t limit : {1u, 7u, 10u, 50u, 69u, 70u, 71u, 1000u}) {
    SCOPED_TRACE(limit);
    size_t pages = 0;
    EXPECT_EQ(ListAll(PostScope::All(), limit, &pages), all_ids);
    EXPECT_EQ(pages, (70 + limit - 1) / limit);  // No empty trailing page.
    EXPECT_EQ(ListAll(PostScope::Of({"p2", "p1"}), limit, &pages), p1_p2_ids);
    EXPECT_EQ(pages, (50 + limit - 1) / limit);
  }

  // Page contents are full contacts, not just ids.
  auto first = store_.List(kOrg, PostScope::Of({"p1", "p2"}), "", 3);
  ASSERT_TRUE(first.ok()) << first.status();
  ASSERT_EQ(first->contacts.size(), 3u);
  EXPECT_EQ(first->contacts[0], all[0]);
  EXPECT_EQ(first->contacts[1], all[1]);
  EXPECT_EQ(first->contacts[2], all[4]);
  EXPECT_EQ(first->next_cursor, all[4].id);
  auto second = store_.List(kOrg, PostScope::Of({"p1", "p2"}), first->next_cursor, 3);
  ASSERT_TRUE(second.ok());
  ASSERT_EQ(second->contacts.size(), 3u);
  EXPECT_EQ(second->contacts[0].id, all[5].id);
  EXPECT_EQ(second->contacts[1].id, all[6].id);
  EXPECT_EQ(second->contacts[2].id, all[7].id);

  // A cursor past the end gives an empty last page.
  auto past = store_.List(kOrg, PostScope::All(), all_ids.back(), 10);
  ASSERT_TRUE(past.ok());
  EXPECT_THAT(past->contacts, IsEmpty());
  EXPECT_TRUE(past->next_cursor.empty());
}

TEST_F(ContactStoreTest, ContactsWithoutPostAreInvisibleToPostScopes) {
  Contact none = NewContact("No post", "", 1);
  Contact p1 = NewContact("In p1", "p1", 2);
  Create(none);
  Create(p1);
  EXPECT_THAT(Ids(PostScope::All()), ElementsAre(none.id, p1.id));
  EXPECT_THAT(Ids(PostScope::Of({"p1"})), ElementsAre(p1.id));
  EXPECT_THAT(Ids(PostScope::Of({"p2"})), IsEmpty());
  EXPECT_THAT(Ids(PostScope::Of({})), IsEmpty());  // An officer without posts sees nothing.

  int seen = 0;
  ASSERT_TRUE(store_.ForEach(kOrg, PostScope::Of({"p1", "p2"}), [&](const Contact& c) {
    EXPECT_EQ(c.id, p1.id);
    ++seen;
    return true;
  }).ok());
  EXPECT_EQ(seen, 1);
  seen = 0;
  ASSERT_TRUE(store_.ForEach(kOrg, PostScope::Of({}), [&](const Contact&) {
    ++seen;
    return true;
  }).ok());
  EXPECT_EQ(seen, 0);
}

TEST_F(ContactStoreTest, ForEachCountsExactlyAcrossBatchBoundaries) {
  // p1 holds exactly one read batch (1000), p2 one more than a batch, plus unassigned ones.
  std::vector<Contact> contacts;
  std::set<std::string> p1, p2, all;
  for (int i = 0; i < 2008; ++i) {
    const std::string post = i < 1000 ? "p1" : i < 2001 ? "p2" : "";
    contacts.push_back(NewContact("C" + std::to_string(i), post, i));
    all.insert(contacts.back().id);
    if (post == "p1") p1.insert(contacts.back().id);
    if (post == "p2") p2.insert(contacts.back().id);
  }
  CreateAll(contacts);
  ASSERT_EQ(p1.size(), 1000u);
  ASSERT_EQ(p2.size(), 1001u);

  auto collect = [&](const PostScope& scope) {
    std::vector<std::string> ids;
    absl::Status s = store_.ForEach(kOrg, scope, [&](const Contact& c) {
      ids.push_back(c.id);
      return true;
    });
    EXPECT_TRUE(s.ok()) << s;
    return ids;
  };
  std::vector<std::string> org_wide = collect(PostScope::All());
  EXPECT_EQ(org_wide.size(), 2008u);
  EXPECT_EQ(std::set<std::string>(org_wide.begin(), org_wide.end()), all);

  std::vector<std::string> only_p1 = collect(PostScope::Of({"p1"}));
  EXPECT_EQ(only_p1.size(), 1000u);
  EXPECT_EQ(std::set<std::string>(only_p1.begin(), only_p1.end()), p1);

  std::vector<std::string> only_p2 = collect(PostScope::Of({"p2"}));
  EXPECT_EQ(only_p2.size(), 1001u);
  EXPECT_EQ(std::set<std::string>(only_p2.begin(), only_p2.end()), p2);

  std::vector<std::string> both = collect(PostScope::Of({"p1", "p2"}));
  EXPECT_EQ(both.size(), 2001u);
  std::set<std::string> both_set(both.begin(), both.end());
  EXPECT_EQ(both_set.size(), 2001u);

  // Stopping early stops exactly, also in the middle of the second post.
  for (const PostScope& scope : {PostScope::All(), PostScope::Of({"p1", "p2"})}) {
    for (int stop_after : {1, 999, 1000, 1001, 1500}) {
      int calls = 0;
      ASSERT_TRUE(store_.ForEach(kOrg, scope, [&](const Contact&) {
        return ++calls < stop_after;
      }).ok());
      EXPECT_EQ(calls, stop_after) << "org-wide=" << scope.organisation_wide;
    }
  }

  // Listing agrees.
  EXPECT_EQ(Ids(PostScope::All(), 500).size(), 2008u);
  EXPECT_EQ(Ids(PostScope::Of({"p1", "p2"}), 333).size(), 2001u);
}

class ContactStoreEraseTest : public ContactStoreTestBase {
 protected:
  // Every key name and stored value, to look for traces of a person.
  std::vector<std::string> Everything() {
    std::vector<std::string> out;
    std::string cursor = "0";
    do {
      auto scan = pool().Command({"SCAN", cursor, "COUNT", "1000"});
      EXPECT_TRUE(scan.ok()) << scan.status();
      if (!scan.ok()) return out;
      cursor = scan->elements[0].str;
      for (const auto& k : scan->elements[1].elements) {
        const std::string& key = k.str;
        out.push_back(key);
        auto type = pool().Command({"TYPE", key});
        EXPECT_TRUE(type.ok());
        std::vector<std::string> read;
        if (type->str == "string") {
          read = {"GET", key};
        } else if (type->str == "hash") {
          read = {"HGETALL", key};
        } else if (type->str == "set") {
          read = {"SMEMBERS", key};
        } else if (type->str == "zset") {
          read = {"ZRANGE", key, "0", "-1"};
        } else if (type->str == "list") {
          read = {"LRANGE", key, "0", "-1"};
        } else if (type->str == "stream") {
          read = {"XRANGE", key, "-", "+"};
        } else {
          ADD_FAILURE() << "unexpected type " << type->str << " of " << key;
          continue;
        }
        auto value = pool().Command(read);
        EXPECT_TRUE(value.ok()) << value.status();
        if (!value.ok()) continue;
        if (value->type == RedisReply::Type::kString) out.push_back(value->str);
        for (const auto& e : value->elements) {
          out.push_back(e.str);
          for (const auto& entry : e.elements) {  // Stream entries: id, then field list.
            out.push_back(entry.str);
            for (const auto& field : entry.elements) out.push_back(field.str);
          }
        }
      }
    } while (cursor != "0");
    return out;
  }

  bool Mentions(const std::string& needle) {
    for (const auto& s : Everything()) {
      if (s.find(needle) != std::string::npos) return true;
    }
    return false;
  }
};

TEST_F(ContactStoreEraseTest, EraseRemovesEveryTrace) {
  Contact victim = NewContact("ამირან ჯაფარიძე", "p1",
                              {MakeAddress(AddressKind::kPhone, "+995599654321"),
                               MakeAddress(AddressKind::kEmail, "amiran@example.ge"),
                               MakeAddress(AddressKind::kWhatsApp, "+995599654321")});
  Contact other = NewContact("Keeps Her Data", "p1",
                             {MakeAddress(AddressKind::kPhone, "+4930999999")});
  ASSERT_EQ(Create(victim), 1);
  Contact victim2 = victim;
  victim2.city = "Tbilisi";
  ASSERT_EQ(store_.Put(victim2, 1, &victim)->code, PutOutcome::Code::kOk);
  ASSERT_EQ(Create(other), 1);

  // Cached API responses that carried the victim's data, recorded in the contact's set.
  const std::string idem1 = keys::Idempotency(kOrg, "key_1", "digest1");
  const std::string idem2 = keys::Idempotency(kOrg, "key_2", "digest2");
  const std::string idem_other = keys::Idempotency(kOrg, "key_1", "digest3");
  ASSERT_TRUE(pool().Command({"SET", idem1, "{\"name\":\"ამირან ჯაფარიძე\"}"}).ok());
  ASSERT_TRUE(pool().Command({"HSET", idem2, "body", "+995599654321"}).ok());
  ASSERT_TRUE(pool().Command({"SET", idem_other, "{\"name\":\"Keeps Her Data\"}"}).ok());
  ASSERT_TRUE(
      pool().Command({"SADD", keys::ContactIdempotency(kOrg, victim.id), idem1, idem2}).ok());
  ASSERT_TRUE(
      pool().Command({"SADD", keys::ContactIdempotency(kOrg, other.id), idem_other}).ok());

  ASSERT_TRUE(Mentions("ამირან ჯაფარიძე"));  // The scan does find data when it is there.
  EXPECT_EQ(Stat("contacts_erased"), 0);

  absl::Status erased = eraser_.Erase(kOrg, victim.id);
  ASSERT_TRUE(erased.ok()) << erased;

  auto gone = store_.Get(kOrg, victim.id);
  ASSERT_TRUE(gone.ok());
  EXPECT_FALSE(gone->has_value());
  auto version = pool().Command({"HGET", keys::ContactVersions(kOrg), victim.id});
  ASSERT_TRUE(version.ok());
  EXPECT_TRUE(version->IsNil());
  EXPECT_EQ(OwnerOf("phone:+995599654321"), "");
  EXPECT_EQ(OwnerOf("email:amiran@example.ge"), "");
  EXPECT_EQ(OwnerOf("whatsapp:+995599654321"), "");
  EXPECT_THAT(Ids(PostScope::All()), ElementsAre(other.id));
  EXPECT_THAT(Ids(PostScope::Of({"p1"})), ElementsAre(other.id));
  for (const auto& key : {idem1, idem2, keys::ContactIdempotency(kOrg, victim.id)}) {
    auto exists = pool().Command({"EXISTS", key});
    ASSERT_TRUE(exists.ok());
    EXPECT_EQ(exists->integer, 0) << key;
  }
  EXPECT_EQ(Stat("contacts_erased"), 1);
  EXPECT_EQ(Stat("contacts_created"), 2);

  // Nothing in Redis names the person any more: name, phone, email, id.
  EXPECT_FALSE(Mentions("ამირან ჯაფარიძე"));
  EXPECT_FALSE(Mentions("+995599654321"));
  EXPECT_FALSE(Mentions("995599654321"));
  EXPECT_FALSE(Mentions("amiran@example.ge"));
  EXPECT_FALSE(Mentions(victim.id));
  EXPECT_FALSE(Mentions("Tbilisi"));

  // The other contact and its records are untouched.
  auto kept = Load(other.id);
  ASSERT_TRUE(kept.has_value());
  EXPECT_EQ(kept->contact, other);
  EXPECT_EQ(OwnerOf("phone:+4930999999"), other.id);
  auto other_idem = pool().Command({"GET", idem_other});
  ASSERT_TRUE(other_idem.ok());
  EXPECT_EQ(other_idem->str, "{\"name\":\"Keeps Her Data\"}");

  // The freed addresses can be used by a new contact.
  Contact newcomer = NewContact("New", "", {MakeAddress(AddressKind::kPhone, "+995599654321")});
  EXPECT_EQ(Create(newcomer), 1);
}

TEST_F(ContactStoreEraseTest, EraseRemovesTheContactsMessagesFromQueueAndSandbox) {
  Contact victim = NewContact("Ayana Tesfaye", "p1",
                              {MakeAddress(AddressKind::kPhone, "+251911234567")});
  Contact other = NewContact("Keeps Her Data", "p1",
                             {MakeAddress(AddressKind::kPhone, "+4930999999")});
  ASSERT_EQ(Create(victim), 1);
  ASSERT_EQ(Create(other), 1);
  FakeClock clock;
  DeliveryQueue queue(&pool(), &clock);
  SandboxProvider sandbox("sms-sandbox", &pool(), &clock);
  for (const Contact* c : {&victim, &other}) {
    const std::string text = "Private note for " + c->name;
    ASSERT_TRUE(queue.EnqueueDirect(kOrg, {c->id, 1, 0, {{"text", text}}, 0}).ok());
    OutboundMessage m;
    m.org_id = kOrg;
    m.channel = Channel::kSms;
    m.to = c->addresses[0].value;
    m.text = text;
    SendResult r;
    sandbox.SendBatch({&m, 1}, {&r, 1});
    ASSERT_EQ(r.outcome, SendResult::Outcome::kAccepted);
  }
  // A second message of hers that went to the dead letters, and personal tracked links whose
  // targets carry her name.
  ASSERT_TRUE(queue.EnqueueDirect(kOrg, {victim.id, 1, 0, {{"text", "Second note"}}, 0}).ok());
  auto claimed = queue.ClaimDirect(kOrg, 10);
  ASSERT_TRUE(claimed.ok());
  std::vector<MessageOutcome> outcomes;
  for (const ClaimedMessage& m : *claimed) {
    if (m.recipient.contact_id != victim.id) continue;
    MessageOutcome o;
    o.kind = MessageOutcome::Kind::kDead;
    o.message = m;
    o.channel = "sms";
    o.code = "http_400";
    o.reason = "rejected";
    outcomes.push_back(o);
  }
  ASSERT_EQ(outcomes.size(), 1u);
  ASSERT_TRUE(queue.Record(kOrg, outcomes).ok());
  ASSERT_EQ(queue.ListDeadLetters(kOrg)->size(), 1u);
  auto link = links_.Mint({kOrg, "cmp_1", victim.id, 0}, "https://example.org/?n=Ayana+Tesfaye");
  auto other_link = links_.Mint({kOrg, "cmp_1", other.id, 0}, "https://example.org/?n=Other");
  ASSERT_TRUE(link.ok() && other_link.ok());
  ASSERT_TRUE(Mentions("Private note for Ayana"));
  ASSERT_TRUE(Mentions("Ayana+Tesfaye"));

  ASSERT_TRUE(eraser_.Erase(kOrg, victim.id).ok());

  EXPECT_FALSE(Mentions("Private note for Ayana"));
  EXPECT_FALSE(Mentions("Second note"));
  EXPECT_FALSE(Mentions("Ayana+Tesfaye"));
  EXPECT_TRUE(queue.ListDeadLetters(kOrg)->empty());
  EXPECT_EQ(links_.Resolve(*link).status().code(), absl::StatusCode::kNotFound);
  EXPECT_TRUE(links_.Resolve(*other_link).ok());
  EXPECT_FALSE(Mentions("+251911234567"));
  EXPECT_FALSE(Mentions(victim.id));
  EXPECT_TRUE(Mentions("Private note for Keeps Her Data"));
  EXPECT_TRUE(Mentions("+4930999999"));
  auto outbox = ReadSandboxOutbox(pool(), kOrg, 10);
  ASSERT_TRUE(outbox.ok());
  ASSERT_EQ(outbox->size(), 1u);
  EXPECT_EQ((*outbox)[0]["to"], "+4930999999");
  EXPECT_EQ(queue.LaneSizes(kOrg)->at("direct"), 1);
}

TEST_F(ContactStoreEraseTest, EraseOfMissingContactIsNotFound) {
  absl::Status s = eraser_.Erase(kOrg, "c_doesnotexist");
  EXPECT_EQ(s.code(), absl::StatusCode::kNotFound) << s;
  EXPECT_EQ(Stat("contacts_erased"), 0);

  Contact c = NewContact("Once", "", 1);
  ASSERT_EQ(Create(c), 1);
  ASSERT_TRUE(eraser_.Erase(kOrg, c.id).ok());
  s = eraser_.Erase(kOrg, c.id);
  EXPECT_EQ(s.code(), absl::StatusCode::kNotFound) << s;
  EXPECT_EQ(Stat("contacts_erased"), 1);  // Counted once.
  // Erasing in another organisation does not find it either.
  Contact d = NewContact("Elsewhere", "", 2);
  ASSERT_EQ(Create(d), 1);
  EXPECT_EQ(eraser_.Erase("org_other", d.id).code(), absl::StatusCode::kNotFound);
  EXPECT_TRUE(Load(d.id).has_value());
}

TEST_F(ContactStoreEraseTest, EraseWithoutIdempotencyRecords) {
  Contact c = NewContact("Plain", "", {MakeAddress(AddressKind::kEmail, "plain@example.org")});
  ASSERT_EQ(Create(c), 1);
  ASSERT_TRUE(eraser_.Erase(kOrg, c.id).ok());
  EXPECT_FALSE(Load(c.id).has_value());
  EXPECT_FALSE(Mentions("plain@example.org"));
  EXPECT_FALSE(Mentions("Plain"));
  EXPECT_THAT(Ids(PostScope::All()), IsEmpty());
}

TEST_F(ContactStoreTest, PutManyReportsEachOutcomeInOrder) {
  Contact a = NewContact("A", "", {MakeAddress(AddressKind::kEmail, "a@example.org")});
  ASSERT_EQ(Create(a), 1);
  Contact fresh = NewContact("Fresh", "", {MakeAddress(AddressKind::kEmail, "f@example.org")});
  Contact thief = NewContact("Thief", "", {MakeAddress(AddressKind::kEmail, "a@example.org")});
  Contact a_stale = a;
  a_stale.name = "stale";
  std::vector<ContactStore::PutRequest> requests = {
      {&fresh, 0, nullptr}, {&thief, 0, nullptr}, {&a_stale, 7, &a}};
  auto outcomes = store_.PutMany(requests);
  ASSERT_TRUE(outcomes.ok()) << outcomes.status();
  ASSERT_EQ(outcomes->size(), 3u);
  EXPECT_EQ((*outcomes)[0].code, PutOutcome::Code::kOk);
  EXPECT_EQ((*outcomes)[0].version, 1);
  EXPECT_EQ((*outcomes)[1].code, PutOutcome::Code::kAddressConflict);
  EXPECT_EQ((*outcomes)[1].owner_id, a.id);
  EXPECT_EQ((*outcomes)[2].code, PutOutcome::Code::kVersionMismatch);
  EXPECT_EQ((*outcomes)[2].version, 1);
  EXPECT_THAT(Ids(PostScope::All()), ElementsAre(a.id, fresh.id));

  auto empty = store_.PutMany({});
  ASSERT_TRUE(empty.ok());
  EXPECT_TRUE(empty->empty());
}

TEST_F(ContactStoreTest, WorksAfterScriptCacheFlush) {
  Contact a = NewContact("A", "", 1);
  ASSERT_TRUE(pool().Command({"SCRIPT", "FLUSH"}).ok());
  ASSERT_EQ(Create(a), 1);
  ASSERT_TRUE(pool().Command({"SCRIPT", "FLUSH"}).ok());
  Contact b = NewContact("B", "", 2);
  std::vector<ContactStore::PutRequest> requests = {{&b, 0, nullptr}};
  auto outcomes = store_.PutMany(requests);
  ASSERT_TRUE(outcomes.ok()) << outcomes.status();
  EXPECT_EQ((*outcomes)[0].code, PutOutcome::Code::kOk);
  ASSERT_TRUE(pool().Command({"SCRIPT", "FLUSH"}).ok());
  EXPECT_TRUE(eraser_.Erase(kOrg, a.id).ok());
  EXPECT_THAT(Ids(PostScope::All()), ElementsAre(b.id));
}

TEST_F(ContactStoreTest, CorruptDocumentIsDataLoss) {
  Contact a = NewContact("A", "p1", 1);
  ASSERT_EQ(Create(a), 1);
  ASSERT_TRUE(pool().Command({"HSET", keys::Contacts(kOrg), a.id, "{broken"}).ok());
  auto got = store_.Get(kOrg, a.id);
  ASSERT_FALSE(got.ok());
  EXPECT_EQ(got.status().code(), absl::StatusCode::kDataLoss);
  auto page = store_.List(kOrg, PostScope::All(), "", 10);
  EXPECT_EQ(page.status().code(), absl::StatusCode::kDataLoss);
  absl::Status each = store_.ForEach(kOrg, PostScope::Of({"p1"}), [](const Contact&) {
    return true;
  });
  EXPECT_EQ(each.code(), absl::StatusCode::kDataLoss);
}

TEST_F(ContactStoreTest, OrganisationWideScanStopsAtACorruptDocumentInAnyBatch) {
  // Several read batches, so the scan reads ahead on its helper thread while it parses.
  std::vector<Contact> contacts;
  for (int i = 0; i < 3500; ++i) contacts.push_back(NewContact("C" + std::to_string(i), "p1", i));
  CreateAll(contacts);
  ASSERT_TRUE(
      pool().Command({"HSET", keys::Contacts(kOrg), contacts[2700].id, "{broken"}).ok());
  size_t calls = 0;
  absl::Status each = store_.ForEach(kOrg, PostScope::All(), [&](const Contact&) {
    ++calls;
    return true;
  });
  EXPECT_EQ(each.code(), absl::StatusCode::kDataLoss) << each;
  EXPECT_LT(calls, contacts.size());
  // The connection the scan used is clean afterwards: every call still works.
  ASSERT_TRUE(pool().Command({"HSET", keys::Contacts(kOrg), contacts[2700].id,
                              SerializeContact(contacts[2700])}).ok());
  for (int round = 0; round < 20; ++round) {
    size_t seen = 0;
    each = store_.ForEach(kOrg, PostScope::All(), [&](const Contact&) { return ++seen < 1500; });
    ASSERT_EQ(each.code(), absl::StatusCode::kOk) << each;
    EXPECT_EQ(seen, 1500u);
  }
  auto got = store_.Get(kOrg, contacts[0].id);
  ASSERT_TRUE(got.ok()) << got.status();
  EXPECT_TRUE(got->has_value());
}

// Runs `call`, retrying once when the first attempt meets a connection the restart killed.
template <typename F>
auto WithOneRetry(F call) -> decltype(call()) {
  auto result = call();
  if (!result.ok() && result.status().code() == absl::StatusCode::kUnavailable) {
    result = call();
  }
  return result;
}

class ContactStoreRestartTest : public ContactStoreTestBase {
 protected:
  void SetUp() override {
    ReconnectPool();
    FlushAll();
  }
};

TEST_F(ContactStoreRestartTest, ContactsSurviveACrash) {
  std::vector<Contact> contacts;
  for (int i = 0; i < 300; ++i) {
    contacts.push_back(NewContact("ნინო " + std::to_string(i), i % 2 ? "p1" : "p2", i));
  }
  CreateAll(contacts);
  Contact updated = contacts[5];
  updated.name = "Updated before the crash";
  ASSERT_EQ(store_.Put(updated, 1, &contacts[5])->code, PutOutcome::Code::kOk);

  RestartRedis(/*crash=*/true);

  auto first = WithOneRetry([&] { return store_.Get(kOrg, contacts[0].id); });
  ASSERT_TRUE(first.ok()) << first.status();
  ASSERT_TRUE(first->has_value());
  EXPECT_EQ((*first)->contact, contacts[0]);
  EXPECT_EQ((*first)->version, 1);

  auto five = Load(contacts[5].id);
  ASSERT_TRUE(five.has_value());
  EXPECT_EQ(five->contact.name, "Updated before the crash");
  EXPECT_EQ(five->version, 2);
  auto last = Load(contacts.back().id);
  ASSERT_TRUE(last.has_value());
  EXPECT_EQ(last->contact, contacts.back());
  EXPECT_EQ(Ids(PostScope::All()).size(), 300u);
  EXPECT_EQ(Ids(PostScope::Of({"p1"})).size(), 150u);
  EXPECT_EQ(OwnerOf(AddressKey(contacts[7].addresses[0])), contacts[7].id);
  EXPECT_EQ(Stat("contacts_created"), 300);

  // Writes work on the restarted server (empty script cache), single and batched.
  Contact updated2 = five->contact;
  updated2.city = "Batumi";
  auto put = store_.Put(updated2, 2, &five->contact);
  ASSERT_TRUE(put.ok()) << put.status();
  EXPECT_EQ(put->code, PutOutcome::Code::kOk);
  EXPECT_EQ(put->version, 3);
  ASSERT_TRUE(pool().Command({"SCRIPT", "FLUSH"}).ok());
  Contact late = NewContact("Late", "p1", 1000);
  std::vector<ContactStore::PutRequest> requests = {{&late, 0, nullptr}};
  auto many = store_.PutMany(requests);
  ASSERT_TRUE(many.ok()) << many.status();
  EXPECT_EQ((*many)[0].code, PutOutcome::Code::kOk);
  // The address index survived: a duplicate is still refused.
  Contact dup = NewContact("Dup", "p1", 7);
  auto conflict = store_.Put(dup, 0, nullptr);
  ASSERT_TRUE(conflict.ok());
  EXPECT_EQ(conflict->code, PutOutcome::Code::kAddressConflict);
  EXPECT_EQ(conflict->owner_id, contacts[7].id);
}

TEST_F(ContactStoreRestartTest, EraseBeforeCrashStaysErased) {
  Contact a = NewContact("Erased Person", "p1", 1);
  Contact b = NewContact("Kept Person", "p1", 2);
  Create(a);
  Create(b);
  ASSERT_TRUE(eraser_.Erase(kOrg, a.id).ok());
  EXPECT_FALSE(Load(a.id).has_value());
  RestartRedis(/*crash=*/true);
  auto got = WithOneRetry([&] { return store_.Get(kOrg, a.id); });
  ASSERT_TRUE(got.ok()) << got.status();
  EXPECT_FALSE(got->has_value());
  EXPECT_TRUE(Load(b.id).has_value());
  EXPECT_THAT(Ids(PostScope::Of({"p1"})), ElementsAre(b.id));
  EXPECT_EQ(Stat("contacts_erased"), 1);
}

}  // namespace
}  // namespace ogw
