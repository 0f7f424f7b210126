#include "queue/campaign_state.h"

#include <gtest/gtest.h>

#include <set>
#include <string>

namespace ogw {
namespace {

using A = CampaignAction;
using S = CampaignState;

constexpr S kStates[] = {S::kDraft,  S::kScheduled, S::kRunning,
                         S::kPaused, S::kCancelled, S::kFinished};
constexpr A kActions[] = {A::kLaunch, A::kStart,  A::kPause, A::kResume,
                          A::kCancel, A::kFinish, A::kReopen};

TEST(CampaignStateTest, NamesRoundTripAndAreDistinct) {
  std::set<std::string> names;
  for (S s : kStates) {
    names.insert(std::string(CampaignStateName(s)));
    EXPECT_EQ(ParseCampaignState(CampaignStateName(s)), s);
  }
  EXPECT_EQ(names.size(), std::size(kStates));
  EXPECT_EQ(ParseCampaignState("Running"), std::nullopt);
  EXPECT_EQ(ParseCampaignState(""), std::nullopt);
}

TEST(CampaignStateTest, OfficersPauseResumeAndCancelAsTheTableSays) {
  EXPECT_EQ(NextCampaignState(S::kRunning, A::kPause, true), S::kPaused);
  EXPECT_EQ(NextCampaignState(S::kScheduled, A::kPause, false), S::kPaused);
  EXPECT_EQ(NextCampaignState(S::kPaused, A::kResume, true), S::kRunning);
  // A campaign paused before its start resumes into waiting for it.
  EXPECT_EQ(NextCampaignState(S::kPaused, A::kResume, false), S::kScheduled);
  for (S from : {S::kScheduled, S::kRunning, S::kPaused}) {
    EXPECT_EQ(NextCampaignState(from, A::kCancel, true), S::kCancelled);
  }
  // Refused: what is over stays over, a draft is not in the queue, nothing pauses twice.
  for (A action : {A::kPause, A::kResume, A::kCancel}) {
    EXPECT_EQ(NextCampaignState(S::kFinished, action, true), std::nullopt);
    EXPECT_EQ(NextCampaignState(S::kCancelled, action, true), std::nullopt);
    EXPECT_EQ(NextCampaignState(S::kDraft, action, true), std::nullopt);
  }
  EXPECT_EQ(NextCampaignState(S::kPaused, A::kPause, true), std::nullopt);
  EXPECT_EQ(NextCampaignState(S::kRunning, A::kResume, true), std::nullopt);
}

TEST(CampaignStateTest, TheGatewayLaunchesStartsFinishesAndReopens) {
  EXPECT_EQ(NextCampaignState(S::kDraft, A::kLaunch, true), S::kRunning);
  EXPECT_EQ(NextCampaignState(S::kDraft, A::kLaunch, false), S::kScheduled);
  EXPECT_EQ(NextCampaignState(S::kScheduled, A::kStart, true), S::kRunning);
  EXPECT_EQ(NextCampaignState(S::kRunning, A::kFinish, true), S::kFinished);
  EXPECT_EQ(NextCampaignState(S::kFinished, A::kReopen, true), S::kRunning);
  EXPECT_EQ(NextCampaignState(S::kCancelled, A::kReopen, true), std::nullopt);
}

TEST(CampaignStateTest, EveryTransitionOfTheTableIsFoundAndNothingElse) {
  int allowed = 0;
  for (S from : kStates) {
    for (A action : kActions) {
      bool listed = false;
      for (const CampaignTransition& t : CampaignTransitions()) {
        listed = listed || (t.from == from && t.action == action);
      }
      EXPECT_EQ(NextCampaignState(from, action, true).has_value(), listed)
          << CampaignStateName(from) << " " << CampaignActionName(action);
      allowed += listed ? 1 : 0;
    }
  }
  EXPECT_EQ(allowed, static_cast<int>(CampaignTransitions().size()));
}

}  // namespace
}  // namespace ogw
