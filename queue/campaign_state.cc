#include "queue/campaign_state.h"

namespace ogw {
namespace {

using A = CampaignAction;
using S = CampaignState;

constexpr CampaignTransition kTransitions[] = {
    {A::kLaunch, S::kDraft, S::kRunning},       // kScheduled while the start is ahead.
    {A::kStart, S::kScheduled, S::kRunning},
    {A::kPause, S::kScheduled, S::kPaused},
    {A::kPause, S::kRunning, S::kPaused},
    {A::kResume, S::kPaused, S::kRunning},      // kScheduled while the start is ahead.
    {A::kCancel, S::kScheduled, S::kCancelled},
    {A::kCancel, S::kRunning, S::kCancelled},
    {A::kCancel, S::kPaused, S::kCancelled},
    {A::kFinish, S::kRunning, S::kFinished},
    {A::kReopen, S::kFinished, S::kRunning},
};

constexpr CampaignState kStates[] = {S::kDraft,  S::kScheduled, S::kRunning,
                                     S::kPaused, S::kCancelled, S::kFinished};

}  // namespace

std::span<const CampaignTransition> CampaignTransitions() { return kTransitions; }

std::string_view CampaignStateName(CampaignState state) {
  switch (state) {
    case S::kDraft: return "draft";
    case S::kScheduled: return "scheduled";
    case S::kRunning: return "running";
    case S::kPaused: return "paused";
    case S::kCancelled: return "cancelled";
    case S::kFinished: return "finished";
  }
  return "draft";
}

std::optional<CampaignState> ParseCampaignState(std::string_view name) {
  for (CampaignState s : kStates) {
    if (CampaignStateName(s) == name) return s;
  }
  return std::nullopt;
}

std::string_view CampaignActionName(CampaignAction action) {
  switch (action) {
    case A::kLaunch: return "launch";
    case A::kStart: return "start";
    case A::kPause: return "pause";
    case A::kResume: return "resume";
    case A::kCancel: return "cancel";
    case A::kFinish: return "finish";
    case A::kReopen: return "reopen";
  }
  return "launch";
}

std::optional<CampaignState> NextCampaignState(CampaignState from, CampaignAction action,
                                               bool start_reached) {
  for (const CampaignTransition& t : kTransitions) {
    if (t.action != action || t.from != from) continue;
    const bool waits = action == A::kLaunch || action == A::kResume;
    return waits && !start_reached ? S::kScheduled : t.to;
  }
  return std::nullopt;
}

}  // namespace ogw
