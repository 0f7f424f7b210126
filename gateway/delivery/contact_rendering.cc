#include "gateway/delivery/contact_rendering.h"

#include <variant>

#include "gateway/contacts/contact_json.h"
#include "templates/opt_out.h"

namespace ogw {

Recipient RecipientFor(const Contact& c, const nlohmann::json& extra) {
  Recipient r;
  r.languages = c.languages;
  r.time_zone = c.time_zone;
  r.variables = extra.is_object() ? extra : nlohmann::json::object();
  r.variables["contact"] = {{"name", c.name},
                            {"city", c.city.empty() ? nlohmann::json() : nlohmann::json(c.city)},
                            {"country", c.country},
                            {"time_zone", c.time_zone},
                            {"languages", c.languages},
                            {"attributes", AttributesJson(c)}};
  return r;
}

absl::StatusOr<RenderedMessage> RenderFor(
    const TemplateRenderer& renderer, const Template& t, const Contact& contact, Channel channel,
    std::string_view post_default_language, const nlohmann::json& extra,
    const std::function<std::string(std::string_view url, size_t index)>& rewrite_link,
    std::string_view unsubscribe_url) {
  Recipient recipient = RecipientFor(contact, extra);
  RenderRequest request;
  request.channel = channel;
  request.recipient = &recipient;
  request.post_default_language = std::string(post_default_language);
  // The opt-out line follows the body's language, known only after the language choice: a
  // first pass without it finds that language (parsed templates are cached, so it is cheap).
  // Links are rewritten in the final pass only, so each is minted once.
  ASSIGN_OR_RETURN(RenderedMessage probe, renderer.Render(t, request));
  request.opt_out_text = OptOutText(channel, probe.body_language, unsubscribe_url);
  if (request.opt_out_text.empty() && !rewrite_link) return probe;
  request.rewrite_link = rewrite_link;
  return renderer.Render(t, request);
}

}  // namespace ogw
