#include "gateway/contacts/contact_json.h"

#include <charconv>
#include <cstdint>
#include <cstring>
#include <limits>
#include <optional>
#include <system_error>

#include "gateway/contacts/normalize.h"

namespace ogw {

nlohmann::json AttributesJson(const Contact& c) {
  nlohmann::json attributes = nlohmann::json::object();
  for (const auto& [k, v] : c.attributes) {
    if (const auto* s = std::get_if<std::string>(&v)) {
      attributes[k] = *s;
    } else {
      attributes[k] = std::get<double>(v);
    }
  }
  return attributes;
}

nlohmann::json ContactToJson(const Contact& c) {
  nlohmann::json j;
  j["id"] = c.id;
  j["org_id"] = c.org_id;
  j["post_id"] = c.post_id;
  j["name"] = c.name;
  j["languages"] = c.languages;
  j["country"] = c.country;
  j["city"] = c.city;
  j["time_zone"] = c.time_zone;
  j["attributes"] = AttributesJson(c);
  j["tags"] = c.tags;
  nlohmann::json addresses = nlohmann::json::array();
  for (const auto& a : c.addresses) {
    nlohmann::json& stored = addresses.emplace_back();
    stored = nlohmann::json({
        {"kind", AddressKindName(a.kind)},
        {"value", a.value},
        {"verified", a.verified},
        {"consent",
         {{"state", ConsentStateName(a.consent.state)},
          {"source", a.consent.source},
          {"at", a.consent.at_millis}}},
        {"opted_out", a.opted_out},
        {"opted_out_at", a.opted_out_at_millis},
    });
    // Only when set, so the documents of the many valid addresses stay as they were.
    if (a.invalid) {
      stored["invalid"] = true;
      stored["invalid_reason"] = a.invalid_reason;
    }
  }
  j["addresses"] = std::move(addresses);
  nlohmann::json order = nlohmann::json::array();
  for (Channel ch : c.channel_order) order.push_back(ChannelName(ch));
  j["channel_order"] = std::move(order);
  j["verified"] = c.verified;
  j["created_at"] = c.created_at_millis;
  j["updated_at"] = c.updated_at_millis;
  return j;
}

nlohmann::json ContactToInputJson(const Contact& c) {
  nlohmann::json j = ContactToJson(c);
  for (const char* k : {"id", "org_id", "verified", "created_at", "updated_at"}) j.erase(k);
  for (auto& a : j["addresses"]) {
    a["consent"].erase("at");
    // Unknown consent has no source; ContactFromJson refuses an empty one.
    if (a["consent"]["source"].get<std::string>().empty()) a["consent"].erase("source");
    a.erase("opted_out_at");
    a.erase("invalid");
    a.erase("invalid_reason");
  }
  for (const char* k : {"country", "city", "time_zone", "post_id"}) {
    if (j[k].get<std::string>().empty()) j.erase(k);
  }
  return j;
}

std::string SerializeContact(const Contact& contact) { return ContactToJson(contact).dump(); }

namespace contact_json_internal {

namespace {

// Times are stored as integers. get<int64_t>() would convert a float (an integer too large for
// 64 bits, such as 1e28, parses as one) with undefined behaviour.
int64_t StoredInt(const nlohmann::json& value) {
  if (!value.is_number_integer()) {
    throw nlohmann::json::type_error::create(
        302, "type must be an integer, but is " + std::string(value.type_name()), &value);
  }
  return value.get<int64_t>();
}

}  // namespace

// The general path: any JSON, through an nlohmann::json tree.
absl::StatusOr<Contact> ParseStoredContactSlow(std::string_view document) {
  try {
    nlohmann::json j = nlohmann::json::parse(document);
    Contact c;
    c.id = j.at("id").get<std::string>();
    c.org_id = j.at("org_id").get<std::string>();
    c.post_id = j.at("post_id").get<std::string>();
    c.name = j.at("name").get<std::string>();
    c.languages = j.at("languages").get<std::vector<std::string>>();
    c.country = j.at("country").get<std::string>();
    c.city = j.at("city").get<std::string>();
    c.time_zone = j.at("time_zone").get<std::string>();
    for (const auto& [k, v] : j.at("attributes").items()) {
      if (v.is_string()) {
        c.attributes.emplace(k, v.get<std::string>());
      } else {
        c.attributes.emplace(k, v.get<double>());
      }
    }
    c.tags = j.at("tags").get<std::vector<std::string>>();
    for (const auto& a : j.at("addresses")) {
      Address addr;
      auto kind = ParseAddressKind(a.at("kind").get<std::string>());
      auto state = ParseConsentState(a.at("consent").at("state").get<std::string>());
      if (!kind || !state) return absl::DataLossError("stored contact has an unknown enum");
      addr.kind = *kind;
      addr.value = a.at("value").get<std::string>();
      addr.verified = a.at("verified").get<bool>();
      addr.consent.state = *state;
      addr.consent.source = a.at("consent").at("source").get<std::string>();
      addr.consent.at_millis = StoredInt(a.at("consent").at("at"));
      addr.opted_out = a.at("opted_out").get<bool>();
      addr.opted_out_at_millis = StoredInt(a.at("opted_out_at"));
      addr.invalid = a.value("invalid", false);
      addr.invalid_reason = a.value("invalid_reason", "");
      c.addresses.push_back(std::move(addr));
    }
    for (const auto& ch : j.at("channel_order")) {
      auto channel = ParseChannel(ch.get<std::string>());
      if (!channel) return absl::DataLossError("stored contact has an unknown channel");
      c.channel_order.push_back(*channel);
    }
    c.verified = j.at("verified").get<bool>();
    c.created_at_millis = StoredInt(j.at("created_at"));
    c.updated_at_millis = StoredInt(j.at("updated_at"));
    return c;
  } catch (const nlohmann::json::exception& e) {
    return absl::DataLossError(std::string("stored contact is not readable: ") + e.what());
  }
}

}  // namespace contact_json_internal

absl::StatusOr<Contact> ParseStoredContact(std::string_view document) {
  if (std::optional<Contact> fast = contact_json_internal::ParseStoredContactFast(document)) {
    return std::move(*fast);
  }
  return contact_json_internal::ParseStoredContactSlow(document);
}

// ---------------------------------------------------------------------------------------------
// The fast path.
//
// Segment evaluation parses every stored contact of an organisation, and building a generic
// nlohmann::json tree first (a std::map node and a heap string per member) was ~90 % of its
// client-side time. This reader walks the document once and fills the Contact directly. It
// accepts a strict subset of what the nlohmann path accepts, producing the same Contact, and
// gives up (nullopt) on anything else, which the nlohmann path then handles, errors included,
// exactly as before: \u escapes, integer attribute values, integer members written with a
// fraction or exponent, duplicate members, members of the wrong type, unknown enum names, a
// leading byte order mark, unknown members nested deeper than kMaxSkipDepth, malformed JSON.
namespace contact_json_internal {
namespace {

constexpr int kMaxSkipDepth = 64;

class FastReader {
 public:
  explicit FastReader(std::string_view text) : p_(text.data()), end_(text.data() + text.size()) {}

