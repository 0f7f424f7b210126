#include "gateway/segments/segment_expression.h"

#include <algorithm>
#include <array>
#include <charconv>
#include <cmath>
#include <concepts>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <system_error>
#include <utility>
#include <variant>
#include <vector>

#include "gateway/core/status.h"
#include "gateway/core/text.h"

namespace ogw {
namespace segment_internal {

// One compiled predicate. Nodes are built once by the parser and never mutated afterwards, which
// is what makes concurrent Eval calls safe.
class Node {
 public:
  virtual ~Node() = default;
  virtual bool Eval(const Contact& contact) const = 0;
};

}  // namespace segment_internal

namespace {

using segment_internal::Node;
using NodePtr = std::unique_ptr<Node>;
using TextMember = const std::string Contact::*;

constexpr std::string_view kKindList = "email, phone, whatsapp, telegram, messenger";

// Debian's Abseil is built with its own absl::string_view, so absl::StrCat and the absl ASCII
// helpers do not accept std::string_view. These few lines cover what this file needs.
void AppendPiece(std::string& out, std::string_view piece) { out.append(piece); }
template <std::integral T>
void AppendPiece(std::string& out, T number) {
  out.append(std::to_string(number));
}
template <typename... Pieces>
std::string Cat(const Pieces&... pieces) {
  std::string out;
  (AppendPiece(out, pieces), ...);
  return out;
}

// ---------------------------------------------------------------------------------------------
// Evaluation helpers. Everything here runs inside Matches, so none of it allocates.

enum class CompareOp { kEq, kNe, kLt, kLe, kGt, kGe };

bool ApplyOrdering(CompareOp op, int cmp) {
  switch (op) {
    case CompareOp::kEq:
      return cmp == 0;
    case CompareOp::kNe:
      return cmp != 0;
    case CompareOp::kLt:
      return cmp < 0;
    case CompareOp::kLe:
      return cmp <= 0;
    case CompareOp::kGt:
      return cmp > 0;
    case CompareOp::kGe:
      return cmp >= 0;
  }
  return false;
}

// Byte-wise: char_traits<char> compares as unsigned char, so UTF-8 text orders by code point.
bool CompareText(CompareOp op, std::string_view a, std::string_view b) {
  if (op == CompareOp::kEq) return a == b;  // Length check first; cheaper than compare().
  if (op == CompareOp::kNe) return a != b;
  return ApplyOrdering(op, a.compare(b));
}

// Spelled out rather than via ApplyOrdering so that NaN compares unequal/unordered (IEEE).
bool CompareNumbers(CompareOp op, double a, double b) {
  switch (op) {
    case CompareOp::kEq:
      return a == b;
    case CompareOp::kNe:
      return a != b;
    case CompareOp::kLt:
      return a < b;
    case CompareOp::kLe:
      return a <= b;
    case CompareOp::kGt:
      return a > b;
    case CompareOp::kGe:
      return a >= b;
  }
  return false;
}

using NumberBuffer = std::array<char, 64>;

// Text form of a numeric attribute for text comparisons: the shortest form that round-trips
// (34.0 -> "34", 0.1 -> "0.1"), which is also how the CSV cell most likely looked.
std::string_view FormatNumber(double value, NumberBuffer& buffer) {
  auto [end, ec] = std::to_chars(buffer.data(), buffer.data() + buffer.size(), value);
  if (ec != std::errc()) return {};
  return std::string_view(buffer.data(), static_cast<size_t>(end - buffer.data()));
}

// True when all of `text` is a finite decimal number (the same rule the CSV importer applies).
bool ParseFiniteNumber(std::string_view text, double* out) {
  if (text.empty()) return false;
  const char* last = text.data() + text.size();
  auto [end, ec] = std::from_chars(text.data(), last, *out);
  return ec == std::errc() && end == last && std::isfinite(*out);
}

bool TextLess(std::string_view a, std::string_view b) { return a < b; }

// ---------------------------------------------------------------------------------------------
// Compiled nodes.

class ConstNode final : public Node {
 public:
  explicit ConstNode(bool value) : value_(value) {}
  bool Eval(const Contact&) const override { return value_; }

 private:
  bool value_;
};

class AndNode final : public Node {
 public:
  explicit AndNode(std::vector<NodePtr> children) : children_(std::move(children)) {}
  bool Eval(const Contact& contact) const override {
    for (const NodePtr& child : children_) {
      if (!child->Eval(contact)) return false;
    }
    return true;
  }

 private:
  std::vector<NodePtr> children_;
};

class OrNode final : public Node {
 public:
  explicit OrNode(std::vector<NodePtr> children) : children_(std::move(children)) {}
  bool Eval(const Contact& contact) const override {
    for (const NodePtr& child : children_) {
      if (child->Eval(contact)) return true;
    }
    return false;
  }

 private:
  std::vector<NodePtr> children_;
};

class NotNode final : public Node {
 public:
  explicit NotNode(NodePtr operand) : operand_(std::move(operand)) {}
  bool Eval(const Contact& contact) const override { return !operand_->Eval(contact); }

 private:
  NodePtr operand_;
};

class TextCompareNode final : public Node {
 public:
  TextCompareNode(TextMember field, CompareOp op, std::string literal)
      : field_(field), op_(op), literal_(std::move(literal)) {}
  bool Eval(const Contact& contact) const override {
    return CompareText(op_, contact.*field_, literal_);
  }

 private:
  TextMember field_;
  CompareOp op_;
  std::string literal_;
};

class TextInNode final : public Node {
 public:
  // `values` must be sorted and unique.
  TextInNode(TextMember field, std::vector<std::string> values)
      : field_(field), values_(std::move(values)) {}
  bool Eval(const Contact& contact) const override {
    return std::binary_search(values_.begin(), values_.end(), contact.*field_);
  }

 private:
  TextMember field_;
  std::vector<std::string> values_;
};

class TextStartsWithNode final : public Node {
 public:
  TextStartsWithNode(TextMember field, std::string prefix)
      : field_(field), prefix_(std::move(prefix)) {}
  bool Eval(const Contact& contact) const override {
    return std::string_view(contact.*field_).starts_with(prefix_);
  }

 private:
  TextMember field_;
  std::string prefix_;
};

class VerifiedNode final : public Node {
 public:
  explicit VerifiedNode(bool expected) : expected_(expected) {}
  bool Eval(const Contact& contact) const override { return contact.verified == expected_; }

 private:
  bool expected_;
};

class TagNode final : public Node {
 public:
  explicit TagNode(std::string tag) : tag_(std::move(tag)) {}
  // Linear rather than binary search: tag lists are short, and a contact whose tags were not
  // kept sorted must still match correctly.
  bool Eval(const Contact& contact) const override {
    for (const std::string& tag : contact.tags) {
      if (tag == tag_) return true;
    }
    return false;
  }

