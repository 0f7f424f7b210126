#include "gateway/invitations/selection.h"

#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <map>
#include <optional>
#include <random>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace ogw {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::StartsWith;

Candidate Person(std::string id, std::vector<std::string> groups) {
  Candidate c;
  c.contact_id = std::move(id);
  c.groups = std::move(groups);
  return c;
}

QuotaDimension Proportional(std::string name) {
  QuotaDimension d;
  d.name = std::move(name);
  return d;
}

QuotaDimension Fixed(std::string name, std::map<std::string, size_t> targets) {
  QuotaDimension d;
  d.name = std::move(name);
  d.proportional = false;
  d.targets = std::move(targets);
  return d;
}

SelectionRequest Request(size_t count, std::vector<QuotaDimension> dimensions, uint64_t seed) {
  SelectionRequest r;
  r.count = count;
  r.dimensions = std::move(dimensions);
  r.seed = seed;
  return r;
}

// `sizes` people per stratum, ids p000, p001... in stratum order.
std::vector<Candidate> Population(
    const std::vector<std::pair<std::vector<std::string>, size_t>>& sizes) {
  std::vector<Candidate> people;
  for (const auto& [groups, n] : sizes) {
    for (size_t k = 0; k < n; ++k) {
      char id[24];
      std::snprintf(id, sizeof id, "p%03zu", people.size());
      people.push_back(Person(id, groups));
    }
  }
  return people;
}

// 1,000 people, ids in a scrambled order: DE 350, GR 300, GE 200, ET 100, FR 50 (every 20th);
// a third men.
std::vector<Candidate> LargeSnapshot() {
  const char* const countries[] = {"DE", "DE", "DE", "DE", "GR", "GR", "GR", "GE", "GE", "ET"};
  std::vector<Candidate> people;
  for (int i = 0; i < 1000; ++i) {
    const char* country = i % 20 == 0 ? "FR" : countries[i % 10];
    people.push_back(
        Person("c_" + std::to_string((i * 7919) % 1000), {country, i % 3 == 0 ? "m" : "f"}));
  }
  return people;
}

// Twelve people of the golden tests.
std::vector<Candidate> Twelve() {
  return {Person("c_ana", {"f", "GE"}),      Person("c_bela", {"f", "GR"}),
          Person("c_chen", {"m", "DE"}),     Person("c_dawit", {"m", "ET"}),
          Person("c_eka", {"f", "GE"}),      Person("c_farah", {"f", "FR"}),
          Person("c_giorgi", {"m", "GE"}),   Person("c_hana", {"f", "ET"}),
          Person("c_ilias", {"m", "GR"}),    Person("c_jonas", {"m", "DE"}),
          Person("c_katerina", {"f", "GR"}), Person("c_lasha", {"m", "GE"})};
}

const GroupComposition& Row(const SelectionResult& result, std::string_view dimension,
                            std::string_view group) {
  for (const GroupComposition& row : result.composition) {
    if (row.dimension == dimension && row.group == group) return row;
  }
  ADD_FAILURE() << "no composition row " << dimension << "/" << group;
  static const GroupComposition kNone;
  return kNone;
}

// The same people with only the groups of `dimensions`, for requests on fewer dimensions.
std::vector<Candidate> Keep(std::vector<Candidate> people, const std::vector<size_t>& dimensions) {
  for (Candidate& c : people) {
    std::vector<std::string> kept;
    for (size_t d : dimensions) kept.push_back(c.groups[d]);
    c.groups = std::move(kept);
  }
  return people;
}

std::map<std::string, const Candidate*> ById(const std::vector<Candidate>& people) {
  std::map<std::string, const Candidate*> by_id;
  for (const Candidate& c : people) by_id[c.contact_id] = &c;
  return by_id;
}

// Selected people per group of dimension d, counted from the snapshot, not from the result.
std::map<std::string, size_t> CountBy(const std::vector<Candidate>& people,
                                      const std::vector<std::string>& selected, size_t d) {
  const auto by_id = ById(people);
  std::map<std::string, size_t> counts;
  for (const std::string& id : selected) ++counts[by_id.at(id)->groups[d]];
  return counts;
}