  bool AtEnd() {
    SkipWs();
    return p_ == end_;
  }

  // Consumes `c` (after whitespace) if it is next.
  bool Consume(char c) {
    SkipWs();
    if (p_ < end_ && *p_ == c) {
      ++p_;
      return true;
    }
    return false;
  }

  // A JSON string. `*out` views the document, or (when the string has escapes) a buffer that
  // the next call reuses. Only the escapes the serializer writes besides \u are decoded.
  bool String(std::string_view* out) {
    SkipWs();
    if (p_ == end_ || *p_ != '"') return false;
    const char* const begin = ++p_;
    uint64_t high = 0;  // OR of the bytes seen, to skip UTF-8 validation for ASCII.
    bool escaped = false;
    while (true) {
      // Eight bytes at a time while none is a quote, a backslash or a control character.
      while (end_ - p_ >= 8) {
        uint64_t w;
        std::memcpy(&w, p_, sizeof w);
        if (HasByteBelow(w ^ 0x2222222222222222ULL, 1) ||
            HasByteBelow(w ^ 0x5C5C5C5C5C5C5C5CULL, 1) || HasByteBelow(w, 0x20)) {
          break;
        }
        high |= w;
        p_ += 8;
      }
      if (p_ == end_) return false;
      const unsigned char ch = static_cast<unsigned char>(*p_);
      if (ch == '"') break;
      if (ch < 0x20) return false;
      if (ch == '\\') {
        escaped = true;
        if (++p_ == end_) return false;
      }
      high |= ch;
      ++p_;
    }
    const std::string_view raw(begin, static_cast<size_t>(p_ - begin));
    ++p_;  // Closing quote.
    if (!escaped) {
      *out = raw;
    } else {
      buffer_.clear();
      for (size_t i = 0; i < raw.size(); ++i) {
        if (raw[i] != '\\') {
          buffer_.push_back(raw[i]);
          continue;
        }
        switch (raw[++i]) {
          case '"':
            buffer_.push_back('"');
            break;
          case '\\':
            buffer_.push_back('\\');
            break;
          case '/':
            buffer_.push_back('/');
            break;
          case 'b':
            buffer_.push_back('\b');
            break;
          case 'f':
            buffer_.push_back('\f');
            break;
          case 'n':
            buffer_.push_back('\n');
            break;
          case 'r':
            buffer_.push_back('\r');
            break;
          case 't':
            buffer_.push_back('\t');
            break;
          default:
            return false;  // \u (or invalid): left to nlohmann.
        }
      }
      *out = buffer_;
    }
    // Escapes decode to ASCII, which never completes or splits a multi-byte sequence, so
    // checking the decoded text is checking the raw bytes, as nlohmann's lexer does.
    return (high & 0x8080808080808080ULL) == 0 || FindInvalidUtf8(*out) == std::string_view::npos;
  }

