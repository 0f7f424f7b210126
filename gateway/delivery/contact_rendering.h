#pragma once

// What one person receives: a template rendered for a contact on a channel, with their
// variables and the opt-out instruction of the language chosen. The delivery worker sends it,
// the preview route shows it, and the launch check (gateway/audience) measures it.

#include <cstddef>
#include <functional>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "gateway/contacts/contact.h"
#include "templates/template.h"
#include "templates/template_renderer.h"

namespace ogw {

// The template variables a contact provides: {"contact": {"name", "city", "country",
// "time_zone", "languages", "attributes": {...}}} merged over `extra` (e.g. {"event": ...}).
Recipient RecipientFor(const Contact& contact, const nlohmann::json& extra);

// Renders `t` for `contact` on `channel` with the opt-out instruction of the chosen language.
// `rewrite_link` (optional) turns each link of the main text into a tracked link; it is called
// once per link.
absl::StatusOr<RenderedMessage> RenderFor(
    const TemplateRenderer& renderer, const Template& t, const Contact& contact, Channel channel,
    std::string_view post_default_language, const nlohmann::json& extra,
    const std::function<std::string(std::string_view url, size_t index)>& rewrite_link = nullptr,
    std::string_view unsubscribe_url = "");

}  // namespace ogw