// --- The generator --------------------------------------------------------------------------

TEST(SplitMix64Test, MatchesReferenceVectors) {
  // Vigna's splitmix64.c (and Java's SplittableRandom) from seed 1234567.
  SplitMix64 rng(1234567);
  EXPECT_EQ(rng.Next(), 6457827717110365317u);
  EXPECT_EQ(rng.Next(), 3203168211198807973u);
  EXPECT_EQ(rng.Next(), 9817491932198370423u);
  EXPECT_EQ(rng.Next(), 4593380528125082431u);
  EXPECT_EQ(rng.Next(), 16408922859458223821u);
  EXPECT_EQ(SplitMix64(0).Next(), 0xe220a8397b1dcdafu);
}

TEST(SplitMix64Test, BelowIsPinnedAndInRange) {
  SplitMix64 small(42);
  std::vector<uint64_t> dice;
  for (int i = 0; i < 10; ++i) dice.push_back(small.Below(6));
  EXPECT_THAT(dice, ElementsAre(4, 0, 1, 2, 0, 5, 1, 4, 2, 3));

  // A bound just over 2^63 rejects about half the draws: the rejection path is exercised.
  SplitMix64 large(42);
  const uint64_t bound = (uint64_t{1} << 63) + 1;
  EXPECT_EQ(large.Below(bound), 1474913046063446145u);
  EXPECT_EQ(large.Below(bound), 8007990562831494531u);
  EXPECT_EQ(large.Below(bound), 2014432356388812462u);

  SplitMix64 one(7);
  for (int i = 0; i < 100; ++i) EXPECT_EQ(one.Below(1), 0u);
  SplitMix64 seven(7);
  std::vector<int> seen(7, 0);
  for (int i = 0; i < 7000; ++i) {
    const uint64_t v = seven.Below(7);
    ASSERT_LT(v, 7u);
    ++seen[v];
  }
  for (int n : seen) EXPECT_GT(n, 800);  // About 1,000 each.
}

// --- Determinism ----------------------------------------------------------------------------

TEST(SelectRepresentativeTest, GoldenDrawPinsTheIdsChosen) {
  // Computed by an independent implementation of the header's steps; a change here means every
  // recorded seed now selects other people.
  const std::vector<Candidate> people = Twelve();
  auto quota = SelectRepresentative(
      people, Request(4, {Proportional("gender"), Proportional("country")}, 20240615), {});
  ASSERT_TRUE(quota.ok()) << quota.status();
  EXPECT_THAT(quota->selected, ElementsAre("c_ilias", "c_hana", "c_eka", "c_jonas"));
  EXPECT_EQ(quota->seed, 20240615u);

  // Without dimensions the selection is the head of the draw order itself.
  auto plain = SelectRepresentative(Keep(people, {}), Request(5, {}, 20240615), {});
  ASSERT_TRUE(plain.ok()) << plain.status();
  EXPECT_THAT(plain->selected,
              ElementsAre("c_katerina", "c_ilias", "c_lasha", "c_farah", "c_giorgi"));
}

TEST(SelectRepresentativeTest, SameInputsSamePeople) {
  const std::vector<Candidate> people = LargeSnapshot();
  const SelectionRequest request =
      Request(25, {Proportional("country"), Proportional("gender")}, 99);
  auto first = SelectRepresentative(people, request, {"c_1", "c_2"});
  auto second = SelectRepresentative(people, request, {"c_1", "c_2"});
  ASSERT_TRUE(first.ok()) << first.status();
  ASSERT_TRUE(second.ok()) << second.status();
  EXPECT_EQ(first->selected.size(), 25u);
  EXPECT_EQ(first->selected, second->selected);
}