  bool String(std::string* out) {
    std::string_view view;
    if (!String(&view)) return false;
    out->assign(view);
    return true;
  }

  // A JSON number token: -?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?
  bool NumberToken(std::string_view* token, bool* integer) {
    SkipWs();
    const char* start = p_;
    if (p_ < end_ && *p_ == '-') ++p_;
    if (p_ == end_) return false;
    if (*p_ == '0') {
      ++p_;
    } else if (*p_ >= '1' && *p_ <= '9') {
      while (p_ < end_ && IsDigit(*p_)) ++p_;
    } else {
      return false;
    }
    *integer = true;
    if (p_ < end_ && *p_ == '.') {
      *integer = false;
      ++p_;
      if (p_ == end_ || !IsDigit(*p_)) return false;
      while (p_ < end_ && IsDigit(*p_)) ++p_;
    }
    if (p_ < end_ && (*p_ == 'e' || *p_ == 'E')) {
      *integer = false;
      ++p_;
      if (p_ < end_ && (*p_ == '+' || *p_ == '-')) ++p_;
      if (p_ == end_ || !IsDigit(*p_)) return false;
      while (p_ < end_ && IsDigit(*p_)) ++p_;
    }
    *token = std::string_view(start, static_cast<size_t>(p_ - start));
    return true;
  }

  // An integer member (the nlohmann path reads these with get<int64_t>()).
  bool Int64(int64_t* out) {
    std::string_view token;
    bool integer = false;
    if (!NumberToken(&token, &integer) || !integer) return false;
    const auto [ptr, ec] = std::from_chars(token.data(), token.data() + token.size(), *out);
    return ec == std::errc() && ptr == token.data() + token.size();
  }

  bool Bool(bool* out) {
    SkipWs();
    if (Literal("true")) {
      *out = true;
      return true;
    }
    if (Literal("false")) {
      *out = false;
      return true;
    }
    return false;
  }

  // Calls element() for each element of an array.
  template <typename Fn>
  bool Array(Fn&& element) {
    if (!Consume('[')) return false;
    if (Consume(']')) return true;
    do {
      if (!element()) return false;
    } while (Consume(','));
    return Consume(']');
  }

  // An array of strings into *out (replacing its contents).
  bool StringArray(std::vector<std::string>* out) {
    out->clear();
    return Array([&] { return String(&out->emplace_back()); });
  }

