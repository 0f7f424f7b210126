#include "gateway/invitations/selection.h"

#include <algorithm>
#include <cstdint>
#include <limits>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

namespace ogw {

namespace {

// High and low halves of the 128-bit product a * b. Spelled out rather than with __int128 so
// that the draw is the same on compilers and targets without it.
void Multiply128(uint64_t a, uint64_t b, uint64_t* high, uint64_t* low) {
  constexpr uint64_t kLow32 = 0xffffffffu;
  const uint64_t a_lo = a & kLow32, a_hi = a >> 32;
  const uint64_t b_lo = b & kLow32, b_hi = b >> 32;
  const uint64_t lo_lo = a_lo * b_lo;
  const uint64_t hi_lo = a_hi * b_lo;
  const uint64_t lo_hi = a_lo * b_hi;
  const uint64_t hi_hi = a_hi * b_hi;
  // At most 3 * (2^32 - 1) + (2^32 - 1)^2 = 2^64 - 1: cannot overflow.
  const uint64_t cross = (lo_lo >> 32) + (hi_lo & kLow32) + lo_hi;
  *high = hi_hi + (hi_lo >> 32) + (cross >> 32);
  *low = (cross << 32) | (lo_lo & kLow32);
}

std::string Indexed(std::string_view field, size_t i) {
  return std::string(field) + "[" + std::to_string(i) + "]";
}

absl::Status ValidateRequest(const SelectionRequest& request) {
  if (request.count < 1 || request.count > SelectionRequest::kMaxCount) {
    return absl::InvalidArgumentError("count: must be 1 to " +
                                      std::to_string(SelectionRequest::kMaxCount) + ", got " +
                                      std::to_string(request.count));
  }
  if (request.dimensions.size() > SelectionRequest::kMaxDimensions) {
    return absl::InvalidArgumentError("dimensions: at most " +
                                      std::to_string(SelectionRequest::kMaxDimensions) + ", got " +
                                      std::to_string(request.dimensions.size()));
  }
  for (size_t d = 0; d < request.dimensions.size(); ++d) {
    const QuotaDimension& dim = request.dimensions[d];
    const std::string field = Indexed("dimensions", d);
    if (dim.name.empty()) return absl::InvalidArgumentError(field + ".name: empty");
    for (size_t e = 0; e < d; ++e) {
      if (request.dimensions[e].name == dim.name) {
        return absl::InvalidArgumentError(field + ".name: \"" + dim.name + "\" repeats " +
                                          Indexed("dimensions", e));
      }
    }
    if (dim.proportional) {
      if (!dim.targets.empty()) {
        return absl::InvalidArgumentError(field +
                                          ".targets: only for fixed quotas (proportional false)");
      }
      continue;
    }
    size_t sum = 0;
    for (const auto& [group, seats] : dim.targets) {
      // Checked one by one so the sum cannot wrap around to `count`.
      if (seats > request.count) {
        return absl::InvalidArgumentError(field + ".targets: \"" + group + "\" has " +
                                          std::to_string(seats) + " seats, count is " +
                                          std::to_string(request.count));
      }
      sum += seats;
    }
    if (sum != request.count) {
      return absl::InvalidArgumentError(field + ".targets: sum to " + std::to_string(sum) +
                                        ", count is " + std::to_string(request.count));
    }
  }
  return absl::OkStatus();
}

absl::Status ValidateSnapshot(std::span<const Candidate> snapshot, size_t dimensions) {
  if (snapshot.size() >= std::numeric_limits<uint32_t>::max()) {
    return absl::InvalidArgumentError("snapshot: too many candidates");
  }
  for (size_t i = 0; i < snapshot.size(); ++i) {
    if (snapshot[i].contact_id.empty()) {
      return absl::InvalidArgumentError(Indexed("snapshot", i) + ".contact_id: empty");
    }
    if (snapshot[i].groups.size() != dimensions) {
      return absl::InvalidArgumentError(
          Indexed("snapshot", i) + ".groups: " + std::to_string(snapshot[i].groups.size()) +
          " groups for " + std::to_string(dimensions) + " dimensions");
    }
  }
  return absl::OkStatus();
}

// A candidate's index with 8 bytes of their id, big-endian and zero-padded, so that comparing
// keys compares those bytes as std::string does (unsigned).
struct KeyedIndex {
  uint64_t key;
  uint32_t index;
};

uint64_t Chunk(std::string_view id, size_t offset) {
  uint64_t key = 0;
  for (size_t k = 0; k < 8; ++k) {
    const size_t at = offset + k;
    key = (key << 8) | (at < id.size() ? static_cast<unsigned char>(id[at]) : 0u);
  }
  return key;
}

// Sorts [begin, end), whose ids all share their first `offset` bytes, by id. Sorting contiguous
// keys instead of chasing each id through the snapshot is what makes a million ids cheap; ids
// sharing a long prefix (ours start with the creation time) move on to the next 8 bytes.
void SortById(std::span<const Candidate> snapshot, KeyedIndex* begin, KeyedIndex* end,
              size_t offset) {
  auto id = [&](const KeyedIndex& k) -> std::string_view { return snapshot[k.index].contact_id; };
  constexpr ptrdiff_t kSmall = 16;
  constexpr size_t kDeepest = 256;  // Bounds the recursion whatever the ids.
  if (end - begin < kSmall || offset >= kDeepest) {
    std::sort(begin, end, [&](const KeyedIndex& a, const KeyedIndex& b) {
      return id(a).substr(offset) < id(b).substr(offset);
    });
    return;
  }
  bool all_equal = true;
  for (KeyedIndex* it = begin; it != end; ++it) {
    it->key = Chunk(id(*it), offset);
    all_equal = all_equal && it->key == begin->key;
  }
  if (!all_equal) {
    std::sort(begin, end, [](const KeyedIndex& a, const KeyedIndex& b) { return a.key < b.key; });
  }
  for (KeyedIndex* run = begin; run != end;) {
    KeyedIndex* run_end = run + 1;
    bool longer = id(*run).size() > offset + 8;
    while (run_end != end && run_end->key == run->key) {
      longer = longer && id(*run_end).size() > offset + 8;
      ++run_end;
    }
    if (run_end - run > 1) {
      if (longer) {
        SortById(snapshot, run, run_end, offset + 8);
      } else {
        // Padding makes "ab" and "ab\0" alike: ids ending here are compared whole.
        std::sort(run, run_end, [&](const KeyedIndex& a, const KeyedIndex& b) {
          return id(a).substr(offset) < id(b).substr(offset);
        });
      }
    }
    run = run_end;
  }
}

// Snapshot indices by contact_id, the order the draw starts from.
absl::StatusOr<std::vector<uint32_t>> SortedById(std::span<const Candidate> snapshot) {
  std::vector<KeyedIndex> keyed(snapshot.size());
  for (size_t i = 0; i < keyed.size(); ++i) keyed[i].index = static_cast<uint32_t>(i);
  SortById(snapshot, keyed.data(), keyed.data() + keyed.size(), 0);
  std::vector<uint32_t> sorted(keyed.size());
  for (size_t i = 0; i < keyed.size(); ++i) sorted[i] = keyed[i].index;
  for (size_t k = 1; k < sorted.size(); ++k) {
    if (snapshot[sorted[k - 1]].contact_id == snapshot[sorted[k]].contact_id) {
      const uint32_t later = std::max(sorted[k - 1], sorted[k]);
      return absl::InvalidArgumentError(Indexed("snapshot", later) + ".contact_id: \"" +
                                        snapshot[later].contact_id + "\" repeats");
    }
  }
  return sorted;
}

// Marks, by snapshot index, the candidates whose id is in `excluded`.
std::vector<char> MarkExcluded(std::span<const Candidate> snapshot,
                               const std::vector<uint32_t>& sorted,
                               const std::set<std::string>& excluded) {
  std::vector<char> marked(snapshot.size(), 0);
  for (const std::string& id : excluded) {
    auto it = std::lower_bound(sorted.begin(), sorted.end(), id, [&](uint32_t i, const auto& v) {
      return snapshot[i].contact_id < v;
    });
    if (it != sorted.end() && snapshot[*it].contact_id == id) marked[*it] = 1;
  }
  return marked;
}

// Step 1 of the header: turns the sorted order into the draw order.
void Shuffle(uint64_t seed, std::vector<uint32_t>* order) {
  SplitMix64 rng(seed);
  for (size_t i = order->size(); i > 1; --i) {
    std::swap((*order)[i - 1], (*order)[rng.Below(i)]);
  }
}

// Group values interned to small ints. Global ids run dimension by dimension and, within a
// dimension, by group name, so "lower id" is the header's tie-break order.
struct InternedGroups {
  size_t dimensions = 0;
  std::vector<uint32_t> first;         // first[d]: first id of dimension d; first[D]: total.
  std::vector<std::string_view> name;  // By id; views into the snapshot or the request.
  std::vector<uint32_t> of;            // of[pos * D + d]: group of the candidate at draw pos.

