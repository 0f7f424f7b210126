#pragma once

#include <cstddef>
#include <functional>
#include <map>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "gateway/contacts/contact.h"
#include "gateway/contacts/contact_store.h"
#include "gateway/core/post_scope.h"
#include "gateway/delivery/contact_rendering.h"
#include "gateway/segments/segment_expression.h"
#include "templates/template.h"
#include "templates/template_renderer.h"

namespace ogw {

struct AuditOptions {
  std::vector<Channel> channels;
  nlohmann::json extra_variables = nlohmann::json::object();
  size_t max_sms_segments = 4;
  double sms_price_per_segment = 0;
  // What Meta charges per template message by the template's category ("marketing",
  // "utility", "authentication"); free text inside the window costs nothing.
  std::map<std::string, double> whatsapp_price_per_template;
  std::string currency = "EUR";
  size_t sample_size = 5;  // Contact ids listed per problem.
  // WhatsApp and Messenger: when the person last wrote from `address` (0: never), to tell who
  // is inside the 24-hour window at `now_millis`. Null: nobody is.
  std::function<absl::StatusOr<int64_t>(const Contact&, const Address&)> last_inbound_millis;
  int64_t now_millis = 0;
};

// What launching `t` to an audience on some channels would do, checked before launch as every
// campaign launch will: unknown variables, variables missing for some recipients, languages the
// audience needs that the template lacks, texts over a channel's limit, and the SMS segments
// and cost, and on WhatsApp and Messenger who would get free text (inside their window), the
// approved template (outside it) or nothing, with the templates' cost. Every problem names the
// template, language, channel and, where there is one, the position. Renders the template for every
// recipient, so it costs what sending would.
absl::StatusOr<nlohmann::json> AuditTemplate(const TemplateRenderer& renderer, const Template& t,
                                             ContactStore* contacts, std::string_view org_id,
                                             const PostScope& scope,
                                             const SegmentExpression& audience,
                                             const AuditOptions& options);

}  // namespace ogw