  // Calls member(key) positioned at each member's value. `key` may view the reader's buffer,
  // so it is only valid until the value is read.
  template <typename Fn>
  bool Object(Fn&& member) {
    if (!Consume('{')) return false;
    if (Consume('}')) return true;
    do {
      std::string_view key;
      if (!String(&key) || !Consume(':')) return false;
      if (!member(key)) return false;
    } while (Consume(','));
    return Consume('}');
  }

  // Skips any well-formed JSON value (a member the reader does not know).
  bool SkipValue(int depth = 0) {
    if (depth > kMaxSkipDepth) return false;
    SkipWs();
    if (p_ == end_) return false;
    switch (*p_) {
      case '"': {
        std::string_view ignored;
        return String(&ignored);
      }
      case '{':
        return Object([&](std::string_view) { return SkipValue(depth + 1); });
      case '[':
        return Array([&] { return SkipValue(depth + 1); });
      case 't':
        return Literal("true");
      case 'f':
        return Literal("false");
      case 'n':
        return Literal("null");
      default: {
        std::string_view token;
        bool integer = false;
        return NumberToken(&token, &integer);
      }
    }
  }

  // An attribute value: a string, or a number written with a fraction or exponent (which is
  // how the serializer writes every double). Integers give up: the nlohmann path reads "-0"
  // as +0.0.
  bool ReadAttributeValue(AttributeValue* out) {
    SkipWs();
    if (p_ == end_) return false;
    if (*p_ == '"') {
      std::string_view s;
      if (!String(&s)) return false;
      out->emplace<std::string>(s);
      return true;
    }
    std::string_view token;
    bool integer = false;
    if (!NumberToken(&token, &integer) || integer) return false;
    double value = 0;
    const auto [ptr, ec] = std::from_chars(token.data(), token.data() + token.size(), value);
    if (ec != std::errc() || ptr != token.data() + token.size()) return false;
    out->emplace<double>(value);
    return true;
  }

 private:
  static bool IsDigit(char c) { return c >= '0' && c <= '9'; }
  // True when some byte of `w` is below `n` (n <= 128).
  static bool HasByteBelow(uint64_t w, uint64_t n) {
    return ((w - 0x0101010101010101ULL * n) & ~w & 0x8080808080808080ULL) != 0;
  }

  void SkipWs() {
    while (p_ < end_ && (*p_ == ' ' || *p_ == '\n' || *p_ == '\r' || *p_ == '\t')) ++p_;
  }

  bool Literal(std::string_view word) {
    if (static_cast<size_t>(end_ - p_) < word.size() || std::string_view(p_, word.size()) != word) {
      return false;
    }
    p_ += word.size();
    return true;
  }

  const char* p_;
  const char* end_;
  std::string buffer_;  // Decoded strings that had escapes.
};

// `key == literal` with the length known at compile time, so the comparison is inlined.
template <size_t N>
bool Is(std::string_view key, const char (&literal)[N]) {
  return key.size() == N - 1 && std::memcmp(key.data(), literal, N - 1) == 0;
}

// A bit per required member, so that repeated and missing members both give up.
class Seen {
 public:
  // False when `bit` was seen before.
  bool Mark(int bit) {
    const uint32_t mask = 1u << bit;
    if ((bits_ & mask) != 0) return false;
    bits_ |= mask;
    return true;
  }
  bool All(int count) const { return bits_ == (1u << count) - 1; }