TEST(SelectRepresentativeTest, InputOrderDoesNotMatter) {
  std::vector<Candidate> people = LargeSnapshot();
  const SelectionRequest request =
      Request(25, {Proportional("country"), Proportional("gender")}, 99);
  auto original = SelectRepresentative(people, request, {});
  ASSERT_TRUE(original.ok()) << original.status();

  std::reverse(people.begin(), people.end());
  auto reversed = SelectRepresentative(people, request, {});
  std::mt19937 shuffler(5);  // Any permutation will do; this one need not be portable.
  std::shuffle(people.begin(), people.end(), shuffler);
  auto shuffled = SelectRepresentative(people, request, {});
  ASSERT_TRUE(reversed.ok()) << reversed.status();
  ASSERT_TRUE(shuffled.ok()) << shuffled.status();
  EXPECT_EQ(reversed->selected, original->selected);
  EXPECT_EQ(shuffled->selected, original->selected);
}

TEST(SelectRepresentativeTest, DrawStartsFromIdsInByteOrder) {
  // Awkward ids: prefixes of one another, a NUL, bytes over 0x7f, creation-time prefixes shared
  // by many, and prefixes longer than the sort looks at in chunks.
  std::vector<std::string> ids = {
      "ab", std::string("ab\0", 3), "ab\x01", "abc", "\xc3\xa9", "Z", "z", "c_01HZX"};
  for (int i = 0; i < 40; ++i) {
    ids.push_back("c_01HZXAB" + std::to_string(i * 37 % 40));
    ids.push_back(std::string(300 + i % 3, 'x') + static_cast<char>('a' + i % 5) +
                  std::to_string(i));
  }
  std::vector<std::string> ranked = ids;
  std::sort(ranked.begin(), ranked.end());
  // The same people under ids that sort plainly ("r000", "r001"... in the same order) must be
  // drawn in the same order.
  std::map<std::string, std::string> plain_id;
  for (size_t r = 0; r < ranked.size(); ++r) {
    char id[24];
    std::snprintf(id, sizeof id, "r%03zu", r);
    plain_id[ranked[r]] = id;
  }
  std::vector<Candidate> awkward, plain;
  for (const std::string& id : ids) {
    awkward.push_back(Person(id, {}));
    plain.push_back(Person(plain_id.at(id), {}));
  }
  auto awkward_draw = SelectRepresentative(awkward, Request(ids.size(), {}, 31), {});
  auto plain_draw = SelectRepresentative(plain, Request(ids.size(), {}, 31), {});
  ASSERT_TRUE(awkward_draw.ok()) << awkward_draw.status();
  ASSERT_TRUE(plain_draw.ok()) << plain_draw.status();
  ASSERT_EQ(awkward_draw->selected.size(), ids.size());
  std::vector<std::string> relabelled;
  for (const std::string& id : awkward_draw->selected) relabelled.push_back(plain_id.at(id));
  EXPECT_EQ(relabelled, plain_draw->selected);
}

TEST(SelectRepresentativeTest, DifferentSeedsSelectDifferentPeople) {
  const std::vector<Candidate> people = LargeSnapshot();
  std::set<std::set<std::string>> selections;
  for (uint64_t seed = 1; seed <= 5; ++seed) {
    auto result = SelectRepresentative(
        people, Request(20, {Proportional("country"), Proportional("gender")}, seed), {});
    ASSERT_TRUE(result.ok()) << result.status();
    selections.emplace(result->selected.begin(), result->selected.end());
  }
  EXPECT_EQ(selections.size(), 5u);
}

// --- Targets --------------------------------------------------------------------------------

TEST(SelectRepresentativeTest, ProportionalTargetsUseLargestRemainder) {
  // 12 people, 4 seats. Exact shares: DE 2/3, ET 2/3, FR 1/3, GE 4/3, GR 1. Whole parts give
  // GE 1 and GR 1; the 2 seats left go to the largest remainders, DE and ET (2/3 each).
  // Gender is 6 and 6: 2 seats each.
  auto result = SelectRepresentative(
      Twelve(), Request(4, {Proportional("gender"), Proportional("country")}, 3), {});
  ASSERT_TRUE(result.ok()) << result.status();
  EXPECT_EQ(Row(*result, "country", "DE").target, 1u);
  EXPECT_EQ(Row(*result, "country", "ET").target, 1u);
  EXPECT_EQ(Row(*result, "country", "FR").target, 0u);
  EXPECT_EQ(Row(*result, "country", "GE").target, 1u);
  EXPECT_EQ(Row(*result, "country", "GR").target, 1u);
  EXPECT_EQ(Row(*result, "gender", "f").target, 2u);
  EXPECT_EQ(Row(*result, "gender", "m").target, 2u);
  EXPECT_DOUBLE_EQ(Row(*result, "country", "GE").segment_share, 4.0 / 12.0);
  EXPECT_EQ(Row(*result, "country", "GR").in_segment, 3u);
  for (const GroupComposition& row : result->composition) {
    EXPECT_EQ(row.selected, row.target) << row.dimension << "/" << row.group;
  }
}