 private:
  std::string tag_;
};

class LanguageNode final : public Node {
 public:
  // `range` is lower-case ASCII, e.g. "ka" or "zh-hant".
  explicit LanguageNode(std::string range) : range_(std::move(range)) {}
  bool Eval(const Contact& contact) const override {
    for (const std::string& language : contact.languages) {
      if (Covers(language)) return true;
    }
    return false;
  }

 private:
  // RFC 4647 basic filtering: the range equals the tag, or is a prefix of it ending at a subtag
  // boundary, ignoring ASCII case. So "ka" covers "ka" and "ka-GE" but not "kab".
  bool Covers(std::string_view tag) const {
    if (tag.size() < range_.size()) return false;
    for (size_t i = 0; i < range_.size(); ++i) {
      if (AsciiLower(tag[i]) != range_[i]) return false;
    }
    return tag.size() == range_.size() || tag[range_.size()] == '-';
  }

  std::string range_;
};

class HasKindNode final : public Node {
 public:
  explicit HasKindNode(AddressKind kind) : kind_(kind) {}
  bool Eval(const Contact& contact) const override { return contact.FindAddress(kind_) != nullptr; }

 private:
  AddressKind kind_;
};

class ReachableNode final : public Node {
 public:
  explicit ReachableNode(AddressKind kind) : kind_(kind) {}
  bool Eval(const Contact& contact) const override { return contact.HasReachable(kind_); }

 private:
  AddressKind kind_;
};

// Base for attribute predicates: looks the attribute up once and hands the value on. A missing
// attribute makes every attribute predicate false, including != and `not in`, because "we know
// nothing" must not select people (e.g. `attr.consent_form != "no"`).
// What a person did: in the set of people the facts name. Unbound: nobody.
class BehaviourNode final : public Node {
 public:
  explicit BehaviourNode(const std::unordered_set<std::string>* people) : people_(people) {}
  bool Eval(const Contact& contact) const override {
    return people_ != nullptr && people_->contains(contact.id);
  }

 private:
  const std::unordered_set<std::string>* people_;
};

class AttributeNode : public Node {
 public:
  explicit AttributeNode(std::string name) : name_(std::move(name)) {}
  bool Eval(const Contact& contact) const final {
    auto it = contact.attributes.find(name_);
    if (it == contact.attributes.end()) return false;
    return EvalValue(it->second);
  }

 protected:
  virtual bool EvalValue(const AttributeValue& value) const = 0;

 private:
  std::string name_;
};

class ExistsNode final : public AttributeNode {
 public:
  using AttributeNode::AttributeNode;

 protected:
  bool EvalValue(const AttributeValue&) const override { return true; }
};

class AttributeCompareNode final : public AttributeNode {
 public:
  // `literal_text` is the string literal, or the number literal as written.
  AttributeCompareNode(std::string name, CompareOp op, std::string literal_text,
                       std::optional<double> literal_number)
      : AttributeNode(std::move(name)),
        op_(op),
        literal_text_(std::move(literal_text)),
        literal_is_number_(literal_number.has_value()),
        literal_number_(literal_number.value_or(0)) {}

 protected:
  bool EvalValue(const AttributeValue& value) const override {
    if (const double* number = std::get_if<double>(&value)) {
      if (literal_is_number_) return CompareNumbers(op_, *number, literal_number_);
      NumberBuffer buffer;
      return CompareText(op_, FormatNumber(*number, buffer), literal_text_);
    }
    const std::string& text = std::get<std::string>(value);
    double parsed = 0;
    if (literal_is_number_ && ParseFiniteNumber(text, &parsed)) {
      return CompareNumbers(op_, parsed, literal_number_);
    }
    return CompareText(op_, text, literal_text_);
  }

 private:
  CompareOp op_;
  std::string literal_text_;
  bool literal_is_number_;
  double literal_number_;
};

class AttributeInNode final : public AttributeNode {
 public:
  // `numbers` and `texts` must be sorted. Equality per element follows AttributeCompareNode:
  // numeric when both sides are numbers, text otherwise. A numeric literal never needs a text
  // check: text equal to a number literal's spelling would itself have parsed as a number.
  AttributeInNode(std::string name, std::vector<double> numbers, std::vector<std::string> texts,
                  bool negate)
      : AttributeNode(std::move(name)),
        numbers_(std::move(numbers)),
        texts_(std::move(texts)),
        negate_(negate) {}

 protected:
  bool EvalValue(const AttributeValue& value) const override { return Contains(value) != negate_; }

 private:
  bool Contains(const AttributeValue& value) const {
    if (const double* number = std::get_if<double>(&value)) {
      if (std::binary_search(numbers_.begin(), numbers_.end(), *number)) return true;
      if (texts_.empty()) return false;
      NumberBuffer buffer;
      return std::binary_search(texts_.begin(), texts_.end(), FormatNumber(*number, buffer),
                                TextLess);
    }
    const std::string& text = std::get<std::string>(value);
    double parsed = 0;
    if (!numbers_.empty() && ParseFiniteNumber(text, &parsed) &&
        std::binary_search(numbers_.begin(), numbers_.end(), parsed)) {
      return true;
    }
    return std::binary_search(texts_.begin(), texts_.end(), std::string_view(text), TextLess);
  }

  std::vector<double> numbers_;
  std::vector<std::string> texts_;
  bool negate_;
};

class AttributeStartsWithNode final : public AttributeNode {
 public:
  AttributeStartsWithNode(std::string name, std::string prefix)
      : AttributeNode(std::move(name)), prefix_(std::move(prefix)) {}

 protected:
  bool EvalValue(const AttributeValue& value) const override {
    if (const double* number = std::get_if<double>(&value)) {
      NumberBuffer buffer;
      return FormatNumber(*number, buffer).starts_with(prefix_);
    }
    return std::string_view(std::get<std::string>(value)).starts_with(prefix_);
  }

