// What MessengerProvider sends and how it reads Messenger's answers, without a server: the
// request body, the URL without the token, and every class of error Meta documents
// (https://developers.facebook.com/docs/messenger-platform/error-codes).

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "adapters/messenger/messenger_provider.h"

namespace ogw {
namespace {

using json = nlohmann::json;
using Outcome = SendResult::Outcome;

constexpr char kToken[] = "EAAJZCpage0access0token0ZBsecretZDZD";

OutboundMessage Message() {
  OutboundMessage m;
  m.message_id = "cmp_1:4";
  m.channel = Channel::kMessenger;
  m.to = "6543210987654321";
  m.text = "Counselling days on Friday at the consulate: bring your passport.";
  m.text_format = TextFormat::kPlainText;
  m.window_open = true;
  return m;
}

HttpResponse Answer(long status, const json& body, std::string retry_after = "") {
  HttpResponse r;
  r.status = status;
  r.body = body.dump();
  r.retry_after = std::move(retry_after);
  return r;
}

json GraphError(int64_t code, const std::string& message, int64_t subcode = 0) {
  json error = {{"message", message},
                {"type", "OAuthException"},
                {"code", code},
                {"fbtrace_id", "AbCdEf123"}};
  if (subcode != 0) error["error_subcode"] = subcode;
  return {{"error", error}};
}

SendResult Classify(const HttpResponse& response, const OutboundMessage& message = Message()) {
  const std::vector<std::string> secrets = {kToken};
  return MessengerProvider::Classify(response, message, secrets, 1'760'000'000);
}

TEST(MessengerSendTest, TextGoesAsAResponseToThePageScopedId) {
  const json body = json::parse(MessengerProvider::RequestBody(Message()));
  EXPECT_EQ(
      body,
      (json{{"recipient", {{"id", "6543210987654321"}}},
            {"messaging_type", "RESPONSE"},
            {"message",
             {{"text", "Counselling days on Friday at the consulate: bring your passport."}}}}));
  EXPECT_EQ(MessengerProvider::RequestBody(Message()).find(kToken), std::string::npos);
}

TEST(MessengerSendTest, ButtonsGoAsQuickRepliesWithTheirIdsAsPayloads) {
  OutboundMessage m = Message();
  m.buttons = {{"rsvp:yes", "Yes"}, {"rsvp:no", "No"}};
  const json body = json::parse(MessengerProvider::RequestBody(m));
  EXPECT_EQ(body["message"]["quick_replies"], json::parse(R"([
      {"content_type": "text", "title": "Yes", "payload": "rsvp:yes"},
      {"content_type": "text", "title": "No", "payload": "rsvp:no"}])"));
}

TEST(MessengerSendTest, TheUrlNamesTheVersionAndMeButNeverTheToken) {
  MessengerConfig config;
  config.api_base = "http://127.0.0.1:8080/";
  config.api_version = "v21.0";
  config.page_id = "104729837461234";
  config.page_access_token = kToken;
  const std::string url = MessengerProvider::MessagesUrl(config);
  EXPECT_EQ(url, "http://127.0.0.1:8080/v21.0/me/messages");
  EXPECT_EQ(url.find(kToken), std::string::npos);
  EXPECT_EQ(url.find("access_token"), std::string::npos);
}

TEST(MessengerSendTest, AnAcceptedMessageKeepsItsMid) {
  const SendResult r = Classify(Answer(
      200, {{"recipient_id", "6543210987654321"},
            {"message_id", "m_AG5Hz2Uq7tuwNEhXfYYKj8mJEM_QPpz5jdCK48PnKAjSdjfipqxqMvK8ma6AC8f"}}));
  EXPECT_EQ(r.outcome, Outcome::kAccepted);
  EXPECT_EQ(r.provider_message_id,
            "m_AG5Hz2Uq7tuwNEhXfYYKj8mJEM_QPpz5jdCK48PnKAjSdjfipqxqMvK8ma6AC8f");
  EXPECT_EQ(r.code, "");
  // A 200 that names no message is not taken for a send.
  const SendResult odd = Classify(Answer(200, {{"recipient_id", "6543210987654321"}}));
  EXPECT_EQ(odd.outcome, Outcome::kTransient);
  EXPECT_EQ(odd.code, "messenger_unreadable");
  const SendResult html = Classify(Answer(200, "<html>ok</html>"));
  EXPECT_EQ(html.outcome, Outcome::kTransient);
}

TEST(MessengerSendTest, RateLimitsAreTransientAndWait) {
  for (int64_t code : {4, 17, 32, 613}) {
    const SendResult r = Classify(Answer(400, GraphError(code,
                                                         "(#613) Calls to this api have "
                                                         "exceeded the rate limit.")));
    EXPECT_EQ(r.outcome, Outcome::kTransient) << code;
    EXPECT_EQ(r.code, "messenger_" + std::to_string(code));
    EXPECT_EQ(r.retry_after_millis, 60'000) << code;
    EXPECT_EQ(r.pause_account_millis, 0) << code;
  }
  const SendResult phones =
      Classify(Answer(400, GraphError(4, "(#4) Too many send requests to phone numbers", 2018022)));
  EXPECT_EQ(phones.outcome, Outcome::kTransient);
  EXPECT_EQ(phones.code, "messenger_4_2018022");
  const SendResult longer = Classify(Answer(
      400, GraphError(613, "(#613) Calls to this api have exceeded the rate limit."), "120"));
  EXPECT_EQ(longer.retry_after_millis, 120'000);
}

TEST(MessengerSendTest, AnExpiredOrInvalidTokenPausesTheWholeAccount) {
  const SendResult expired = Classify(Answer(
      401, GraphError(190, "Error validating access token: Session has expired on Friday.", 463)));
  EXPECT_EQ(expired.outcome, Outcome::kTransient);
  EXPECT_EQ(expired.code, "messenger_190_463");
  EXPECT_EQ(expired.pause_account_millis, 10 * 60'000);
  EXPECT_EQ(expired.reason, "Error validating access token: Session has expired on Friday.");
  const SendResult invalid =
      Classify(Answer(401, GraphError(190,
                                      "Invalid OAuth access token - Cannot parse access "
                                      "token")));
  EXPECT_EQ(invalid.code, "messenger_190");
  EXPECT_EQ(invalid.pause_account_millis, 10 * 60'000);
}

TEST(MessengerSendTest, TheWindowClosedAtMetasEndIsOutsideWindow) {
  for (int64_t subcode : {2018278, 2018065}) {
    const SendResult r = Classify(
        Answer(400, GraphError(10,
                               "(#10) This message is sent outside of allowed window. Learn more "
                               "about the new policy here: https://developers.facebook.com/docs/"
                               "messenger-platform/policy-overview",
                               subcode)));
    EXPECT_EQ(r.outcome, Outcome::kPermanent) << subcode;
    EXPECT_EQ(r.code, "outside_window") << subcode;
    EXPECT_FALSE(r.address_invalid);
    EXPECT_NE(r.reason.find("outside of allowed window"), std::string::npos);
  }
  // Other permission errors keep their code.
  const SendResult other =
      Classify(Answer(403, GraphError(10, "(#10) Permission denied", 2018999)));
  EXPECT_EQ(other.outcome, Outcome::kPermanent);
  EXPECT_EQ(other.code, "messenger_10_2018999");
}

TEST(MessengerSendTest, PersonLevelErrors) {
  const SendResult no_user =
      Classify(Answer(400, GraphError(100, "(#100) No matching user found", 2018001)));
  EXPECT_EQ(no_user.outcome, Outcome::kPermanent);
  EXPECT_EQ(no_user.code, "messenger_100_2018001");
  EXPECT_TRUE(no_user.address_invalid);

  // Meta does not say why a person is unavailable (blocked the Page, turned its messages off,
  // deactivated the account): permanent for this message, neither an opt-out nor a dead
  // address.
  const SendResult unavailable = Classify(
      Answer(400, GraphError(551, "(#551) This person isn't available right now.", 1545041)));
  EXPECT_EQ(unavailable.outcome, Outcome::kPermanent);
  EXPECT_EQ(unavailable.code, "messenger_551_1545041");
  EXPECT_FALSE(unavailable.address_invalid);
  const SendResult old_form = Classify(Answer(
      403,
      GraphError(200, "(#200) Message Not Sent: This person isn't available right now.", 1545041)));
  EXPECT_EQ(old_form.outcome, Outcome::kPermanent);
  EXPECT_EQ(old_form.code, "messenger_200_1545041");

  // A plain invalid parameter is the request's fault, not the address's.
  const SendResult invalid = Classify(Answer(400, GraphError(100, "(#100) Invalid parameter")));
  EXPECT_EQ(invalid.outcome, Outcome::kPermanent);
  EXPECT_EQ(invalid.code, "messenger_100");
  EXPECT_FALSE(invalid.address_invalid);
}

TEST(MessengerSendTest, ServerTroubleIsTransientAndOtherErrorsPermanentWithTheirText) {
  for (int64_t code : {1, 2, 1200}) {
    const SendResult r =
        Classify(Answer(500, GraphError(code,
                                        "An unexpected error has occurred. Please retry your "
                                        "request later.")));
    EXPECT_EQ(r.outcome, Outcome::kTransient) << code;
    EXPECT_EQ(r.pause_account_millis, 0) << code;
  }
  const SendResult unavailable = Classify(Answer(503, json::object(), "30"));
  EXPECT_EQ(unavailable.outcome, Outcome::kTransient);
  EXPECT_EQ(unavailable.code, "http_503");
  EXPECT_EQ(unavailable.retry_after_millis, 30'000);

  const SendResult commerce = Classify(
      Answer(400, GraphError(2022,
                             "(#2022) The ability to send commerce messages has been temporarily "
                             "disabled for this application.")));
  EXPECT_EQ(commerce.outcome, Outcome::kPermanent);
  EXPECT_EQ(commerce.code, "messenger_2022");
  EXPECT_EQ(commerce.reason,
            "(#2022) The ability to send commerce messages has been temporarily disabled for "
            "this application.");
  const SendResult html = Classify(Answer(404, "<html>Not Found</html>"));
  EXPECT_EQ(html.outcome, Outcome::kPermanent);
  EXPECT_EQ(html.code, "http_404");

  HttpResponse timeout;
  timeout.curl_code = CURLE_OPERATION_TIMEDOUT;
  timeout.error = "Operation timed out after 10000 milliseconds";
  EXPECT_EQ(Classify(timeout).outcome, Outcome::kTransient);
  EXPECT_EQ(Classify(timeout).code, "timeout");
}

TEST(MessengerSendTest, ReasonsAreCutAndAnswersWithoutAnErrorObjectGoByTheirStatus) {
  const SendResult r = Classify(Answer(400, GraphError(100, std::string(500, 'x'))));
  EXPECT_LE(r.reason.size(), 200u);
  EXPECT_EQ(ClassifyMessengerError(0, 0, 502).code, "http_502");
  EXPECT_EQ(ClassifyMessengerError(0, 0, 502).outcome, Outcome::kTransient);
  EXPECT_EQ(ClassifyMessengerError(0, 0, 400).outcome, Outcome::kPermanent);
}

// Nothing is requested for these: a port nobody listens on would answer "connect".
TEST(MessengerSendTest, OutsideTheWindowAndTooLongFailBeforeAnyRequest) {
  MessengerConfig config;
  config.name = "messenger-berlin";
  config.api_base = "http://127.0.0.1:1";
  config.page_access_token = kToken;
  MessengerProvider provider(config);
  OutboundMessage closed = Message();
  closed.window_open = false;
  OutboundMessage longest = Message();
  longest.text = std::string(1999, 'a') + "\xC3\xA4";  // 2,000 characters, 2,001 bytes.
  OutboundMessage too_long = Message();
  too_long.text = std::string(2001, 'a');
  const std::vector<OutboundMessage> messages = {closed, too_long, longest};
  std::vector<SendResult> results(messages.size());
  provider.SendBatch(messages, results);
  EXPECT_EQ(results[0].outcome, Outcome::kPermanent);
  EXPECT_EQ(results[0].code, "outside_window");
  EXPECT_NE(results[0].reason.find("24 hours"), std::string::npos);
  EXPECT_EQ(results[1].outcome, Outcome::kPermanent);
  EXPECT_EQ(results[1].code, "text_too_long");
  // The 2,000-character text was tried.
  EXPECT_EQ(results[2].outcome, Outcome::kTransient);
  EXPECT_EQ(results[2].code, "connect");
}

TEST(MessengerSendTest, TheTokenAndTheTextNeverReachTheReason) {
  const SendResult echoed = Classify(
      Answer(400, GraphError(100, std::string("Invalid parameter: access_token=") + kToken)));
  EXPECT_EQ(echoed.reason.find(kToken), std::string::npos);
  EXPECT_FALSE(echoed.reason.empty());
  const SendResult quoted = Classify(
      Answer(400, GraphError(100, "Invalid text: Counselling days on Friday at the consulate")));
  EXPECT_EQ(quoted.reason.find("Counselling days"), std::string::npos);
  const SendResult throttled =
      Classify(Answer(400, GraphError(613, std::string("Rate limit for token ") + kToken)));
  EXPECT_EQ(throttled.reason.find(kToken), std::string::npos);
  EXPECT_EQ(throttled.outcome, Outcome::kTransient);
}

}  // namespace
}  // namespace ogw
