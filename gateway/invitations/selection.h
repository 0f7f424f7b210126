#pragma once

// Representative selection for event invitations: an embassy invites `count` people to a
// roundtable from a segment snapshot, with quotas over attributes (country, gender, age band,
// language, a cross of two attributes...), drawn at random from a recorded seed so that anyone
// can re-run the draw and get the same people.
//
// The draw, step by step. Every step is defined here, not by the standard library, so the same
// snapshot, request, exclusions and seed give the same people with any compiler on any machine.
//
//  1. Draw order. Candidates are sorted by contact_id (byte order), so the order the snapshot
//     was read in does not matter, then shuffled by Fisher-Yates driven by SplitMix64(seed):
//     for i from n-1 down to 1, swap positions i and Below(i + 1).
//  2. Targets per (dimension, group). Proportional dimensions share `count` among their groups
//     by largest remainder (Hamilton): each group gets floor(count * size / eligible), and the
//     seats left go one each to the largest remainders, ties to the smaller group name. `size`
//     and `eligible` count candidates not excluded. Fixed dimensions take their targets as
//     given; groups they do not name get 0.
//  3. Quota seats, one at a time. A candidate *fits* while every group they belong to still
//     needs someone. Among the groups that still need people, the one with the highest
//     need / available goes first (available: its members not excluded, not chosen, that fit),
//     ties to the earlier dimension, then the smaller group name. Its first fitting member in
//     draw order is chosen, and each of their groups needs one fewer. A group that needs people
//     but has no fitting member left is short, for good: fitting only ever ends. This is the
//     scarcest-first greedy of stratified sortition. It does not search: on a population where
//     the quotas can be met only by a careful combination it may fall short, and the
//     composition shows where.
//  4. Shortfall. Seats the quotas could not fill stay empty, unless `fill_shortfall`: then they
//     go to the next eligible people in draw order, whatever their groups.
//  5. Composition: per dimension and group, the segment's make-up beside the selection's.
//
// Cost: O(n log n) for the sort, O(n * dimensions) to set up, about O(count * groups in need)
// for the seats. 1,000,000 candidates, 3 dimensions, 100 seats: bench/selection_bench.cc.
//
// Thread-safety: the functions are pure and keep no state; call them from any thread.

#include <cstddef>
#include <cstdint>
#include <map>
#include <optional>
#include <set>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "gateway/core/status.h"

namespace ogw {

// The pseudo-random generator that defines the draw: SplitMix64 (Steele, Lea and Flood, 2014),
// as in Vigna's reference splitmix64.c. Chosen for being tiny, fully specified and well mixed
// even from seeds 0, 1, 2...; it is not for secrets. Part of the recorded-seed contract:
// changing it changes who every past seed selects.
class SplitMix64 {
 public:
  explicit SplitMix64(uint64_t seed) : state_(seed) {}

  uint64_t Next();

  // Uniform in [0, bound); `bound` must be > 0. Lemire's multiply-shift ("Fast Random Integer
  // Generation in an Interval", 2019): the high 64 bits of Next() * bound, drawing again while
  // the low 64 bits fall below 2^64 mod bound, which removes the modulo bias.
  uint64_t Below(uint64_t bound);

 private:
  uint64_t state_;
};

// One person of the segment snapshot.
struct Candidate {
  std::string contact_id;  // Unique within the snapshot, not empty.
  // groups[d]: the group the person falls in on dimension d. "" means unknown, which is a group
  // of its own (callers show it as "unknown"). A cross of two attributes is one dimension whose
  // group values the caller builds, e.g. "GE|female".
  std::vector<std::string> groups;
};

struct QuotaDimension {
  std::string name;  // E.g. "gender" or "country×gender"; unique within the request.
  // True: targets proportional to the group sizes among eligible candidates (step 2).
  // False: `targets` gives them.
  bool proportional = true;
  // Fixed mode only: group -> seats, summing to the request's count. Groups not named get 0;
  // a named group nobody belongs to is reported short.
  std::map<std::string, size_t> targets;
};

struct SelectionRequest {
  static constexpr size_t kMaxCount = 10000;
  static constexpr size_t kMaxDimensions = 5;

  size_t count = 0;  // Seats, 1 to kMaxCount. More than the eligible candidates is a shortfall.
  // Up to kMaxDimensions. None: a plain random draw of the first `count` in draw order.
  std::vector<QuotaDimension> dimensions;
  uint64_t seed = 0;            // Recorded with the event so the draw can be re-run.
  bool fill_shortfall = false;  // Step 4.
};

struct GroupComposition {
  std::string dimension;
  std::string group;         // "" is the unknown group.
  size_t in_segment = 0;     // Eligible candidates in the group.
  double segment_share = 0;  // in_segment / eligible candidates (0 when there are none).
  size_t target = 0;
  size_t selected = 0;   // Includes people added by fill_shortfall.
  size_t shortfall = 0;  // target - selected when positive.
};

struct SelectionResult {
  // Contact ids of the people chosen, in draw order (a random order, not the order in which the
  // quotas picked them).
  std::vector<std::string> selected;
  // Every group seen in the snapshot or named by fixed targets: by dimension in request order,
  // then by group name.
  std::vector<GroupComposition> composition;
  size_t eligible = 0;  // Candidates in the snapshot not excluded.
  // Seats the quotas could not fill (step 4), whether fill_shortfall then filled them or not;
  // without dimensions, seats left empty for want of eligible candidates.
  size_t shortfall = 0;
  size_t filled_outside_quotas = 0;  // Of the shortfall, seats filled by fill_shortfall.
  uint64_t seed = 0;                 // The request's seed, for the record.
};

// Selects `request.count` people from `snapshot` as described at the top of this file.
// `excluded` holds contact ids never to choose (already invited, opted out); ids not in the
// snapshot are ignored. The snapshot is only read, and only during the call.
//
// Errors, all InvalidArgument, the message starting with the offending field: "count" outside
// 1..kMaxCount; "dimensions" over kMaxDimensions; "dimensions[i].name" empty or repeated;
// "dimensions[i].targets" set on a proportional dimension, or not summing to count;
// "snapshot[i].groups" not one per dimension; "snapshot[i].contact_id" empty or repeated.
absl::StatusOr<SelectionResult> SelectRepresentative(std::span<const Candidate> snapshot,
                                                     const SelectionRequest& request,
                                                     const std::set<std::string>& excluded);

// Replacement for a person who declined: the next candidate after them in the same draw order
// (same snapshot and seed) who falls in the same group on every dimension, so every quota stays
// as it was. `excluded` must hold everyone already invited, including the selection and earlier
// replacements; the declined person is skipped whether listed or not. Returns nullopt when no
// one in their stratum is left, for the caller to report.
//
// Errors: those of SelectRepresentative for `request` and `snapshot` (pass the ones the
// selection used), and NotFound when `declined_contact_id` is not in the snapshot.
absl::StatusOr<std::optional<std::string>> DrawReplacement(std::span<const Candidate> snapshot,
                                                           const SelectionRequest& request,
                                                           const std::set<std::string>& excluded,
                                                           std::string_view declined_contact_id);

}  // namespace ogw