  size_t size() const { return name.size(); }
  const uint32_t* GroupsAt(size_t pos) const { return &of[pos * dimensions]; }
  // Id of `group` on dimension d; every group of the snapshot and targets has one.
  uint32_t Find(size_t d, std::string_view group) const {
    auto it = std::lower_bound(name.begin() + first[d], name.begin() + first[d + 1], group);
    return static_cast<uint32_t>(it - name.begin());
  }
};

InternedGroups Intern(std::span<const Candidate> snapshot, const std::vector<uint32_t>& order,
                      const SelectionRequest& request) {
  InternedGroups groups;
  groups.dimensions = request.dimensions.size();
  groups.of.resize(snapshot.size() * groups.dimensions);
  std::vector<uint32_t> local(snapshot.size());  // Per dimension: first-seen id by snapshot index.
  for (size_t d = 0; d < groups.dimensions; ++d) {
    std::unordered_map<std::string_view, uint32_t> seen;
    std::vector<std::string_view> names;
    auto intern = [&](std::string_view value) {
      auto [it, added] = seen.emplace(value, static_cast<uint32_t>(names.size()));
      if (added) names.push_back(value);
      return it->second;
    };
    for (size_t i = 0; i < snapshot.size(); ++i) local[i] = intern(snapshot[i].groups[d]);
    for (const auto& entry : request.dimensions[d].targets) intern(entry.first);

    std::vector<uint32_t> by_name(names.size());
    for (size_t k = 0; k < by_name.size(); ++k) by_name[k] = static_cast<uint32_t>(k);
    std::sort(by_name.begin(), by_name.end(),
              [&](uint32_t a, uint32_t b) { return names[a] < names[b]; });
    const uint32_t base = static_cast<uint32_t>(groups.name.size());
    std::vector<uint32_t> global(names.size());
    for (size_t rank = 0; rank < by_name.size(); ++rank) {
      global[by_name[rank]] = base + static_cast<uint32_t>(rank);
      groups.name.push_back(names[by_name[rank]]);
    }
    groups.first.push_back(base);
    for (size_t pos = 0; pos < order.size(); ++pos) {
      groups.of[pos * groups.dimensions + d] = global[local[order[pos]]];
    }
  }
  groups.first.push_back(static_cast<uint32_t>(groups.name.size()));
  return groups;
}

// Step 2 of the header, by global group id.
std::vector<size_t> Targets(const InternedGroups& groups, const SelectionRequest& request,
                            const std::vector<size_t>& in_segment, size_t eligible) {
  std::vector<size_t> target(groups.size(), 0);
  const uint64_t count = request.count;
  for (size_t d = 0; d < groups.dimensions; ++d) {
    const QuotaDimension& dim = request.dimensions[d];
    if (!dim.proportional) {
      for (const auto& [group, seats] : dim.targets) target[groups.Find(d, group)] = seats;
      continue;
    }
    if (eligible == 0) continue;  // Nobody to be proportional to: every seat is short.
    // Integer quotients and remainders over the same denominator: exact on every machine.
    std::vector<uint32_t> by_remainder;
    std::vector<uint64_t> remainder(groups.size(), 0);
    uint64_t seats_left = count;
    for (uint32_t g = groups.first[d]; g < groups.first[d + 1]; ++g) {
      const uint64_t share = count * in_segment[g];
      target[g] = share / eligible;
      remainder[g] = share % eligible;
      seats_left -= target[g];
      by_remainder.push_back(g);
    }
    std::sort(by_remainder.begin(), by_remainder.end(), [&](uint32_t a, uint32_t b) {
      return remainder[a] != remainder[b] ? remainder[a] > remainder[b] : a < b;
    });
    for (size_t k = 0; k < seats_left; ++k) ++target[by_remainder[k]];
  }
  return target;
}

// Step 3 of the header. Positions are draw positions; only eligible candidates take part.
class QuotaSeats {
 public:
  QuotaSeats(const InternedGroups& groups, const std::vector<char>& eligible,
             std::vector<size_t> need)
      : groups_(groups),
        need_(std::move(need)),
        available_(groups.size(), 0),
        fits_(eligible.size(), 0),
        cursor_(groups.size(), 0),
        start_(groups.size() + 1, 0) {
    const size_t dims = groups.dimensions;
    // Members of each group in draw order, laid out flat: one allocation however many groups.
    for (size_t pos = 0; pos < eligible.size(); ++pos) {
      if (!eligible[pos]) continue;
      for (size_t d = 0; d < dims; ++d) ++start_[groups.GroupsAt(pos)[d] + 1];
    }
    for (size_t g = 0; g < groups.size(); ++g) start_[g + 1] += start_[g];
    members_.resize(start_.back());
    std::vector<size_t> next(start_.begin(), start_.end() - 1);
    for (size_t pos = 0; pos < eligible.size(); ++pos) {
      if (!eligible[pos]) continue;
      const uint32_t* of = groups.GroupsAt(pos);
      bool fits = true;
      for (size_t d = 0; d < dims; ++d) {
        members_[next[of[d]]++] = static_cast<uint32_t>(pos);
        fits = fits && need_[of[d]] > 0;
      }
      if (!fits) continue;
      fits_[pos] = 1;
      for (size_t d = 0; d < dims; ++d) ++available_[of[d]];
    }
    for (size_t g = 0; g < groups.size(); ++g) cursor_[g] = start_[g];
  }

