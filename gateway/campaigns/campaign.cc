#include "gateway/campaigns/campaign.h"

#include <cstdio>
#include <set>

#include "gateway/contacts/contact.h"
#include "gateway/reports/audience_snapshot.h"
#include "templates/template.h"

namespace ogw {

bool QuietHours::Contains(int minute) const {
  if (start_minute == end_minute) return false;
  if (start_minute < end_minute) return minute >= start_minute && minute < end_minute;
  return minute >= start_minute || minute < end_minute;  // Wraps past midnight.
}

int QuietHours::MinutesUntilEnd(int minute) const {
  return (end_minute - minute + 24 * 60) % (24 * 60);
}

std::optional<int> ParseClockTime(std::string_view text) {
  if (text.size() != 5 || text[2] != ':') return std::nullopt;
  for (size_t i : {0, 1, 3, 4}) {
    if (text[i] < '0' || text[i] > '9') return std::nullopt;
  }
  const int h = (text[0] - '0') * 10 + (text[1] - '0');
  const int m = (text[3] - '0') * 10 + (text[4] - '0');
  if (h > 23 || m > 59) return std::nullopt;
  return h * 60 + m;
}

std::string FormatClockTime(int minute) {
  char buf[8];
  std::snprintf(buf, sizeof buf, "%02d:%02d", (minute / 60) % 24, minute % 60);
  return buf;
}

nlohmann::json ToJson(const Campaign& c) {
  nlohmann::json j = {{"id", c.id},
                      {"org_id", c.org_id},
                      {"post_id", c.post_id},
                      {"name", c.name},
                      {"template_id", c.template_id},
                      {"segment_id", c.segment_id},
                      {"channel", c.channel},
                      {"send_at", c.send_at_millis},
                      {"launch_at", c.launch_at_millis},
                      {"quiet_hours", nullptr},
                      {"variables", c.variables},
                      {"report_attributes", c.report_attributes.empty() ? DefaultReportAttributes()
                                                                        : c.report_attributes},
                      {"created_by", c.created_by},
                      {"created_at", c.created_at_millis},
                      {"updated_at", c.updated_at_millis},
                      {"launched_at", c.launched_at_millis},
                      {"template_version", c.template_version},
                      {"segment_expression", c.segment_expression},
                      {"audience", c.audience},
                      {"queued", c.queued},
                      {"skipped", c.skipped},
                      {"channels", c.channels}};
  if (!c.event_id.empty()) {
    j["event"] = {{"id", c.event_id}, {"purpose", c.event_purpose}};
    if (c.event_before_start_minutes) {
      j["event"]["before_start_minutes"] = *c.event_before_start_minutes;
    }
  }
  if (!c.launch_error.empty()) j["launch_error"] = c.launch_error;
  if (!c.bulletin_entry_id.empty()) j["bulletin_entry_id"] = c.bulletin_entry_id;
  if (!c.in_channel_survey.empty()) j["in_channel_survey"] = ToJson(c.in_channel_survey);
  if (c.channel == "cascade" || c.channel == "all") {
    j["cascade"] = {{"channels", c.cascade.channels},
                    {"undelivered_after_minutes", c.cascade.undelivered_after_minutes}};
    if (c.cascade.unanswered_after_minutes > 0) {
      j["cascade"]["unanswered_after_minutes"] = c.cascade.unanswered_after_minutes;
    }
  }
  if (c.quiet_hours) {
    j["quiet_hours"] = {{"start", FormatClockTime(c.quiet_hours->start_minute)},
                        {"end", FormatClockTime(c.quiet_hours->end_minute)}};
  }
  return j;
}

absl::StatusOr<Campaign> CampaignFromJson(const std::string& doc) {
  try {
    const nlohmann::json j = nlohmann::json::parse(doc);
    Campaign c;
    c.id = j.at("id");
    c.org_id = j.at("org_id");
    c.post_id = j.at("post_id");
    c.name = j.at("name");
    c.template_id = j.at("template_id");
    c.segment_id = j.at("segment_id");
    c.channel = j.at("channel");
    c.send_at_millis = j.at("send_at");
    c.launch_at_millis = j.value("launch_at", int64_t{0});
    c.launch_error = j.value("launch_error", "");
    c.bulletin_entry_id = j.value("bulletin_entry_id", "");
    if (const auto& q = j.at("quiet_hours"); q.is_object()) {
      c.quiet_hours = QuietHours{ParseClockTime(q.at("start").get<std::string>()).value_or(0),
                                 ParseClockTime(q.at("end").get<std::string>()).value_or(0)};
    }
    c.variables = j.at("variables");
    if (const auto it = j.find("in_channel_survey"); it != j.end() && it->is_object()) {
      c.in_channel_survey = InChannelSurveyFromJson(*it);
    }
    if (const auto it = j.find("cascade"); it != j.end() && it->is_object()) {
      c.cascade.channels = it->value("channels", std::vector<std::string>{});
      c.cascade.undelivered_after_minutes = it->value("undelivered_after_minutes", 60);
      c.cascade.unanswered_after_minutes = it->value("unanswered_after_minutes", 0);
    }
    c.report_attributes = j.value("report_attributes", std::vector<std::string>{});
    if (const auto it = j.find("event"); it != j.end() && it->is_object()) {
      c.event_id = it->at("id");
      c.event_purpose = it->at("purpose");
      if (const auto m = it->find("before_start_minutes"); m != it->end()) {
        c.event_before_start_minutes = m->get<int64_t>();
      }
    }
    c.created_by = j.at("created_by");
    c.created_at_millis = j.at("created_at");
    c.updated_at_millis = j.at("updated_at");
    c.launched_at_millis = j.at("launched_at");
    // Absent in campaigns stored before launches recorded them.
    c.template_version = j.value("template_version", int64_t{0});
    c.segment_expression = j.value("segment_expression", "");
    c.audience = j.at("audience");
    c.queued = j.at("queued");
    c.skipped = j.at("skipped").get<std::map<std::string, int64_t>>();
    c.channels = j.at("channels").get<std::map<std::string, int64_t>>();
    return c;
  } catch (const nlohmann::json::exception& e) {
    return absl::DataLossError(std::string("stored campaign is not readable: ") + e.what());
  }
}

void ReadQuietHours(JsonReader& r, bool equal_means_none, std::optional<QuietHours>* out) {
  r.Object("quiet_hours", [&](JsonReader& q) {
    std::string start, end;
    q.String("start", &start, true);
    q.String("end", &end, true);
    auto s = ParseClockTime(start);
    auto e = ParseClockTime(end);
    if (!start.empty() && !s) q.Error("start", "expected HH:MM (24-hour clock)");
    if (!end.empty() && !e) q.Error("end", "expected HH:MM (24-hour clock)");
    if (s && e && *s == *e) {
      if (equal_means_none) {
        out->reset();
      } else {
        q.Error("end", "must differ from start");
      }
    }
    if (s && e && *s != *e) *out = QuietHours{*s, *e};
  });
}

void ReadCampaignFields(JsonReader& r, Campaign* c, bool creating) {
  r.String("name", &c->name, creating);
  r.String("template_id", &c->template_id, creating);
  r.String("segment_id", &c->segment_id);
  r.String("channel", &c->channel, creating);
  // A bulletin is published, not sent: it has no audience.
  const bool bulletin = c->channel == ChannelName(Channel::kBulletin);
  if (creating && c->segment_id.empty() && !bulletin) r.Error("segment_id", "is required");
  r.String("post_id", &c->post_id);
  r.Int("send_at", &c->send_at_millis, 0, int64_t{32503680000000});  // Before year 3000.
  r.AnyObject("variables", &c->variables);
  ReadInChannelSurvey(r, &c->in_channel_survey);
  ReadQuietHours(r, /*equal_means_none=*/false, &c->quiet_hours);
  r.StringList("report_attributes", &c->report_attributes);
  if (absl::Status ok = CheckReportAttributes(c->report_attributes); !ok.ok()) {
    r.Error("report_attributes", MessageOf(ok));
  }
  if (c->name.empty() || c->name.size() > 200) r.Error("name", "must be 1 to 200 bytes");
  r.Object("cascade", [&](JsonReader& q) {
    q.StringList("channels", &c->cascade.channels);
    q.Int("undelivered_after_minutes", &c->cascade.undelivered_after_minutes, 1, 10080);
    q.Int("unanswered_after_minutes", &c->cascade.unanswered_after_minutes, 0, 43200);
    std::set<std::string> seen;
    for (const std::string& name : c->cascade.channels) {
      const std::optional<Channel> channel = ParseChannel(name);
      if (!channel || *channel == Channel::kBulletin) {
        q.Error("channels",
                "unknown channel " + name + " (email, sms, whatsapp, telegram or messenger)");
      } else if (!seen.insert(name).second) {
        q.Error("channels", name + " is listed twice");
      }
    }
    if (c->cascade.unanswered_after_minutes != 0 &&
        c->cascade.unanswered_after_minutes <= c->cascade.undelivered_after_minutes) {
      q.Error("unanswered_after_minutes", "must be longer than undelivered_after_minutes");
    }
  });
  if (c->channel != "preferred" && c->channel != "cascade" && c->channel != "all" &&
      !bulletin && !ParseChannel(c->channel)) {
    r.Error("channel",
            "must be preferred, cascade, all, email, sms, whatsapp, telegram, messenger or "
            "bulletin");
  }
  if (bulletin && !c->in_channel_survey.empty()) {
    r.Error("in_channel_survey", "a bulletin is not answered question by question");
  }
  if (c->variables.contains("contact")) {
    r.Error("variables", "contact is filled from each recipient and cannot be set");
  }
  if (c->variables.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace).size() >
      kMaxTemplateVariablesBytes) {
    r.Error("variables",
            "must be at most " + std::to_string(kMaxTemplateVariablesBytes) + " bytes of JSON");
  }
}

}  // namespace ogw
