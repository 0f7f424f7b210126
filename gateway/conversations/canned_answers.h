#pragma once

// Canned answers: texts officers reuse when they answer people, kept per post (or for the
// whole organisation) with one text per language. A text may name the person's variables
// ({{contact.name}}, {{contact.city}}, ...) as templates do; the answer is plain text.

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "gateway/contacts/contact.h"
#include "gateway/core/clock.h"
#include "gateway/core/json_hash_store.h"
#include "gateway/core/status.h"
#include "templates/template_renderer.h"

namespace ogw {

struct CannedAnswer {
  std::string id;  // "ca_..."
  std::string org_id;
  std::string post_id;  // "" = every post of the organisation.
  std::string title;
  std::map<std::string, std::string> texts;  // Canonical BCP 47 tag -> text.
  std::string created_by;
  int64_t created_at_millis = 0;
  int64_t updated_at_millis = 0;
};

// Reads {"title", "post_id", "texts": {"en": "...", "fr": "..."}}: title 1-100 bytes, 1 to 20
// languages, each text 1-10,000 bytes of valid Mustache. Every problem is listed in `errors`
// as (field, message).
absl::StatusOr<CannedAnswer> CannedAnswerFromJson(
    const nlohmann::json& body, std::vector<std::pair<std::string, std::string>>* errors);
nlohmann::json ToJson(const CannedAnswer& answer);

// The text of `answer` for `contact` (Markdown, as an officer writes): the first of the
// person's languages it has (exactly, then by primary language), else `fallback_language` (the
// post's), else its first; the person's variables filled in as templates fill them. Sets
// `*language` to the one chosen.
absl::StatusOr<std::string> RenderCannedAnswer(const TemplateRenderer& renderer,
                                               const CannedAnswer& answer, const Contact& contact,
                                               std::string_view fallback_language,
                                               std::string* language);

// Thread-safe.
class CannedAnswerStore {
 public:
  CannedAnswerStore(RedisPool* redis, const Clock* clock);

  absl::StatusOr<CannedAnswer> Create(CannedAnswer answer);
  absl::StatusOr<std::optional<CannedAnswer>> Get(std::string_view org_id, std::string_view id);
  absl::StatusOr<std::vector<CannedAnswer>> List(std::string_view org_id);
  // Replaces title, post and texts. NotFound when absent.
  absl::StatusOr<CannedAnswer> Update(const CannedAnswer& answer);
  absl::Status Delete(std::string_view org_id, std::string_view id);

 private:
  const Clock* clock_;
  JsonHashStore docs_;
};

}  // namespace ogw