  // Chooses until `count` positions are in `chosen` or every group in need is short.
  void Run(size_t count, std::vector<uint32_t>* chosen) {
    std::vector<uint32_t> in_need;
    for (uint32_t g = 0; g < groups_.size(); ++g) {
      if (need_[g] > 0) in_need.push_back(g);
    }
    while (chosen->size() < count) {
      // One pass drops the satisfied and the short (they stay so) and finds the scarcest.
      size_t kept = 0;
      std::optional<uint32_t> best;
      for (uint32_t g : in_need) {
        if (need_[g] == 0 || available_[g] == 0) continue;
        in_need[kept++] = g;
        // need[g]/available[g] > need[best]/available[best], exactly; ties keep the lower id.
        if (!best || need_[g] * available_[*best] > need_[*best] * available_[g]) best = g;
      }
      in_need.resize(kept);
      if (!best) return;
      while (!fits_[members_[cursor_[*best]]]) ++cursor_[*best];
      const uint32_t pos = members_[cursor_[*best]];
      chosen->push_back(pos);
      Choose(pos);
    }
  }

 private:
  void Choose(uint32_t pos) {
    Unfit(pos);
    const uint32_t* of = groups_.GroupsAt(pos);
    for (size_t d = 0; d < groups_.dimensions; ++d) {
      if (--need_[of[d]] == 0) Close(of[d]);
    }
  }