 private:
  std::string prefix_;
};

// ---------------------------------------------------------------------------------------------
// Lexer. The whole text is tokenised up front; a lexical error becomes a final kError token so
// that the parser reports whichever problem comes first in the text.

enum class TokenKind {
  kIdent,   // Field, function or address kind; `value` is lower-cased.
  kAttr,    // attr.<name>; `value` is the name, case preserved.
  kString,  // `value` is the decoded text.
  kNumber,  // `number` holds the value, `source` the spelling.
  kLParen,
  kRParen,
  kComma,
  kEq,
  kNe,
  kLt,
  kLe,
  kGt,
  kGe,
  kAnd,
  kOr,
  kNot,
  kIn,
  kTrue,
  kFalse,
  kEnd,
  kError,  // `value` is the message.
};

struct Token {
  TokenKind kind = TokenKind::kEnd;
  size_t pos = 0;
  std::string_view source;  // The token's bytes in the expression text.
  std::string value;
  double number = 0;
};

absl::Status ErrorAt(size_t pos, std::string_view message) {
  return absl::InvalidArgumentError(Cat("at position ", pos, ": ", message));
}

bool IsDigit(char c) { return c >= '0' && c <= '9'; }
bool IsAlpha(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }
bool IsIdentStart(char c) { return IsAlpha(c) || c == '_'; }
bool IsIdentChar(char c) { return IsAlpha(c) || IsDigit(c) || c == '_'; }

// Length of the well-formed UTF-8 sequence starting at text[i], or 0 (rejects overlongs,
// surrogates and code points above U+10FFFF).
size_t Utf8SequenceLength(std::string_view text, size_t i) {
  auto byte = [&](size_t k) -> unsigned {
    return i + k < text.size() ? static_cast<unsigned char>(text[i + k]) : 0u;
  };
  auto cont = [&](size_t k, unsigned lo = 0x80, unsigned hi = 0xBF) {
    unsigned b = byte(k);
    return b >= lo && b <= hi;
  };
  unsigned b0 = byte(0);
  if (b0 < 0x80) return 1;
  if (b0 >= 0xC2 && b0 <= 0xDF) return cont(1) ? 2 : 0;
  if (b0 == 0xE0) return cont(1, 0xA0) && cont(2) ? 3 : 0;
  if (b0 == 0xED) return cont(1, 0x80, 0x9F) && cont(2) ? 3 : 0;
  if (b0 >= 0xE1 && b0 <= 0xEF) return cont(1) && cont(2) ? 3 : 0;
  if (b0 == 0xF0) return cont(1, 0x90) && cont(2) && cont(3) ? 4 : 0;
  if (b0 >= 0xF1 && b0 <= 0xF3) return cont(1) && cont(2) && cont(3) ? 4 : 0;
  if (b0 == 0xF4) return cont(1, 0x80, 0x8F) && cont(2) && cont(3) ? 4 : 0;
  return 0;
}

// Messages end up in JSON API responses, so bytes that are not printable UTF-8 are shown in hex.
std::string DescribeCharAt(std::string_view text, size_t i) {
  unsigned char c = static_cast<unsigned char>(text[i]);
  if (c > 0x20 && c < 0x7F) return Cat("character '", text.substr(i, 1), "'");
  if (c >= 0x80) {
    if (size_t len = Utf8SequenceLength(text, i); len > 0) {
      return Cat("character '", text.substr(i, len), "'");
    }
  }
  constexpr char kHex[] = "0123456789ABCDEF";
  return Cat("byte 0x", std::string_view(&kHex[c >> 4], 1), std::string_view(&kHex[c & 15], 1));
}

class Lexer {
 public:
  explicit Lexer(std::string_view text) : text_(text) {}

  std::vector<Token> Run() {
    std::vector<Token> tokens;
    while (true) {
      while (i_ < text_.size() && IsSpace(text_[i_])) ++i_;
      if (i_ == text_.size()) {
        Token end;
        end.kind = TokenKind::kEnd;
        end.pos = i_;
        tokens.push_back(std::move(end));
        return tokens;
      }
      tokens.push_back(Next());
      if (tokens.back().kind == TokenKind::kError) return tokens;
    }
  }

 private:
  static bool IsSpace(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; }

  Token Make(TokenKind kind, size_t start) {
    Token token;
    token.kind = kind;
    token.pos = start;
    token.source = text_.substr(start, i_ - start);
    return token;
  }

  Token Fail(size_t pos, std::string message) {
    Token token;
    token.kind = TokenKind::kError;
    token.pos = pos;
    token.value = std::move(message);
    return token;
  }

  char PeekChar(size_t ahead = 0) const {
    return i_ + ahead < text_.size() ? text_[i_ + ahead] : '\0';
  }

  Token Next() {
    const size_t start = i_;
    const char c = text_[i_];
    switch (c) {
      case '(':
        ++i_;
        return Make(TokenKind::kLParen, start);
      case ')':
        ++i_;
        return Make(TokenKind::kRParen, start);
      case ',':
        ++i_;
        return Make(TokenKind::kComma, start);
      case '=':
        if (PeekChar(1) == '=') return Fail(start, "'==' is not an operator; use '=' for equality");
        ++i_;
        return Make(TokenKind::kEq, start);
      case '!':
        if (PeekChar(1) != '=') return Fail(start, "unexpected character '!'; use 'not' to negate");
        i_ += 2;
        return Make(TokenKind::kNe, start);
      case '<':
        i_ += PeekChar(1) == '=' ? 2 : 1;
        return Make(i_ - start == 2 ? TokenKind::kLe : TokenKind::kLt, start);
      case '>':
        i_ += PeekChar(1) == '=' ? 2 : 1;
        return Make(i_ - start == 2 ? TokenKind::kGe : TokenKind::kGt, start);
      case '"':
        return LexString();
      case '&':
        return Fail(start, "unexpected character '&'; use 'and'");
      case '|':
        return Fail(start, "unexpected character '|'; use 'or'");
      case '\'':
        return Fail(start, "unexpected single quote; text values use double quotes, e.g. \"DE\"");
      default:
        break;
    }
    if (IsDigit(c) || (c == '-' && IsDigit(PeekChar(1)))) return LexNumber();
    if (IsIdentStart(c)) return LexWord();
    return Fail(start, Cat("unexpected ", DescribeCharAt(text_, start)));
  }

  Token LexString() {
    const size_t start = i_++;
    std::string value;
    while (true) {
      if (i_ >= text_.size()) {
        return Fail(start, "unterminated string: no closing '\"' for the quote here");
      }
      const char c = text_[i_];
      if (c == '"') {
        ++i_;
        break;
      }
      if (c == '\\') {
        if (i_ + 1 >= text_.size()) {
          return Fail(start, "unterminated string: no closing '\"' for the quote here");
        }
        const char escaped = text_[i_ + 1];
        if (escaped != '"' && escaped != '\\') {
          return Fail(i_, Cat("unknown escape: the ", DescribeCharAt(text_, i_ + 1),
                              " after '\\'; only \\\" and \\\\ are allowed in strings"));
        }
        value.push_back(escaped);
        i_ += 2;
        continue;
      }
      const size_t len = Utf8SequenceLength(text_, i_);
      if (len == 0) return Fail(i_, "invalid UTF-8 in string");
      value.append(text_.substr(i_, len));
      i_ += len;
    }
    Token token = Make(TokenKind::kString, start);
    token.value = std::move(value);
    return token;
  }

