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
  static absl::StatusOr<SegmentExpression> Parse(std::string_view text);

  SegmentExpression(const SegmentExpression&) = default;
  SegmentExpression& operator=(const SegmentExpression&) = default;
  SegmentExpression(SegmentExpression&&) noexcept = default;
  SegmentExpression& operator=(SegmentExpression&&) noexcept = default;
  ~SegmentExpression() = default;

  // True when `contact` belongs to the segment. Const, thread-safe, allocation-free.
  bool Matches(const Contact& contact) const;

  // The expression exactly as given to Parse.
  const std::string& text() const { return text_; }

 private:
  SegmentExpression(std::string text, std::shared_ptr<const segment_internal::Node> root);

  std::string text_;
  std::shared_ptr<const segment_internal::Node> root_;
};

}  // namespace ogw
