#pragma once

// The life cycle of a campaign, in one place: its states, their names (as stored in
// {o:ID}:cmp:<c>:state and shown by the API and CLI) and the table of transitions.

#include <optional>
#include <span>
#include <string_view>

namespace ogw {

// A draft exists only in the campaign store; the queue holds the state of a launched one.
enum class CampaignState { kDraft, kScheduled, kRunning, kPaused, kCancelled, kFinished };

// What moves a campaign. Officers pause, resume and cancel; the gateway launches, starts
// (the start time came: the chunk claim script), finishes (every message settled: the record
// script) and reopens (a dead letter of a finished campaign was requeued: the requeue script).
enum class CampaignAction { kLaunch, kStart, kPause, kResume, kCancel, kFinish, kReopen };

struct CampaignTransition {
  CampaignAction action;
  CampaignState from;
  CampaignState to;
};

// Every allowed transition. A launch or a resume goes to kScheduled instead of kRunning while
// the campaign's start is still ahead.
std::span<const CampaignTransition> CampaignTransitions();

std::string_view CampaignStateName(CampaignState state);
std::optional<CampaignState> ParseCampaignState(std::string_view name);
std::string_view CampaignActionName(CampaignAction action);

// Where `action` takes a campaign in state `from`, by the table; nullopt when refused.
// `start_reached`: whether the campaign's start time has come (launch and resume).
std::optional<CampaignState> NextCampaignState(CampaignState from, CampaignAction action,
                                               bool start_reached);

}  // namespace ogw