  Token LexNumber() {
    const size_t start = i_;
    if (text_[i_] == '-') ++i_;
    while (IsDigit(PeekChar())) ++i_;
    bool malformed = false;
    if (PeekChar() == '.') {
      ++i_;
      if (!IsDigit(PeekChar())) malformed = true;
      while (IsDigit(PeekChar())) ++i_;
    }
    if (PeekChar() == 'e' || PeekChar() == 'E') {
      ++i_;
      if (PeekChar() == '+' || PeekChar() == '-') ++i_;
      if (!IsDigit(PeekChar())) malformed = true;
      while (IsDigit(PeekChar())) ++i_;
    }
    if (malformed || IsIdentChar(PeekChar()) || PeekChar() == '.') {
      while (IsIdentChar(PeekChar()) || PeekChar() == '.' || PeekChar() == '-') ++i_;
      return Fail(start, Cat("malformed number '", text_.substr(start, i_ - start),
                             "'; write numbers like 2, -1.5 or 1e3"));
    }
    Token token = Make(TokenKind::kNumber, start);
    auto [end, ec] = std::from_chars(token.source.data(), token.source.data() + token.source.size(),
                                     token.number);
    if (ec != std::errc() || !std::isfinite(token.number)) {
      return Fail(start, Cat("number '", token.source, "' is out of range"));
    }
    return token;
  }

  Token LexWord() {
    const size_t start = i_;
    while (IsIdentChar(PeekChar())) ++i_;
    std::string lower = AsciiLower(text_.substr(start, i_ - start));
    if (lower == "attr" && PeekChar() == '.') {
      ++i_;
      const size_t name_start = i_;
      while (IsIdentChar(PeekChar()) || PeekChar() == '-') ++i_;
      if (i_ == name_start) {
        return Fail(name_start,
                    "expected an attribute name after 'attr.' (letters, digits, '_' or '-')");
      }
      Token token = Make(TokenKind::kAttr, start);
      token.value = std::string(text_.substr(name_start, i_ - name_start));
      return token;
    }
    static constexpr std::array<std::pair<std::string_view, TokenKind>, 6> kKeywords = {{
        {"and", TokenKind::kAnd},
        {"or", TokenKind::kOr},
        {"not", TokenKind::kNot},
        {"in", TokenKind::kIn},
        {"true", TokenKind::kTrue},
        {"false", TokenKind::kFalse},
    }};
    for (const auto& [word, kind] : kKeywords) {
      if (lower == word) return Make(kind, start);
    }
    Token token = Make(TokenKind::kIdent, start);
    token.value = std::move(lower);
    return token;
  }

  std::string_view text_;
  size_t i_ = 0;
};

// ---------------------------------------------------------------------------------------------
// Fields.

enum class FieldKind { kText, kVerified, kLanguages, kTags, kChannels, kAttribute };

struct FieldDef {
  std::string_view name;
  FieldKind kind;
  TextMember member;
  bool upper_case;  // Stored upper case; literals are normalised so comparisons ignore case.
};

constexpr std::array<FieldDef, 10> kFields = {{
    {"id", FieldKind::kText, &Contact::id, false},
    {"name", FieldKind::kText, &Contact::name, false},
    {"post", FieldKind::kText, &Contact::post_id, false},
    {"country", FieldKind::kText, &Contact::country, true},
    {"city", FieldKind::kText, &Contact::city, false},
    {"timezone", FieldKind::kText, &Contact::time_zone, false},
    {"verified", FieldKind::kVerified, nullptr, false},
    {"languages", FieldKind::kLanguages, nullptr, false},
    {"tags", FieldKind::kTags, nullptr, false},
    {"channels", FieldKind::kChannels, nullptr, false},
}};

struct Field {
  FieldKind kind = FieldKind::kText;
  std::string name;  // As shown in messages: canonical field name or "attr.<name>".
  TextMember member = nullptr;
  bool upper_case = false;
  std::string attribute;  // kAttribute only.
  size_t pos = 0;
};

bool IsListField(const Field& field) {
  return field.kind == FieldKind::kLanguages || field.kind == FieldKind::kTags ||
         field.kind == FieldKind::kChannels;
}

std::string MembershipExample(const Field& field) {
  switch (field.kind) {
    case FieldKind::kLanguages:
      return "\"ka\" in languages";
    case FieldKind::kTags:
      return "\"vip\" in tags";
    default:
      return "\"whatsapp\" in channels";
  }
}

enum class Function {
  kHas,
  kReachable,
  kExists,
  kStartsWith,
  kReplied,
  kClicked,
  kOptedOut,
  kCompleted,
  kRsvp,
  kAttended,
  kAnswered
};

constexpr std::array<std::pair<std::string_view, Function>, 11> kFunctions = {{
    {"has", Function::kHas},
    {"reachable", Function::kReachable},
    {"exists", Function::kExists},
    {"starts_with", Function::kStartsWith},
    {"replied", Function::kReplied},
    {"clicked", Function::kClicked},
    {"opted_out", Function::kOptedOut},
    {"completed", Function::kCompleted},
    {"rsvp", Function::kRsvp},
    {"attended", Function::kAttended},
    {"answered", Function::kAnswered},
}};

constexpr std::array<std::string_view, 8> kSeatStates = {
    "invited", "yes", "no", "maybe", "waitlisted", "offered", "cancelled", "attended"};

std::optional<Function> LookupFunction(std::string_view name) {
  for (const auto& [n, f] : kFunctions) {
    if (n == name) return f;
  }
  return std::nullopt;
}

std::optional<CompareOp> ToCompareOp(TokenKind kind) {
  switch (kind) {
    case TokenKind::kEq:
      return CompareOp::kEq;
    case TokenKind::kNe:
      return CompareOp::kNe;
    case TokenKind::kLt:
      return CompareOp::kLt;
    case TokenKind::kLe:
      return CompareOp::kLe;
    case TokenKind::kGt:
      return CompareOp::kGt;
    case TokenKind::kGe:
      return CompareOp::kGe;
    default:
      return std::nullopt;
  }
}

// Shortens long tokens in messages without splitting a UTF-8 sequence.
std::string Abbreviate(std::string_view text) {
  constexpr size_t kMax = 40;
  if (text.size() <= kMax) return std::string(text);
  size_t cut = kMax;
  while (cut > 0 && (static_cast<unsigned char>(text[cut]) & 0xC0) == 0x80) --cut;
  return Cat(text.substr(0, cut), "...");
}

std::string Describe(const Token& token) {
  if (token.kind == TokenKind::kEnd) return "end of expression";
  if (token.kind == TokenKind::kString) return Abbreviate(token.source);
  return Cat("'", Abbreviate(token.source), "'");
}

// ---------------------------------------------------------------------------------------------
// Parser: recursive descent that type-checks and compiles in one pass.
//
//   or      := and ("or" and)*
//   and     := unary ("and" unary)*
//   unary   := "not" unary | primary
//   primary := "(" or ")" | "true" | "false" | call | field-condition | value-in-list-field

class Parser {
 public:
  explicit Parser(std::vector<Token> tokens) : tokens_(std::move(tokens)) {}