TEST(SelectRepresentativeTest, EqualRemaindersGoToTheSmallerGroupName) {
  // Three groups of 2, 2 seats: shares 2/3 each, no whole seats; "a" and "b" win the tie.
  const std::vector<Candidate> people = {Person("1", {"c"}), Person("2", {"c"}),
                                         Person("3", {"b"}), Person("4", {"b"}),
                                         Person("5", {"a"}), Person("6", {"a"})};
  auto result = SelectRepresentative(people, Request(2, {Proportional("x")}, 11), {});
  ASSERT_TRUE(result.ok()) << result.status();
  ASSERT_EQ(result->composition.size(), 3u);
  EXPECT_EQ(result->composition[0].group, "a");  // Rows by group name.
  EXPECT_EQ(result->composition[0].target, 1u);
  EXPECT_EQ(result->composition[1].target, 1u);
  EXPECT_EQ(result->composition[2].target, 0u);
  EXPECT_EQ(CountBy(people, result->selected, 0),
            (std::map<std::string, size_t>{{"a", 1}, {"b", 1}}));
}

TEST(SelectRepresentativeTest, FixedTargetsAreMetExactly) {
  const std::vector<Candidate> people = Keep(LargeSnapshot(), {0});
  for (uint64_t seed = 0; seed < 10; ++seed) {
    auto result = SelectRepresentative(
        people, Request(12, {Fixed("country", {{"ET", 6}, {"GE", 4}, {"FR", 2}})}, seed), {});
    ASSERT_TRUE(result.ok()) << result.status();
    EXPECT_EQ(result->shortfall, 0u);
    EXPECT_EQ(CountBy(people, result->selected, 0),
              (std::map<std::string, size_t>{{"ET", 6}, {"FR", 2}, {"GE", 4}}));
    EXPECT_EQ(Row(*result, "country", "DE").target, 0u);  // Not named: no seats.
  }
}

TEST(SelectRepresentativeTest, QuotasOnThreeDimensionsAreAllMet) {
  // 40 people in 8 strata. Proportional targets for 10 seats, by hand:
  //   gender f 18 -> 4.5, m 22 -> 5.5: 4 + 5, the seat left to the tie's smaller name: f 5, m 5
  //   age    old 23 -> 5.75, young 17 -> 4.25: old 6, young 4
  //   region north 19 -> 4.75, south 21 -> 5.25: north 5, south 5
  const std::vector<Candidate> people = Population({{{"f", "young", "north"}, 3},
                                                    {{"f", "young", "south"}, 4},
                                                    {{"f", "old", "north"}, 5},
                                                    {{"f", "old", "south"}, 6},
                                                    {{"m", "young", "north"}, 7},
                                                    {{"m", "young", "south"}, 3},
                                                    {{"m", "old", "north"}, 4},
                                                    {{"m", "old", "south"}, 8}});
  for (uint64_t seed = 0; seed < 20; ++seed) {
    auto result = SelectRepresentative(
        people,
        Request(10, {Proportional("gender"), Proportional("age"), Proportional("region")}, seed),
        {});
    ASSERT_TRUE(result.ok()) << result.status();
    EXPECT_EQ(result->shortfall, 0u);
    ASSERT_EQ(result->selected.size(), 10u);
    EXPECT_EQ(CountBy(people, result->selected, 0),
              (std::map<std::string, size_t>{{"f", 5}, {"m", 5}}));
    EXPECT_EQ(CountBy(people, result->selected, 1),
              (std::map<std::string, size_t>{{"old", 6}, {"young", 4}}));
    EXPECT_EQ(CountBy(people, result->selected, 2),
              (std::map<std::string, size_t>{{"north", 5}, {"south", 5}}));
  }

  // Fixed targets on the same people: f 2, m 4; young 3, old 3; north 2, south 4.
  for (uint64_t seed = 0; seed < 20; ++seed) {
    auto result = SelectRepresentative(
        people,
        Request(6,
                {Fixed("gender", {{"f", 2}, {"m", 4}}), Fixed("age", {{"young", 3}, {"old", 3}}),
                 Fixed("region", {{"north", 2}, {"south", 4}})},
                seed),
        {});
    ASSERT_TRUE(result.ok()) << result.status();
    EXPECT_EQ(result->shortfall, 0u);
    EXPECT_EQ(CountBy(people, result->selected, 0),
              (std::map<std::string, size_t>{{"f", 2}, {"m", 4}}));
    EXPECT_EQ(CountBy(people, result->selected, 1),
              (std::map<std::string, size_t>{{"old", 3}, {"young", 3}}));
    EXPECT_EQ(CountBy(people, result->selected, 2),
              (std::map<std::string, size_t>{{"north", 2}, {"south", 4}}));
  }
}