 private:
  uint32_t bits_ = 0;
};

bool ReadConsent(FastReader& r, Consent* consent) {
  Seen seen;
  std::optional<ConsentState> state;
  const bool ok = r.Object([&](std::string_view key) {
    if (Is(key, "state")) {
      std::string_view name;
      if (!seen.Mark(0) || !r.String(&name)) return false;
      state = ParseConsentState(name);
      return state.has_value();
    }
    if (Is(key, "source")) return seen.Mark(1) && r.String(&consent->source);
    if (Is(key, "at")) return seen.Mark(2) && r.Int64(&consent->at_millis);
    return r.SkipValue();
  });
  if (!ok || !seen.All(3)) return false;
  consent->state = *state;
  return true;
}

bool ReadAddress(FastReader& r, Address* address) {
  Seen seen;
  std::optional<AddressKind> kind;
  const bool ok = r.Object([&](std::string_view key) {
    if (Is(key, "kind")) {
      std::string_view name;
      if (!seen.Mark(0) || !r.String(&name)) return false;
      kind = ParseAddressKind(name);
      return kind.has_value();
    }
    if (Is(key, "value")) return seen.Mark(1) && r.String(&address->value);
    if (Is(key, "verified")) return seen.Mark(2) && r.Bool(&address->verified);
    if (Is(key, "consent")) return seen.Mark(3) && ReadConsent(r, &address->consent);
    if (Is(key, "opted_out")) return seen.Mark(4) && r.Bool(&address->opted_out);
    if (Is(key, "opted_out_at")) return seen.Mark(5) && r.Int64(&address->opted_out_at_millis);
    if (Is(key, "invalid")) return r.Bool(&address->invalid);
    if (Is(key, "invalid_reason")) return r.String(&address->invalid_reason);
    return r.SkipValue();
  });
  if (!ok || !seen.All(6)) return false;
  address->kind = *kind;
  return true;
}

}  // namespace

std::optional<Contact> ParseStoredContactFast(std::string_view document) {
  FastReader r(document);
  Contact c;
  Seen seen;
  enum Member {
    kId,
    kOrgId,
    kPostId,
    kName,
    kLanguages,
    kCountry,
    kCity,
    kTimeZone,
    kAttributes,
    kTags,
    kAddresses,
    kChannelOrder,
    kVerified,
    kCreatedAt,
    kUpdatedAt,
    kMemberCount
  };
  auto attribute = [&](std::string_view name) {
    std::string owned(name);  // `name` may view a buffer that reading the value reuses.
    AttributeValue value;
    // A repeated name: nlohmann keeps the last one; leave that to it.
    return r.ReadAttributeValue(&value) &&
           c.attributes.emplace(std::move(owned), std::move(value)).second;
  };
  auto channel = [&] {
    std::string_view name;
    if (!r.String(&name)) return false;
    const std::optional<Channel> parsed = ParseChannel(name);
    if (parsed) c.channel_order.push_back(*parsed);
    return parsed.has_value();
  };
  auto address = [&] { return ReadAddress(r, &c.addresses.emplace_back()); };
  auto member = [&](std::string_view key) -> bool {
    // Dispatch on length first; most lengths hold one or two member names.
    switch (key.size()) {
      case 2:
        if (Is(key, "id")) return seen.Mark(kId) && r.String(&c.id);
        break;
      case 4:
        if (Is(key, "name")) return seen.Mark(kName) && r.String(&c.name);
        if (Is(key, "city")) return seen.Mark(kCity) && r.String(&c.city);
        if (Is(key, "tags")) return seen.Mark(kTags) && r.StringArray(&c.tags);
        break;
      case 6:
        if (Is(key, "org_id")) return seen.Mark(kOrgId) && r.String(&c.org_id);
        break;
      case 7:
        if (Is(key, "post_id")) return seen.Mark(kPostId) && r.String(&c.post_id);
        if (Is(key, "country")) return seen.Mark(kCountry) && r.String(&c.country);
        break;
      case 8:
        if (Is(key, "verified")) return seen.Mark(kVerified) && r.Bool(&c.verified);
        break;
      case 9:
        if (Is(key, "languages")) return seen.Mark(kLanguages) && r.StringArray(&c.languages);
        if (Is(key, "time_zone")) return seen.Mark(kTimeZone) && r.String(&c.time_zone);
        if (Is(key, "addresses")) return seen.Mark(kAddresses) && r.Array(address);
        break;
      case 10:
        if (Is(key, "attributes")) return seen.Mark(kAttributes) && r.Object(attribute);
        if (Is(key, "created_at")) return seen.Mark(kCreatedAt) && r.Int64(&c.created_at_millis);
        if (Is(key, "updated_at")) return seen.Mark(kUpdatedAt) && r.Int64(&c.updated_at_millis);
        break;
      case 13:
        if (Is(key, "channel_order")) return seen.Mark(kChannelOrder) && r.Array(channel);
        break;
      default:
        break;
    }
    return r.SkipValue();
  };
  if (!r.Object(member) || !r.AtEnd() || !seen.All(kMemberCount)) return std::nullopt;
  return c;
}

}  // namespace contact_json_internal

}  // namespace ogw