  absl::StatusOr<NodePtr> ParseAll() {
    if (Peek().kind == TokenKind::kEnd) return ErrorAt(0, "expression is empty");
    ASSIGN_OR_RETURN(NodePtr root, ParseOr(0));
    const Token& rest = Peek();
    if (rest.kind == TokenKind::kRParen) {
      return ErrorAt(rest.pos, "unmatched ')': there is no '(' for it to close");
    }
    if (rest.kind != TokenKind::kEnd) {
      return Unexpected(rest, "'and', 'or' or the end of the expression");
    }
    return root;
  }

 private:
  const Token& Peek(size_t ahead = 0) const {
    return tokens_[std::min(pos_ + ahead, tokens_.size() - 1)];
  }
  // Never moves past the final kEnd/kError token.
  const Token& Advance() {
    const Token& token = tokens_[pos_];
    if (pos_ + 1 < tokens_.size()) ++pos_;
    return token;
  }

  // Reports `found` where `expected` was needed; a lexical error at that spot takes precedence.
  static absl::Status Unexpected(const Token& found, std::string_view expected) {
    if (found.kind == TokenKind::kError) return ErrorAt(found.pos, found.value);
    return ErrorAt(found.pos, Cat("expected ", expected, ", found ", Describe(found)));
  }

  static absl::Status DepthError(size_t pos) {
    return ErrorAt(pos, Cat("expression nests deeper than the limit of ",
                            SegmentExpression::kMaxDepth, " levels of parentheses and 'not'"));
  }

  absl::StatusOr<NodePtr> ParseOr(int depth) {
    ASSIGN_OR_RETURN(NodePtr first, ParseAnd(depth));
    if (Peek().kind != TokenKind::kOr) return first;
    std::vector<NodePtr> children;
    children.push_back(std::move(first));
    while (Peek().kind == TokenKind::kOr) {
      Advance();
      ASSIGN_OR_RETURN(NodePtr next, ParseAnd(depth));
      children.push_back(std::move(next));
    }
    return std::make_unique<OrNode>(std::move(children));
  }

  absl::StatusOr<NodePtr> ParseAnd(int depth) {
    ASSIGN_OR_RETURN(NodePtr first, ParseUnary(depth));
    if (Peek().kind != TokenKind::kAnd) return first;
    std::vector<NodePtr> children;
    children.push_back(std::move(first));
    while (Peek().kind == TokenKind::kAnd) {
      Advance();
      ASSIGN_OR_RETURN(NodePtr next, ParseUnary(depth));
      children.push_back(std::move(next));
    }
    return std::make_unique<AndNode>(std::move(children));
  }

  absl::StatusOr<NodePtr> ParseUnary(int depth) {
    if (Peek().kind != TokenKind::kNot) return ParsePrimary(depth);
    const Token& not_token = Advance();
    if (depth + 1 > SegmentExpression::kMaxDepth) return DepthError(not_token.pos);
    ASSIGN_OR_RETURN(NodePtr operand, ParseUnary(depth + 1));
    return std::make_unique<NotNode>(std::move(operand));
  }

  absl::StatusOr<NodePtr> ParsePrimary(int depth) {
    const Token& token = Peek();
    switch (token.kind) {
      case TokenKind::kLParen: {
        Advance();
        if (depth + 1 > SegmentExpression::kMaxDepth) return DepthError(token.pos);
        ASSIGN_OR_RETURN(NodePtr inner, ParseOr(depth + 1));
        const Token& close = Peek();
        if (close.kind != TokenKind::kRParen) {
          return Unexpected(close, Cat("')' to close the '(' at position ", token.pos));
        }
        Advance();
        return inner;
      }
      case TokenKind::kTrue:
      case TokenKind::kFalse:
        Advance();
        return std::make_unique<ConstNode>(token.kind == TokenKind::kTrue);
      case TokenKind::kString:
      case TokenKind::kNumber:
        return ParseValueInListField();
      case TokenKind::kIdent:
        if (Peek(1).kind == TokenKind::kLParen) return ParseCall();
        return ParseFieldCondition();
      case TokenKind::kAttr:
        return ParseFieldCondition();
      default:
        return Unexpected(token, "a condition such as country = \"DE\"");
    }
  }

  static absl::StatusOr<Field> ResolveField(const Token& token) {
    Field field;
    field.pos = token.pos;
    if (token.kind == TokenKind::kAttr) {
      field.kind = FieldKind::kAttribute;
      field.name = Cat("attr.", token.value);
      field.attribute = token.value;
      return field;
    }
    for (const FieldDef& def : kFields) {
      if (def.name == token.value) {
        field.kind = def.kind;
        field.name = std::string(def.name);
        field.member = def.member;
        field.upper_case = def.upper_case;
        return field;
      }
    }
    std::string hint;
    if (LookupFunction(token.value)) {
      hint = Cat("; '", token.value, "' is a function, call it with parentheses");
    } else if (ParseAddressKind(token.value)) {
      hint = Cat("; to test for an address write has(", token.value, ") or reachable(", token.value,
                 ")");
    } else if (token.value == "attr") {
      hint = "; attributes are written attr.<name>, e.g. attr.age";
    } else {
      hint =
          "; known fields are id, name, post, country, city, timezone, verified, languages, tags, "
          "channels and attr.<name>";
    }
    return ErrorAt(token.pos, Cat("unknown field '", token.source, "'", hint));
  }

  // Rejects anything but a literal where a value must follow `after` (an operator or '(').
  static absl::Status ExpectedValue(const Token& found, std::string_view after) {
    if (found.kind == TokenKind::kIdent) {
      return ErrorAt(found.pos, Cat("expected a value after ", after, ", found '", found.source,
                                    "'; text values need double quotes: \"", found.source, "\""));
    }
    if (found.kind == TokenKind::kAttr) {
      return ErrorAt(found.pos, Cat("expected a value after ", after, ", found '", found.source,
                                    "'; fields cannot be compared with "
                                    "each other"));
    }
    return Unexpected(found, Cat("a value (text in double quotes, a number, true or "
                                 "false) after ",
                                 after));
  }

