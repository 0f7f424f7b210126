#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "gateway/campaigns/in_channel_survey.h"
#include "gateway/core/json_reader.h"
#include "gateway/core/status.h"

namespace ogw {

// A daily window, in the recipient's local time, in which campaign messages are not sent
// (e.g. 21:00-08:00). Minutes since local midnight; start > end wraps past midnight.
struct QuietHours {
  int start_minute = 0;
  int end_minute = 0;
  bool operator==(const QuietHours&) const = default;
  bool Contains(int minute_of_day) const;
  // Minutes from `minute_of_day` (inside the window) until it ends.
  int MinutesUntilEnd(int minute_of_day) const;
};

// "HH:MM" -> minutes since midnight.
std::optional<int> ParseClockTime(std::string_view text);
std::string FormatClockTime(int minute_of_day);

// How a campaign with channel "cascade" or "all" uses each person's channels.
struct ChannelCascade {
  // The channels to use, in order; empty: each person's own order (as "preferred").
  std::vector<std::string> channels;
  // Cascade: the next channel goes when a message is not delivered this long after it was
  // sent (at once when it failed).
  int undelivered_after_minutes = 60;
  // Cascade, optional: also when the person neither replied nor clicked this long after.
  int unanswered_after_minutes = 0;
  bool operator==(const ChannelCascade&) const = default;
};

// A first form of campaign: a template, an audience (a saved segment) and a channel choice.
struct Campaign {
  std::string id;  // "cmp_..."
  std::string org_id;
  std::string post_id;  // Empty: organisation-wide (admins only).
  std::string name;
  std::string template_id;
  std::string segment_id;
  // A channel name ("email", "sms", ...) or "preferred": each contact's first usable channel
  // in their own order, using only addresses with consent. "cascade": that channel, then the
  // next usable one when the message is not delivered (or answered) in time; "all": every
  // usable channel. Both follow `cascade`.
  std::string channel;
  ChannelCascade cascade;
  int64_t send_at_millis = 0;  // 0: as soon as launched.
  // A draft to be launched at this time (POST .../launch {"at"}): its audience is chosen
  // then, not when it was planned. 0: not planned.
  int64_t launch_at_millis = 0;
  std::string launch_error;  // Why the planned launch did not happen, if it did not.
  std::optional<QuietHours> quiet_hours;
  nlohmann::json variables = nlohmann::json::object();  // Extra template variables.
  // Questions asked over the channel itself, the first with the message (in_channel_survey.h).
  InChannelSurvey in_channel_survey;
  // What its reports break the audience down by, besides the channel (audience_snapshot.h).
  // Empty: DefaultReportAttributes().
  std::vector<std::string> report_attributes;
  // An event's message (gateway/invitations/event_messages): the audience is the event's
  // people in the states `event_purpose` names, not a segment, and every message has the
  // variable `event`. Empty for an ordinary campaign.
  std::string event_id;
  std::string event_purpose;
  // Set when the message goes this long before the event's start (a reminder at an offset):
  // its time moves with the event. Unset for messages at a fixed time or sent at once.
  std::optional<int64_t> event_before_start_minutes;
  std::string created_by;
  int64_t created_at_millis = 0;
  int64_t updated_at_millis = 0;

  // Filled by the launch.
  int64_t launched_at_millis = 0;
  // What the launch used: the template's version (its copy is kept and rendered, whatever
  // edits follow) and the segment's expression (the audience is chosen once, at launch).
  int64_t template_version = 0;
  std::string segment_expression;
  int64_t audience = 0;                     // Contacts the segment matched.
  int64_t queued = 0;                       // Messages put in the queue.
  std::map<std::string, int64_t> skipped;   // Reason -> contacts not queued.
  std::map<std::string, int64_t> channels;  // Channel -> messages queued.
  std::string bulletin_entry_id;            // The bulletin channel: the entry published.

  bool launched() const { return launched_at_millis != 0; }
};

nlohmann::json ToJson(const Campaign& campaign);
absl::StatusOr<Campaign> CampaignFromJson(const std::string& doc);

// Reads the writable fields of a campaign from an API body or CLI input: name, template_id,
// segment_id, channel, post_id, send_at (epoch ms), quiet_hours {start, end} ("HH:MM"),
// variables, report_attributes. Problems go to `reader` naming the field.
void ReadCampaignFields(JsonReader& reader, Campaign* campaign, bool creating);
// Reads "quiet_hours": {"start": "HH:MM", "end": "HH:MM"} when present, into `out`. Equal
// start and end are no quiet hours when `equal_means_none`, else an error naming "end".
void ReadQuietHours(JsonReader& reader, bool equal_means_none, std::optional<QuietHours>* out);

}  // namespace ogw