  // A group that needs nobody more: its fitting members stop fitting. Those before the cursor
  // already do not fit, so each member is visited once over the whole run.
  void Close(uint32_t g) {
    for (size_t k = cursor_[g]; k < start_[g + 1]; ++k) {
      if (fits_[members_[k]]) Unfit(members_[k]);
    }
    cursor_[g] = start_[g + 1];
  }

  void Unfit(uint32_t pos) {
    fits_[pos] = 0;
    const uint32_t* of = groups_.GroupsAt(pos);
    for (size_t d = 0; d < groups_.dimensions; ++d) --available_[of[d]];
  }

  const InternedGroups& groups_;
  std::vector<size_t> need_;
  std::vector<size_t> available_;
  std::vector<char> fits_;  // By position: eligible, not chosen, every group still in need.
  std::vector<size_t> cursor_;
  std::vector<size_t> start_;  // Group g's members are members_[start_[g], start_[g + 1]).
  std::vector<uint32_t> members_;
};

}  // namespace

uint64_t SplitMix64::Next() {
  uint64_t z = (state_ += 0x9e3779b97f4a7c15u);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9u;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebu;
  return z ^ (z >> 31);
}

uint64_t SplitMix64::Below(uint64_t bound) {
  uint64_t high = 0, low = 0;
  Multiply128(Next(), bound, &high, &low);
  if (low < bound) {
    const uint64_t threshold = (0 - bound) % bound;  // 2^64 mod bound.
    while (low < threshold) Multiply128(Next(), bound, &high, &low);
  }
  return high;
}

absl::StatusOr<SelectionResult> SelectRepresentative(std::span<const Candidate> snapshot,
                                                     const SelectionRequest& request,
                                                     const std::set<std::string>& excluded) {
  RETURN_IF_ERROR(ValidateRequest(request));
  RETURN_IF_ERROR(ValidateSnapshot(snapshot, request.dimensions.size()));
  ASSIGN_OR_RETURN(std::vector<uint32_t> order, SortedById(snapshot));
  const std::vector<char> excluded_at_index = MarkExcluded(snapshot, order, excluded);
  Shuffle(request.seed, &order);

  const InternedGroups groups = Intern(snapshot, order, request);
  const size_t dims = groups.dimensions;
  std::vector<char> eligible(order.size(), 0);
  std::vector<size_t> in_segment(groups.size(), 0);
  size_t eligible_count = 0;
  for (size_t pos = 0; pos < order.size(); ++pos) {
    if (excluded_at_index[order[pos]]) continue;
    eligible[pos] = 1;
    ++eligible_count;
    for (size_t d = 0; d < dims; ++d) ++in_segment[groups.GroupsAt(pos)[d]];
  }
  const std::vector<size_t> target = Targets(groups, request, in_segment, eligible_count);

  std::vector<uint32_t> chosen;
  if (dims > 0) QuotaSeats(groups, eligible, target).Run(request.count, &chosen);
  const size_t by_quota = chosen.size();
  // Without dimensions there are no quotas: the draw order alone is the selection.
  if (request.fill_shortfall || dims == 0) {
    std::vector<char> taken(order.size(), 0);
    for (uint32_t pos : chosen) taken[pos] = 1;
    for (size_t pos = 0; pos < order.size() && chosen.size() < request.count; ++pos) {
      if (eligible[pos] && !taken[pos]) chosen.push_back(static_cast<uint32_t>(pos));
    }
  }
  SelectionResult result;
  result.seed = request.seed;
  result.eligible = eligible_count;
  if (dims > 0) {
    result.shortfall = request.count - by_quota;
    result.filled_outside_quotas = chosen.size() - by_quota;
  } else {
    result.shortfall = request.count - chosen.size();
  }
  std::sort(chosen.begin(), chosen.end());

  std::vector<size_t> selected(groups.size(), 0);
  result.selected.reserve(chosen.size());
  for (uint32_t pos : chosen) {
    result.selected.push_back(snapshot[order[pos]].contact_id);
    for (size_t d = 0; d < dims; ++d) ++selected[groups.GroupsAt(pos)[d]];
  }
  for (size_t d = 0; d < dims; ++d) {
    for (uint32_t g = groups.first[d]; g < groups.first[d + 1]; ++g) {
      GroupComposition row;
      row.dimension = request.dimensions[d].name;
      row.group = std::string(groups.name[g]);
      row.in_segment = in_segment[g];
      row.segment_share = eligible_count == 0 ? 0.0
                                              : static_cast<double>(in_segment[g]) /
                                                    static_cast<double>(eligible_count);
      row.target = target[g];
      row.selected = selected[g];
      row.shortfall = target[g] > selected[g] ? target[g] - selected[g] : 0;
      result.composition.push_back(std::move(row));
    }
  }
  return result;
}

absl::StatusOr<std::optional<std::string>> DrawReplacement(std::span<const Candidate> snapshot,
                                                           const SelectionRequest& request,
                                                           const std::set<std::string>& excluded,
                                                           std::string_view declined_contact_id) {
  RETURN_IF_ERROR(ValidateRequest(request));
  RETURN_IF_ERROR(ValidateSnapshot(snapshot, request.dimensions.size()));
  ASSIGN_OR_RETURN(std::vector<uint32_t> order, SortedById(snapshot));
  auto it = std::lower_bound(order.begin(), order.end(), declined_contact_id,
                             [&](uint32_t i, std::string_view id) {
                               return std::string_view(snapshot[i].contact_id) < id;
                             });
  if (it == order.end() || snapshot[*it].contact_id != declined_contact_id) {
    return absl::NotFoundError("declined_contact_id: \"" + std::string(declined_contact_id) +
                               "\" is not in the snapshot");
  }
  const uint32_t declined = *it;
  Shuffle(request.seed, &order);
  // Same-stratum candidates before the declined person in draw order were chosen ahead of them
  // or excluded, so the search starts after them.
  size_t pos = std::find(order.begin(), order.end(), declined) - order.begin();
  const std::vector<std::string>& stratum = snapshot[declined].groups;
  for (++pos; pos < order.size(); ++pos) {
    const Candidate& c = snapshot[order[pos]];
    if (c.groups == stratum && !excluded.contains(c.contact_id)) return c.contact_id;
  }
  return std::nullopt;
}

}  // namespace ogw