  // field = value, field in (...), field not in (...), or a bare `verified`.
  absl::StatusOr<NodePtr> ParseFieldCondition() {
    const Token& field_token = Advance();
    ASSIGN_OR_RETURN(Field field, ResolveField(field_token));
    const Token& next = Peek();
    if (IsListField(field) && next.kind != TokenKind::kError) {
      if (next.kind == TokenKind::kEnd || next.kind == TokenKind::kAnd ||
          next.kind == TokenKind::kOr || next.kind == TokenKind::kRParen) {
        return ErrorAt(field.pos, Cat("'", field.name,
                                      "' is a list and not a condition by itself; test "
                                      "membership with ",
                                      MembershipExample(field)));
      }
      return ErrorAt(next.pos,
                     Cat("'", next.source, "' cannot be used on the list field '", field.name,
                         "'; test membership with ", MembershipExample(field)));
    }
    if (next.kind == TokenKind::kIn) {
      Advance();
      return ParseInList(field, next, /*negate=*/false);
    }
    if (next.kind == TokenKind::kNot) {
      Advance();
      const Token& in = Peek();
      if (in.kind != TokenKind::kIn) {
        return Unexpected(in, Cat("'in' after '", field.name, " not'"));
      }
      Advance();
      return ParseInList(field, in, /*negate=*/true);
    }
    if (std::optional<CompareOp> op = ToCompareOp(next.kind)) {
      Advance();
      return ParseComparison(field, next, *op);
    }
    if (field.kind == FieldKind::kVerified &&
        (next.kind == TokenKind::kEnd || next.kind == TokenKind::kAnd ||
         next.kind == TokenKind::kOr || next.kind == TokenKind::kRParen)) {
      return std::make_unique<VerifiedNode>(true);  // Bare `verified` means verified = true.
    }
    return Unexpected(next,
                      Cat("a comparison (=, !=, <, <=, >, >=) or 'in' after '", field.name, "'"));
  }

  absl::StatusOr<NodePtr> ParseComparison(const Field& field, const Token& op_token, CompareOp op) {
    if (field.kind == FieldKind::kVerified && op != CompareOp::kEq && op != CompareOp::kNe) {
      return ErrorAt(op_token.pos, Cat("'", op_token.source,
                                       "' cannot be used on 'verified', which is true "
                                       "or false; use = or !="));
    }
    const Token& value = Peek();
    if (value.kind != TokenKind::kString && value.kind != TokenKind::kNumber &&
        value.kind != TokenKind::kTrue && value.kind != TokenKind::kFalse) {
      return ExpectedValue(value, Cat("'", op_token.source, "'"));
    }
    Advance();
    switch (field.kind) {
      case FieldKind::kVerified: {
        if (value.kind != TokenKind::kTrue && value.kind != TokenKind::kFalse) {
          return ErrorAt(value.pos, Cat("type mismatch: 'verified' is true or false, "
                                        "found ",
                                        Describe(value)));
        }
        const bool literal = value.kind == TokenKind::kTrue;
        return std::make_unique<VerifiedNode>(op == CompareOp::kEq ? literal : !literal);
      }
      case FieldKind::kAttribute: {
        if (value.kind == TokenKind::kTrue || value.kind == TokenKind::kFalse) {
          return ErrorAt(value.pos, Cat("type mismatch: attributes hold text or numbers, "
                                        "not true/false; to compare text write \"",
                                        value.source, "\""));
        }
        if (value.kind == TokenKind::kNumber) {
          return std::make_unique<AttributeCompareNode>(field.attribute, op,
                                                        std::string(value.source), value.number);
        }
        return std::make_unique<AttributeCompareNode>(field.attribute, op, value.value,
                                                      std::nullopt);
      }
      default:  // kText; list fields were rejected by the caller.
        if (value.kind != TokenKind::kString) return TextTypeError(field, value);
        return std::make_unique<TextCompareNode>(field.member, op, NormalizeLiteral(field, value));
    }
  }

  static absl::Status TextTypeError(const Field& field, const Token& value) {
    return ErrorAt(value.pos,
                   Cat("type mismatch: '", field.name,
                       "' is text; put the value in double quotes, e.g. \"", value.source, "\""));
  }

  static std::string NormalizeLiteral(const Field& field, const Token& value) {
    return field.upper_case ? AsciiUpper(value.value) : value.value;
  }

  // After `field in` / `field not in`: a parenthesised, non-empty list of literals.
  absl::StatusOr<NodePtr> ParseInList(const Field& field, const Token& in_token, bool negate) {
    if (field.kind == FieldKind::kVerified) {
      return ErrorAt(
          in_token.pos,
          "'in' cannot be used on 'verified'; write verified = true or verified = false");
    }
    const Token& open = Peek();
    if (open.kind != TokenKind::kLParen) {
      return Unexpected(open, "'(' to start the list of values after 'in'");
    }
    Advance();
    if (Peek().kind == TokenKind::kRParen) {
      return ErrorAt(Peek().pos, "the list after 'in' is empty; give at least one value");
    }
    std::vector<std::string> texts;
    std::vector<double> numbers;
    while (true) {
      const Token& value = Peek();
      if (value.kind != TokenKind::kString && value.kind != TokenKind::kNumber &&
          value.kind != TokenKind::kTrue && value.kind != TokenKind::kFalse) {
        return ExpectedValue(value, "'(' or ','");
      }
      Advance();
      if (field.kind == FieldKind::kAttribute) {
        if (value.kind == TokenKind::kNumber) {
          numbers.push_back(value.number);
        } else if (value.kind == TokenKind::kString) {
          texts.push_back(value.value);
        } else {
          return ErrorAt(value.pos, Cat("type mismatch: attributes hold text or "
                                        "numbers, not true/false; to compare text "
                                        "write \"",
                                        value.source, "\""));
        }
      } else {
        if (value.kind != TokenKind::kString) return TextTypeError(field, value);
        texts.push_back(NormalizeLiteral(field, value));
      }
      const Token& separator = Peek();
      if (separator.kind == TokenKind::kComma) {
        Advance();
        continue;
      }
      if (separator.kind == TokenKind::kRParen) {
        Advance();
        break;
      }
      return Unexpected(separator, Cat("',' or ')' in the list opened at position ", open.pos));
    }
    std::sort(texts.begin(), texts.end());
    texts.erase(std::unique(texts.begin(), texts.end()), texts.end());
    std::sort(numbers.begin(), numbers.end());
    if (field.kind == FieldKind::kAttribute) {
      return std::make_unique<AttributeInNode>(field.attribute, std::move(numbers),
                                               std::move(texts), negate);
    }
    NodePtr node = std::make_unique<TextInNode>(field.member, std::move(texts));
    if (negate) node = std::make_unique<NotNode>(std::move(node));
    return node;
  }