TEST(SelectRepresentativeTest, UnknownIsAGroupOfItsOwn) {
  const std::vector<Candidate> people = {Person("1", {"ka"}), Person("2", {""}),
                                         Person("3", {"ka"}), Person("4", {""}),
                                         Person("5", {"el"}), Person("6", {"el"})};
  auto result = SelectRepresentative(people, Request(3, {Proportional("language")}, 1), {});
  ASSERT_TRUE(result.ok()) << result.status();
  ASSERT_EQ(result->composition.size(), 3u);
  EXPECT_EQ(result->composition[0].group, "");  // Sorts first.
  EXPECT_EQ(result->composition[0].in_segment, 2u);
  EXPECT_EQ(result->composition[0].target, 1u);
  EXPECT_EQ(result->composition[0].selected, 1u);
}

// --- Shortfall and exclusions ---------------------------------------------------------------

// 2 women, 8 men; 3 seats for women asked.
std::vector<Candidate> FewWomen() { return Population({{{"f"}, 2}, {{"m"}, 8}}); }

TEST(SelectRepresentativeTest, ShortfallIsReportedAndNotFilled) {
  auto result =
      SelectRepresentative(FewWomen(), Request(5, {Fixed("gender", {{"f", 3}, {"m", 2}})}, 8), {});
  ASSERT_TRUE(result.ok()) << result.status();
  EXPECT_EQ(result->selected.size(), 4u);
  EXPECT_EQ(result->shortfall, 1u);
  EXPECT_EQ(result->filled_outside_quotas, 0u);
  EXPECT_EQ(Row(*result, "gender", "f").selected, 2u);
  EXPECT_EQ(Row(*result, "gender", "f").shortfall, 1u);
  EXPECT_EQ(Row(*result, "gender", "m").selected, 2u);
  EXPECT_EQ(Row(*result, "gender", "m").shortfall, 0u);
}

TEST(SelectRepresentativeTest, ShortfallIsFilledFromTheDrawWhenAsked) {
  SelectionRequest request = Request(5, {Fixed("gender", {{"f", 3}, {"m", 2}})}, 8);
  request.fill_shortfall = true;
  auto result = SelectRepresentative(FewWomen(), request, {});
  ASSERT_TRUE(result.ok()) << result.status();
  EXPECT_EQ(result->selected.size(), 5u);
  EXPECT_EQ(result->shortfall, 1u);
  EXPECT_EQ(result->filled_outside_quotas, 1u);
  EXPECT_EQ(Row(*result, "gender", "f").selected, 2u);
  EXPECT_EQ(Row(*result, "gender", "f").shortfall, 1u);
  EXPECT_EQ(Row(*result, "gender", "m").selected, 3u);  // One over target, by the filling.
}

