#pragma once

// The keys of one launched campaign, all under keys::CampaignQueue(org, campaign), named here
// once. C++ uses the accessors; a script that reaches campaigns it only finds in a lane (the
// claim and record scripts) gets the prefix and these suffixes as arguments, so no script
// spells a key name of its own.

#include <cstdint>
#include <string>
#include <string_view>

#include "gateway/core/key_schema.h"

namespace ogw {

class CampaignKeys {
 public:
  // Suffixes after the campaign's prefix.
  static constexpr std::string_view kState = ":state";    // STRING: CampaignStateName
  static constexpr std::string_view kMeta = ":meta";      // HASH: total, chunks, next, start_at
  static constexpr std::string_view kStats = ":stats";    // HASH: counters
  static constexpr std::string_view kChunk = ":chunk:";   // + n: STRING of fixed-size records
  static constexpr std::string_view kLeases = ":leases";  // ZSET chunk -> lease expiry
  static constexpr std::string_view kFirsts = ":firsts";  // STRING: first contact id of every chunk
  static constexpr std::string_view kDone = ":done";      // BITMAP: outcome recorded
  static constexpr std::string_view kSent = ":sent";      // BITMAP: sent
  static constexpr std::string_view kFinal = ":fin";      // BITMAP: settled for good
  static constexpr std::string_view kFail = ":fail";      // HASH index -> failure reason
  static constexpr std::string_view kDelivered = ":dlv";        // BITMAP: reported delivered
  static constexpr std::string_view kUndelivered = ":udl";      // BITMAP: reported undelivered
  static constexpr std::string_view kLaunching = ":launching";  // STRING: a launch under way
  // Report data (docs/ARCHITECTURE.md, "Campaign reports and audience snapshots").
  static constexpr std::string_view kFailed = ":fld";        // BITMAP: failed for good
  static constexpr std::string_view kClicked = ":clk";       // BITMAP: followed a tracked link
  static constexpr std::string_view kReplied = ":rpl";       // BITMAP: replied
  static constexpr std::string_view kOptedOut = ":opt";      // BITMAP: opted out in answer
  static constexpr std::string_view kCompleted = ":cpl";     // BITMAP: completed its survey
  static constexpr std::string_view kAudience = ":aud";      // STRING: snapshot records
  static constexpr std::string_view kAudienceDict = ":auddict";  // HASH: what the codes mean
  static constexpr std::string_view kReport = ":report";     // STRING: the frozen report
  // Cascades (docs/ARCHITECTURE.md, "Channel strategies and cascades").
  static constexpr std::string_view kSteps = ":steps";       // STRING: later steps per index
  static constexpr std::string_view kStep = ":step";         // STRING: current step per index
  static constexpr std::string_view kStepSent = ":ssent";    // BITMAP: current step (>0) sent
  static constexpr std::string_view kCascade = ":cascade";   // ZSET index -> next check
  // STRING, a byte per index: bit c for each channel c that took a message to the person,
  // bits 5-7 1 + the first one's code.
  static constexpr std::string_view kReach = ":reach";
  // In-channel surveys (gateway/campaigns/survey_responder).
  static constexpr std::string_view kSurveyState = ":sq";    // HASH index -> the person's state
  static constexpr std::string_view kAnswers = ":ans:";      // + key[:value]: BITMAP answered
  // ZSET "<contact>/<conversation entry>" -> ms: the messages that counted as replies.
  static constexpr std::string_view kReplies = ":replies";

  CampaignKeys(std::string_view org, std::string_view campaign)
      : prefix_(keys::CampaignQueue(org, campaign)) {}
  // What every campaign's prefix of `org` starts with: the scripts append the campaign id.
  static std::string PrefixOfAll(std::string_view org) { return keys::CampaignQueue(org, ""); }

  std::string state() const { return Key(kState); }
  std::string meta() const { return Key(kMeta); }
  std::string stats() const { return Key(kStats); }
  std::string chunk(int64_t n) const { return Key(kChunk) + std::to_string(n); }
  std::string chunk_prefix() const { return Key(kChunk); }
  std::string leases() const { return Key(kLeases); }
  std::string firsts() const { return Key(kFirsts); }
  std::string done() const { return Key(kDone); }
  std::string sent() const { return Key(kSent); }
  std::string final() const { return Key(kFinal); }
  std::string fail() const { return Key(kFail); }
  std::string delivered() const { return Key(kDelivered); }
  std::string undelivered() const { return Key(kUndelivered); }
  std::string launching() const { return Key(kLaunching); }
  std::string failed() const { return Key(kFailed); }
  std::string clicked() const { return Key(kClicked); }
  std::string replied() const { return Key(kReplied); }
  std::string opted_out() const { return Key(kOptedOut); }
  std::string completed() const { return Key(kCompleted); }
  std::string audience() const { return Key(kAudience); }
  std::string audience_dict() const { return Key(kAudienceDict); }
  std::string report() const { return Key(kReport); }
  std::string steps() const { return Key(kSteps); }
  std::string step() const { return Key(kStep); }
  std::string step_sent() const { return Key(kStepSent); }
  std::string cascade() const { return Key(kCascade); }
  std::string reach() const { return Key(kReach); }
  std::string survey_state() const { return Key(kSurveyState); }
  std::string replies() const { return Key(kReplies); }
  // The people who answered question `key` (`value` "": with anything).
  std::string answers(std::string_view key, std::string_view value) const {
    return Key(AnswersSuffix(key, value));
  }
  static std::string AnswersSuffix(std::string_view key, std::string_view value) {
    std::string s = std::string(kAnswers) + std::string(key);
    if (!value.empty()) s += ":" + std::string(value);
    return s;
  }

 private:
  std::string Key(std::string_view suffix) const { return prefix_ + std::string(suffix); }
  std::string prefix_;
};

}  // namespace ogw