  // "value" in <list field>, "value" not in <list field>.
  absl::StatusOr<NodePtr> ParseValueInListField() {
    const Token& value = Advance();
    bool negate = false;
    if (Peek().kind == TokenKind::kNot) {
      Advance();
      negate = true;
      if (Peek().kind != TokenKind::kIn) {
        return Unexpected(Peek(), Cat("'in' after ", Describe(value), " not"));
      }
    }
    const Token& in = Peek();
    if (in.kind != TokenKind::kIn) {
      return Unexpected(in, Cat("'in' after the value ", Describe(value),
                                " (a value comes first only in membership tests like "
                                "\"vip\" in tags; comparisons put the field first, "
                                "e.g. country = \"DE\")"));
    }
    Advance();
    const Token& field_token = Peek();
    if (field_token.kind == TokenKind::kLParen) {
      return ErrorAt(field_token.pos,
                     "a value cannot be tested against a list of values; put a "
                     "field before 'in', e.g. country in (\"DE\", \"GR\")");
    }
    if (field_token.kind != TokenKind::kIdent && field_token.kind != TokenKind::kAttr) {
      return Unexpected(field_token, "a list field (languages, tags or channels) after 'in'");
    }
    Advance();
    ASSIGN_OR_RETURN(Field field, ResolveField(field_token));
    if (!IsListField(field)) {
      return ErrorAt(field_token.pos,
                     Cat("'", field.name, "' is not a list; write ", field.name, " = ",
                         Describe(value), " or ", field.name, " in (", Describe(value), ", ...)"));
    }
    if (value.kind != TokenKind::kString) {
      return ErrorAt(value.pos, Cat("type mismatch: '", field.name,
                                    "' holds text; put the value in double quotes, "
                                    "e.g. \"",
                                    value.source, "\""));
    }
    NodePtr node;
    switch (field.kind) {
      case FieldKind::kLanguages:
        if (value.value.empty()) return ErrorAt(value.pos, "empty language tag");
        node = std::make_unique<LanguageNode>(AsciiLower(value.value));
        break;
      case FieldKind::kTags:
        node = std::make_unique<TagNode>(value.value);
        break;
      default: {  // kChannels: the address kinds the contact has.
        std::optional<AddressKind> kind = ParseAddressKind(AsciiLower(value.value));
        if (!kind) {
          return ErrorAt(value.pos,
                         Cat("unknown address kind ", Describe(value),
                             " in channels; expected one of ", kKindList, " (SMS goes to phone)"));
        }
        node = std::make_unique<HasKindNode>(*kind);
        break;
      }
    }
    if (negate) node = std::make_unique<NotNode>(std::move(node));
    return node;
  }

  // has(kind), reachable(kind), exists(attr.x), starts_with(field, "prefix").
  absl::StatusOr<NodePtr> ParseCall() {
    const Token& name = Advance();
    const Token& open = Advance();  // The caller saw the '('.
    std::optional<Function> function = LookupFunction(name.value);
    if (!function) {
      return ErrorAt(name.pos, Cat("unknown function '", name.source,
                                   "'; known functions are has, reachable, exists, "
                                   "starts_with, replied, clicked, opted_out, completed, "
                                   "answered, rsvp and attended"));
    }
    NodePtr node;
    switch (*function) {
      case Function::kHas:
      case Function::kReachable: {
        const Token& arg = Peek();
        if (arg.kind == TokenKind::kString) {
          return ErrorAt(
              arg.pos, Cat("write the address kind without quotes, e.g. ", name.value, "(email)"));
        }
        if (arg.kind != TokenKind::kIdent) {
          return Unexpected(arg, Cat("an address kind (", kKindList, ") in ", name.value, "()"));
        }
        Advance();
        std::optional<AddressKind> kind = ParseAddressKind(arg.value);
        if (!kind) {
          return ErrorAt(arg.pos, Cat("unknown address kind '", arg.source, "'; expected one of ",
                                      kKindList, " (SMS goes to phone)"));
        }
        if (*function == Function::kHas) {
          node = std::make_unique<HasKindNode>(*kind);
        } else {
          node = std::make_unique<ReachableNode>(*kind);
        }
        break;
      }
      case Function::kExists: {
        const Token& arg = Peek();
        if (arg.kind != TokenKind::kAttr) {
          return Unexpected(arg, "an attribute such as attr.age in exists()");
        }
        Advance();
        node = std::make_unique<ExistsNode>(arg.value);
        break;
      }
      case Function::kReplied:
      case Function::kClicked:
      case Function::kOptedOut:
      case Function::kCompleted:
      case Function::kRsvp:
      case Function::kAttended:
      case Function::kAnswered: {
        ASSIGN_OR_RETURN(node, ParseBehaviour(*function, name));
        break;
      }
      case Function::kStartsWith: {
        const Token& field_token = Peek();
        if (field_token.kind != TokenKind::kIdent && field_token.kind != TokenKind::kAttr) {
          return Unexpected(field_token,
                            "a text field such as name or attr.<name> as the first "
                            "argument of starts_with()");
        }
        Advance();
        ASSIGN_OR_RETURN(Field field, ResolveField(field_token));
        if (field.kind != FieldKind::kText && field.kind != FieldKind::kAttribute) {
          return ErrorAt(field_token.pos,
                         Cat("type mismatch: starts_with() needs a text field (id, name, "
                             "post, country, city, timezone or attr.<name>), and '",
                             field.name, "' is not one"));
        }
        const Token& comma = Peek();
        if (comma.kind != TokenKind::kComma) {
          return Unexpected(comma, "',' after the first argument of starts_with()");
        }
        Advance();
        const Token& prefix = Peek();
        if (prefix.kind != TokenKind::kString) {
          if (prefix.kind == TokenKind::kNumber) return TextTypeError(field, prefix);
          return Unexpected(prefix,
                            "a prefix in double quotes as the second argument of "
                            "starts_with()");
        }
        Advance();
        if (field.kind == FieldKind::kAttribute) {
          node = std::make_unique<AttributeStartsWithNode>(field.attribute, prefix.value);
        } else {
          node =
              std::make_unique<TextStartsWithNode>(field.member, NormalizeLiteral(field, prefix));
        }
        break;
      }
    }
    const Token& close = Peek();
    if (close.kind != TokenKind::kRParen) {
      return Unexpected(close, Cat("')' to close ", name.value, "( at position ", open.pos));
    }
    Advance();
    return node;
  }

