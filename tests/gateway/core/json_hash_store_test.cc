#include "gateway/core/json_hash_store.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include <string>
#include <vector>

#include "tests/testutil/redis_fixture.h"

namespace ogw {
namespace {

using ::testing::ElementsAre;
using ::testing::IsEmpty;

// A record as small as the stores' ones: an id and one field.
struct Note {
  std::string id;
  std::string text;
};

std::string NoteDoc(const Note& n) { return nlohmann::json{{"id", n.id}, {"text", n.text}}.dump(); }

absl::StatusOr<Note> NoteFromDoc(const std::string& doc) {
  try {
    nlohmann::json j = nlohmann::json::parse(doc);
    return Note{j.at("id"), j.at("text")};
  } catch (const nlohmann::json::exception&) {
    return absl::DataLossError("stored note is not readable");
  }
}

std::vector<std::string> Ids(const std::vector<Note>& notes) {
  std::vector<std::string> ids;
  for (const Note& n : notes) ids.push_back(n.id);
  return ids;
}

constexpr char kKey[] = "{o:org_jhs}:notes";

class JsonHashStoreTest : public ogw::testing::RedisTest {
 protected:
  void SetUp() override { FlushAll(); }

  JsonHashStore notes_{&pool(), "note"};
};

TEST_F(JsonHashStoreTest, PutThenGetReturnsTheDocument) {
  ASSERT_TRUE(notes_.Put(kKey, "n_1", NoteDoc({"n_1", "გამარჯობა"})).ok());

  auto got = notes_.Get<Note>(kKey, "n_1", NoteFromDoc);
  ASSERT_TRUE(got.ok()) << got.status();
  ASSERT_TRUE(got->has_value());
  EXPECT_EQ((*got)->id, "n_1");
  EXPECT_EQ((*got)->text, "გამარჯობა");
  // The document is stored as given, under the record id.
  auto raw = pool().Command({"HGET", kKey, "n_1"});
  ASSERT_TRUE(raw.ok());
  EXPECT_EQ(raw->str, NoteDoc({"n_1", "გამარჯობა"}));

  // Put overwrites.
  ASSERT_TRUE(notes_.Put(kKey, "n_1", NoteDoc({"n_1", "again"})).ok());
  auto doc = notes_.GetDoc(kKey, "n_1");
  ASSERT_TRUE(doc.ok());
  EXPECT_EQ(*doc, NoteDoc({"n_1", "again"}));

  auto missing = notes_.Get<Note>(kKey, "n_missing", NoteFromDoc);
  ASSERT_TRUE(missing.ok());
  EXPECT_FALSE(missing->has_value());
  auto other_key = notes_.Get<Note>("{o:org_other}:notes", "n_1", NoteFromDoc);
  ASSERT_TRUE(other_key.ok());
  EXPECT_FALSE(other_key->has_value());
}

TEST_F(JsonHashStoreTest, ListIsSortedByIdWhateverTheWriteOrder) {
  for (const char* id : {"n_c", "n_a", "n_d", "n_b"}) {
    ASSERT_TRUE(notes_.Put(kKey, id, NoteDoc({id, "x"})).ok());
  }
  ASSERT_TRUE(notes_.Put("{o:org_other}:notes", "n_0", NoteDoc({"n_0", "x"})).ok());

  auto list = notes_.List<Note>(kKey, NoteFromDoc);
  ASSERT_TRUE(list.ok()) << list.status();
  EXPECT_THAT(Ids(*list), ElementsAre("n_a", "n_b", "n_c", "n_d"));
  auto none = notes_.List<Note>("{o:org_empty}:notes", NoteFromDoc);
  ASSERT_TRUE(none.ok());
  EXPECT_THAT(*none, IsEmpty());
}

TEST_F(JsonHashStoreTest, ReplaceChangesOnlyAnExistingRecord) {
  ASSERT_TRUE(notes_.Put(kKey, "n_1", NoteDoc({"n_1", "old"})).ok());
  ASSERT_TRUE(notes_.Replace(kKey, "n_1", NoteDoc({"n_1", "new"})).ok());
  auto got = notes_.Get<Note>(kKey, "n_1", NoteFromDoc);
  ASSERT_TRUE(got.ok() && got->has_value());
  EXPECT_EQ((*got)->text, "new");

  absl::Status s = notes_.Replace(kKey, "n_ghost", NoteDoc({"n_ghost", "x"}));
  EXPECT_EQ(s.code(), absl::StatusCode::kNotFound) << s;
  EXPECT_EQ(MessageOf(s), "note not found");
  auto exists = pool().Command({"HEXISTS", kKey, "n_ghost"});
  ASSERT_TRUE(exists.ok());
  EXPECT_EQ(exists->integer, 0);  // Replace never creates.
}

TEST_F(JsonHashStoreTest, DeleteRemovesOnce) {
  ASSERT_TRUE(notes_.Put(kKey, "n_1", NoteDoc({"n_1", "x"})).ok());
  ASSERT_TRUE(notes_.Put(kKey, "n_2", NoteDoc({"n_2", "x"})).ok());
  ASSERT_TRUE(notes_.Delete(kKey, "n_1").ok());
  auto got = notes_.Get<Note>(kKey, "n_1", NoteFromDoc);
  ASSERT_TRUE(got.ok());
  EXPECT_FALSE(got->has_value());

  absl::Status again = notes_.Delete(kKey, "n_1");
  EXPECT_EQ(again.code(), absl::StatusCode::kNotFound) << again;
  EXPECT_EQ(MessageOf(again), "note not found");
  EXPECT_EQ(notes_.Delete("{o:org_other}:notes", "n_2").code(), absl::StatusCode::kNotFound);
  auto list = notes_.List<Note>(kKey, NoteFromDoc);
  ASSERT_TRUE(list.ok());
  EXPECT_THAT(Ids(*list), ElementsAre("n_2"));
}

TEST_F(JsonHashStoreTest, UnreadableStoredDocumentIsDataLoss) {
  ASSERT_TRUE(notes_.Put(kKey, "n_1", NoteDoc({"n_1", "fine"})).ok());
  ASSERT_TRUE(pool().Command({"HSET", kKey, "n_bad", "{not json"}).ok());

  // The parser's status comes back as it is, from Get and from List.
  auto got = notes_.Get<Note>(kKey, "n_bad", NoteFromDoc);
  EXPECT_EQ(got.status().code(), absl::StatusCode::kDataLoss);
  EXPECT_EQ(MessageOf(got.status()), "stored note is not readable");
  auto list = notes_.List<Note>(kKey, NoteFromDoc);
  EXPECT_EQ(list.status().code(), absl::StatusCode::kDataLoss);
  // The readable record is still there.
  auto fine = notes_.Get<Note>(kKey, "n_1", NoteFromDoc);
  ASSERT_TRUE(fine.ok() && fine->has_value());
  EXPECT_EQ((*fine)->text, "fine");
}

}  // namespace
}  // namespace ogw
