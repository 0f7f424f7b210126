#pragma once

// Segments: the small filter language officers use to pick an audience, e.g.
//
//   country in ("DE", "GR") and "ka" in languages and reachable(whatsapp)
//
// The language is documented for users in docs/SEGMENTS.md; keep the two in step.

#include <cstddef>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_set>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "gateway/contacts/contact.h"

namespace ogw {

namespace segment_internal {
class Node;  // Compiled predicate; defined in segment_expression.cc.
}  // namespace segment_internal

// Where and why a segment expression was rejected. `position` is a 0-based byte offset into the
// expression text; `message` is the human-readable reason without the position prefix.
struct SegmentParseError {
  size_t position = 0;
  std::string message;
};

// Recovers the position and reason from a status returned by SegmentExpression::Parse, so API
// handlers can point at the offending byte. Returns nullopt for any other status (including OK).
std::optional<SegmentParseError> SegmentParseErrorFromStatus(const absl::Status& status);

// A predicate on what a person did (docs/SEGMENTS.md, "What people did"): replied("cmp_..."),
// clicked("cmp_..."), opted_out("cmp_..."), completed("cmp_..."), rsvp("evt_...", "yes"),
// attended("evt_..."), answered("cmp_...", "question"[, "value"]).
struct BehaviourRef {
  enum class Kind { kReplied, kClicked, kOptedOut, kCompleted, kRsvp, kAnswered };
  Kind kind = Kind::kReplied;
  std::string id;        // The campaign or event.
  std::string state;     // kRsvp: the seat state ("yes", "attended", ...); kAnswered: the value.
  std::string question;  // kAnswered: the question's key.
  bool operator==(const BehaviourRef&) const = default;
};

// The people (contact ids) each behaviour predicate of an expression names, in the order of
// SegmentExpression::behaviour(). Read by the predicates at evaluation; never changed after.
struct BehaviourFacts {
  std::vector<std::unordered_set<std::string>> people;
};

// A parsed and compiled segment expression.
//
// Ownership: the compiled predicate tree is immutable and shared between copies
// (shared_ptr<const>), so copying is cheap and copies may be used from different threads.
// Thread-safety: all const members are safe to call concurrently; Matches neither allocates nor
// locks. A moved-from expression matches no contact and may only be assigned or destroyed.
class SegmentExpression {
 public:
  // Inputs beyond these limits are rejected with InvalidArgumentError so that a hostile or
  // mistaken expression cannot exhaust the server's stack or CPU.
  static constexpr size_t kMaxTextBytes = 4096;
  // Counts nested parentheses and `not` operators.
  static constexpr int kMaxDepth = 64;

  // Parses, type-checks and compiles `text`. Every error is InvalidArgumentError with the message
  // "at position N: <what is wrong>", N being the 0-based byte offset of the problem in `text`.
  // Behaviour predicates read `facts` (one set per behaviour() entry); without facts they
  // match nobody: bind them first (gateway/segments/behaviour_facts.h).
  static absl::StatusOr<SegmentExpression> Parse(
      std::string_view text, std::shared_ptr<const BehaviourFacts> facts = nullptr);

  SegmentExpression(const SegmentExpression&) = default;
  SegmentExpression& operator=(const SegmentExpression&) = default;
  SegmentExpression(SegmentExpression&&) noexcept = default;
  SegmentExpression& operator=(SegmentExpression&&) noexcept = default;
  ~SegmentExpression() = default;

  // True when `contact` belongs to the segment. Const, thread-safe, allocation-free.
  bool Matches(const Contact& contact) const;

  // The expression exactly as given to Parse.
  const std::string& text() const { return text_; }
  // Its behaviour predicates, each once, in order of first appearance.
  const std::vector<BehaviourRef>& behaviour() const { return *behaviour_; }
  // False when it has behaviour predicates that were parsed without facts.
  bool bound() const { return behaviour_->empty() || facts_ != nullptr; }

 private:
  SegmentExpression(std::string text, std::shared_ptr<const segment_internal::Node> root,
                    std::shared_ptr<const std::vector<BehaviourRef>> behaviour,
                    std::shared_ptr<const BehaviourFacts> facts);

  std::string text_;
  std::shared_ptr<const segment_internal::Node> root_;
  std::shared_ptr<const std::vector<BehaviourRef>> behaviour_;
  std::shared_ptr<const BehaviourFacts> facts_;  // Kept alive for the predicates reading it.
};

}  // namespace ogw