TEST(SelectRepresentativeTest, MoreSeatsThanPeopleIsAShortfall) {
  auto quota = SelectRepresentative(FewWomen(), Request(30, {Proportional("gender")}, 1), {});
  ASSERT_TRUE(quota.ok()) << quota.status();
  EXPECT_EQ(quota->selected.size(), 10u);
  EXPECT_EQ(quota->shortfall, 20u);

  auto plain = SelectRepresentative(Keep(FewWomen(), {}), Request(30, {}, 1), {});
  ASSERT_TRUE(plain.ok()) << plain.status();
  EXPECT_EQ(plain->selected.size(), 10u);
  EXPECT_EQ(plain->shortfall, 20u);

  auto nobody = SelectRepresentative(
      FewWomen(), Request(3, {Proportional("gender")}, 1),
      {"p000", "p001", "p002", "p003", "p004", "p005", "p006", "p007", "p008", "p009"});
  ASSERT_TRUE(nobody.ok()) << nobody.status();
  EXPECT_TRUE(nobody->selected.empty());
  EXPECT_EQ(nobody->eligible, 0u);
  EXPECT_EQ(nobody->shortfall, 3u);
}

TEST(SelectRepresentativeTest, ExcludedPeopleAreNeverChosenNorCounted) {
  const std::vector<Candidate> people = LargeSnapshot();
  std::set<std::string> excluded;
  for (int i = 0; i < 1000; i += 2) excluded.insert("c_" + std::to_string(i));
  excluded.insert("not_in_snapshot");
  for (uint64_t seed = 0; seed < 5; ++seed) {
    SelectionRequest request = Request(40, {Proportional("country"), Proportional("gender")}, seed);
    request.fill_shortfall = true;
    auto result = SelectRepresentative(people, request, excluded);
    ASSERT_TRUE(result.ok()) << result.status();
    EXPECT_EQ(result->selected.size(), 40u);
    EXPECT_EQ(result->eligible, 500u);
    for (const std::string& id : result->selected) EXPECT_FALSE(excluded.contains(id)) << id;
    size_t in_segment = 0;
    for (const GroupComposition& row : result->composition) {
      if (row.dimension == "gender") in_segment += row.in_segment;
    }
    EXPECT_EQ(in_segment, 500u);
  }
}

// --- Replacements ---------------------------------------------------------------------------

TEST(DrawReplacementTest, WalksTheDeclinedPersonsStratumOnce) {
  const std::vector<Candidate> people = LargeSnapshot();
  const SelectionRequest request =
      Request(20, {Proportional("country"), Proportional("gender")}, 77);
  auto selection = SelectRepresentative(people, request, {});
  ASSERT_TRUE(selection.ok()) << selection.status();
  std::set<std::string> invited(selection->selected.begin(), selection->selected.end());
  const auto by_id = ById(people);
  const std::string declined = selection->selected.front();
  const std::vector<std::string>& stratum = by_id.at(declined)->groups;
  size_t stratum_size = 0;
  for (const Candidate& c : people) stratum_size += c.groups == stratum ? 1 : 0;
  size_t stratum_invited = 0;
  for (const std::string& id : invited) stratum_invited += by_id.at(id)->groups == stratum;

  // Each replacement declines in turn: together they are the rest of the stratum, once each.
  std::string last = declined;
  std::set<std::string> replacements;
  for (;;) {
    auto next = DrawReplacement(people, request, invited, last);
    ASSERT_TRUE(next.ok()) << next.status();
    if (!next->has_value()) break;
    const std::string id = **next;
    EXPECT_EQ(by_id.at(id)->groups, stratum) << id;
    EXPECT_FALSE(invited.contains(id)) << id;
    replacements.insert(id);
    invited.insert(id);
    last = id;
  }
  EXPECT_EQ(replacements.size(), stratum_size - stratum_invited);

  // The same question gives the same answer.
  std::set<std::string> first_invited(selection->selected.begin(), selection->selected.end());
  auto again = DrawReplacement(people, request, first_invited, declined);
  auto once_more = DrawReplacement(people, request, first_invited, declined);
  ASSERT_TRUE(again.ok() && once_more.ok());
  EXPECT_EQ(*again, *once_more);
}