  // The arguments of a behaviour predicate, after its '(': a campaign or event id in double
  // quotes, and for rsvp a seat state.
  absl::StatusOr<NodePtr> ParseBehaviour(Function function, const Token& name) {
    const bool event = function == Function::kRsvp || function == Function::kAttended;
    const Token& id = Peek();
    if (id.kind != TokenKind::kString) {
      return Unexpected(
          id,
          Cat(event ? "an event id in double quotes" : "a campaign id in double quotes", " in ",
              name.value, "(), e.g. ", name.value, event ? "(\"evt_...\"" : "(\"cmp_...\"", ")"));
    }
    const std::string_view prefix = event ? "evt_" : "cmp_";
    if (!id.value.starts_with(prefix) || id.value.size() > 64) {
      return ErrorAt(id.pos, Cat("'", Abbreviate(id.source), "' is not ",
                                 event ? "an event id (evt_...)" : "a campaign id (cmp_...)"));
    }
    Advance();
    BehaviourRef ref;
    ref.id = id.value;
    switch (function) {
      case Function::kReplied:
        ref.kind = BehaviourRef::Kind::kReplied;
        break;
      case Function::kClicked:
        ref.kind = BehaviourRef::Kind::kClicked;
        break;
      case Function::kOptedOut:
        ref.kind = BehaviourRef::Kind::kOptedOut;
        break;
      case Function::kCompleted:
        ref.kind = BehaviourRef::Kind::kCompleted;
        break;
      case Function::kAttended:
        ref.kind = BehaviourRef::Kind::kRsvp;
        ref.state = "attended";
        break;
      case Function::kAnswered: {
        // answered("cmp_...", "question") or answered("cmp_...", "question", "value").
        ref.kind = BehaviourRef::Kind::kAnswered;
        for (std::string* out : {&ref.question, &ref.state}) {
          const Token& comma = Peek();
          if (comma.kind != TokenKind::kComma) {
            if (out == &ref.state) break;  // The value is optional.
            return Unexpected(comma,
                              "',' and a question after the campaign of answered(), e.g. "
                              "answered(\"cmp_...\", \"attend\", \"yes\")");
          }
          Advance();
          const Token& arg = Peek();
          if (arg.kind != TokenKind::kString || arg.value.empty() || arg.value.size() > 32) {
            return ErrorAt(arg.pos, out == &ref.question
                                        ? "answered() takes a question key in double quotes"
                                        : "answered() takes an answer value in double quotes");
          }
          Advance();
          *out = arg.value;
        }
        break;
      }
      default: {
        ref.kind = BehaviourRef::Kind::kRsvp;
        const Token& comma = Peek();
        if (comma.kind != TokenKind::kComma) {
          return Unexpected(comma,
                            "',' and an answer after the event of rsvp(), e.g. "
                            "rsvp(\"evt_...\", \"yes\")");
        }
        Advance();
        const Token& state = Peek();
        const bool known =
            state.kind == TokenKind::kString &&
            std::find(kSeatStates.begin(), kSeatStates.end(), state.value) != kSeatStates.end();
        if (!known) {
          return ErrorAt(state.pos,
                         "rsvp() takes one of \"invited\", \"yes\", \"no\", "
                         "\"maybe\", \"waitlisted\", \"offered\", "
                         "\"cancelled\", \"attended\"");
        }
        Advance();
        ref.state = state.value;
      }
    }
    size_t index = std::find(behaviour_.begin(), behaviour_.end(), ref) - behaviour_.begin();
    if (index == behaviour_.size()) behaviour_.push_back(std::move(ref));
    const std::unordered_set<std::string>* people =
        facts_ != nullptr && index < facts_->people.size() ? &facts_->people[index] : nullptr;
    return std::make_unique<BehaviourNode>(people);
  }

 public:
  void set_facts(const BehaviourFacts* facts) { facts_ = facts; }
  std::vector<BehaviourRef> TakeBehaviour() { return std::move(behaviour_); }

 private:
  std::vector<Token> tokens_;  // Never empty: ends with kEnd or kError.
  size_t pos_ = 0;
  std::vector<BehaviourRef> behaviour_;
  const BehaviourFacts* facts_ = nullptr;
};

}  // namespace

std::optional<SegmentParseError> SegmentParseErrorFromStatus(const absl::Status& status) {
  constexpr std::string_view kPrefix = "at position ";
  if (status.code() != absl::StatusCode::kInvalidArgument) return std::nullopt;
  std::string_view message(status.message().data(), status.message().size());
  if (!message.starts_with(kPrefix)) return std::nullopt;
  message.remove_prefix(kPrefix.size());
  size_t position = 0;
  auto [end, ec] = std::from_chars(message.data(), message.data() + message.size(), position);
  if (ec != std::errc()) return std::nullopt;
  message.remove_prefix(static_cast<size_t>(end - message.data()));
  if (!message.starts_with(": ")) return std::nullopt;
  message.remove_prefix(2);
  return SegmentParseError{position, std::string(message)};
}

absl::StatusOr<SegmentExpression> SegmentExpression::Parse(
    std::string_view text, std::shared_ptr<const BehaviourFacts> facts) {
  if (text.size() > kMaxTextBytes) {
    return ErrorAt(kMaxTextBytes, Cat("expression is ", text.size(), " bytes long; the limit is ",
                                      kMaxTextBytes, " bytes"));
  }
  Parser parser(Lexer(text).Run());
  parser.set_facts(facts.get());
  ASSIGN_OR_RETURN(NodePtr root, parser.ParseAll());
  auto behaviour = std::make_shared<const std::vector<BehaviourRef>>(parser.TakeBehaviour());
  if (facts != nullptr && facts->people.size() != behaviour->size()) {
    return absl::InternalError("behaviour facts do not match the expression");
  }
  if (behaviour->empty()) facts.reset();
  return SegmentExpression(std::string(text), std::shared_ptr<const Node>(std::move(root)),
                           std::move(behaviour), std::move(facts));
}

SegmentExpression::SegmentExpression(std::string text,
                                     std::shared_ptr<const segment_internal::Node> root,
                                     std::shared_ptr<const std::vector<BehaviourRef>> behaviour,
                                     std::shared_ptr<const BehaviourFacts> facts)
    : text_(std::move(text)),
      root_(std::move(root)),
      behaviour_(std::move(behaviour)),
      facts_(std::move(facts)) {}

bool SegmentExpression::Matches(const Contact& contact) const {
  return root_ != nullptr && root_->Eval(contact);
}

}  // namespace ogw
