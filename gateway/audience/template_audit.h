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
  std::string currency = "EUR";
  size_t sample_size = 5;  // Contact ids listed per problem.
};

// What launching `t` to an audience on some channels would do, checked before launch as every
// campaign launch will: unknown variables, variables missing for some recipients, languages the
// audience needs that the template lacks, texts over a channel's limit, and the SMS segments
// and cost. Every problem names the template, language, channel and, where there is one, the
// position. Renders the template for every recipient, so it costs what sending would.
absl::StatusOr<nlohmann::json> AuditTemplate(const TemplateRenderer& renderer, const Template& t,
                                             ContactStore* contacts, std::string_view org_id,
                                             const PostScope& scope,
                                             const SegmentExpression& audience,
                                             const AuditOptions& options);

}  // namespace ogw