TEST(DrawReplacementTest, NoneWhenTheStratumIsExhausted) {
  // "f" has two people; both are invited, and one declines.
  const std::vector<Candidate> people = FewWomen();
  const SelectionRequest request = Request(5, {Fixed("gender", {{"f", 2}, {"m", 3}})}, 4);
  auto selection = SelectRepresentative(people, request, {});
  ASSERT_TRUE(selection.ok()) << selection.status();
  const std::set<std::string> invited(selection->selected.begin(), selection->selected.end());
  ASSERT_TRUE(invited.contains("p000") && invited.contains("p001"));
  auto replacement = DrawReplacement(people, request, invited, "p001");
  ASSERT_TRUE(replacement.ok()) << replacement.status();
  EXPECT_EQ(*replacement, std::nullopt);
}

TEST(DrawReplacementTest, UnknownDeclinedIdIsNotFound) {
  auto replacement =
      DrawReplacement(FewWomen(), Request(2, {Proportional("gender")}, 4), {}, "p999");
  EXPECT_EQ(replacement.status().code(), absl::StatusCode::kNotFound);
  EXPECT_THAT(MessageOf(replacement.status()), HasSubstr("p999"));
}

// --- Validation -----------------------------------------------------------------------------

TEST(SelectRepresentativeTest, InvalidRequestsNameTheField) {
  const std::vector<Candidate> two_dims = {Person("a", {"f", "GE"}), Person("b", {"m", "GR"})};
  struct Case {
    std::string why;
    SelectionRequest request;
    std::vector<Candidate> people;
    std::string field;
  };
  std::vector<Case> cases;
  auto add = [&](std::string why, SelectionRequest request, std::vector<Candidate> people,
                 std::string field) {
    Case c;
    c.why = std::move(why);
    c.request = std::move(request);
    c.people = std::move(people);
    c.field = std::move(field);
    cases.push_back(std::move(c));
  };
  const std::vector<QuotaDimension> dims = {Proportional("gender"), Proportional("country")};
  add("no seats", Request(0, dims, 1), two_dims, "count:");
  add("too many seats", Request(10001, dims, 1), two_dims, "count:");
  add("six dimensions",
      Request(1,
              {Proportional("a"), Proportional("b"), Proportional("c"), Proportional("d"),
               Proportional("e"), Proportional("f")},
              1),
      {}, "dimensions:");
  add("repeated name", Request(1, {Proportional("gender"), Proportional("gender")}, 1), two_dims,
      "dimensions[1].name:");
  add("empty name", Request(1, {Proportional("gender"), Proportional("")}, 1), two_dims,
      "dimensions[1].name:");
  add("targets short of count",
      Request(3, {Proportional("gender"), Fixed("country", {{"GE", 1}, {"GR", 1}})}, 1), two_dims,
      "dimensions[1].targets:");
  add("targets over count", Request(2, {Proportional("gender"), Fixed("country", {{"GE", 3}})}, 1),
      two_dims, "dimensions[1].targets:");
  QuotaDimension mixed = Proportional("country");
  mixed.targets = {{"GE", 1}};
  add("targets on a proportional dimension", Request(1, {Proportional("gender"), mixed}, 1),
      two_dims, "dimensions[1].targets:");
  add("groups missing", Request(1, dims, 1), {Person("a", {"f", "GE"}), Person("b", {"m"})},
      "snapshot[1].groups:");
  add("repeated contact", Request(1, dims, 1),
      {Person("a", {"f", "GE"}), Person("b", {"m", "GR"}), Person("a", {"m", "GR"})},
      "snapshot[2].contact_id:");
  add("empty contact", Request(1, dims, 1), {Person("", {"f", "GE"})}, "snapshot[0].contact_id:");

  for (const Case& c : cases) {
    auto result = SelectRepresentative(c.people, c.request, {});
    EXPECT_EQ(result.status().code(), absl::StatusCode::kInvalidArgument) << c.why;
    EXPECT_THAT(MessageOf(result.status()), StartsWith(c.field)) << c.why;
    auto replacement = DrawReplacement(c.people, c.request, {}, "a");
    EXPECT_EQ(replacement.status().code(), absl::StatusCode::kInvalidArgument) << c.why;
  }
}

}  // namespace
}  // namespace ogw
