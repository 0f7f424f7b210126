#pragma once

#include <cstddef>
#include <cstdint>
#include <map>
#include <mutex>
#include <set>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "tests/fakes/fake_graph.h"
#include "tests/testutil/http_sink.h"

namespace ogw::testing {

// A message the fake accepted (answered 200 with a message id), as the Send API received it.
struct FakeMessengerMessage {
  std::string id;                 // "m_" + base64url, as Messenger's message ids.
  std::string recipient_id;       // recipient.id: the person's page-scoped id (PSID).
  std::string messaging_type;     // RESPONSE | UPDATE | MESSAGE_TAG.
  std::string tag;                // With MESSAGE_TAG: CONFIRMED_EVENT_UPDATE, ...
  std::string notification_type;  // REGULAR (the default), SILENT_PUSH or NO_PUSH.
  std::string text;               // message.text.
  std::vector<std::string> quick_reply_titles;
  std::vector<std::string> quick_reply_payloads;
  std::string metadata;  // message.metadata: echoed in message_echoes.
};

// What a webhook POST from the fake got back.
struct FakeMessengerPost {
  int status = 0;          // The receiver's HTTP status; 0 when the request failed.
  std::string message_id;  // The mid the webhook was about (first mid of a delivery).
  std::string body;        // The exact bytes posted (what X-Hub-Signature-256 signs).
};

// An in-process stand-in for the Messenger Platform's Send API (graph.facebook.com) on a
// loopback port, built on HttpSink, answering
//   POST /{version}/me/messages  or  POST /{version}/{page_id}/messages   version: v<d>.<d>
// with the Graph API's JSON and error object
//   {"error":{"message","type":"OAuthException","code","error_subcode","fbtrace_id"}}
// (error_subcode only where Meta gives one):
//   - The Page access token comes as "Authorization: Bearer <token>" (or ?access_token=, which
//     Meta accepts too): else 401 code 190 "Invalid OAuth access token - Cannot parse access
//     token"; after ExpireToken() 401 code 190 subcode 463 "Error validating access token:
//     Session has expired on ...".
//   - Paths: an unversioned path or a non-numeric object: 404 code 803; another numeric object
//     id: 400 code 100 subcode 33 "Unsupported post request. ..."; another edge: 400 code
//     2500 "Unknown path components: /<edge>"; another method: 405, the same code 100 / 33.
//   - Body (JSON): recipient.id (digits), messaging_type RESPONSE | UPDATE | MESSAGE_TAG, with
//     MESSAGE_TAG a tag among CONFIRMED_EVENT_UPDATE, POST_PURCHASE_UPDATE, ACCOUNT_UPDATE,
//     HUMAN_AGENT; message.text of 1 to 2,000 characters (attachments are not modelled);
//     message.quick_replies at most 13, each content_type "text" with a title of at most 20
//     characters and a payload (or user_email / user_phone_number). Mistakes: 400 code 100
//     "(#100) ..." naming the parameter (105 too many, 194 too few quick replies).
//   - The person: Unknown(psid) ones get 400 code 100 subcode 2018001 "(#100) No matching user
//     found". RESPONSE and UPDATE need the person's 24-hour window open (a message, quick
//     reply or postback from them through SendInbound*/SendQuickReply/SendPostback, or
//     OpenWindow): else 400 code 10 subcode 2018278 "(#10) This message is sent outside of
//     allowed window. ...". HUMAN_AGENT needs a message within 7 days; the other tags none.
//   - Otherwise 200 {"recipient_id":<psid>,"message_id":"m_..."}.
// Scriptable faults apply to the next N requests, before authentication, throttle first:
//   ThrottleNext  400 code 613 "(#613) Calls to this api have exceeded the rate limit."
//   FailNext      503 code 2 "An unexpected error has occurred. Please retry your request
//                 later.", is_transient true
//
// Webhooks go to the URL given, as Meta posts them: {"object":"page","entry":[{"id":<page>,
// "time","messaging":[event]}]}, signed with X-Hub-Signature-256 (and the older
// X-Hub-Signature) under the app secret.
//
// Thread-safe: every method may be called from any thread while the fake runs.
class FakeMessenger {
 public:
  FakeMessenger(std::string page_id, std::string page_access_token, std::string app_secret);
  ~FakeMessenger();  // Stops.
  FakeMessenger(const FakeMessenger&) = delete;
  FakeMessenger& operator=(const FakeMessenger&) = delete;

  // Listens on 127.0.0.1 (any free port). False, with `*error` if given, when it cannot.
  bool Start(std::string* error = nullptr);
  void Stop();

  // The Graph API base to configure the provider with: "http://127.0.0.1:<port>".
  std::string BaseUrl() const { return sink_.BaseUrl(); }
  const std::string& page_id() const { return page_id_; }
  const std::string& app_secret() const { return webhooks_.app_secret(); }
  std::string page_access_token() const;

  // Replaces the accepted token (and forgets ExpireToken).
  void SetPageAccessToken(std::string token);
  // From now on the token is refused as expired (code 190, subcode 463).
  void ExpireToken();

  // The person's 24-hour window: open while their last message (SendInboundText,
  // SendQuickReply, SendPostback, or OpenWindow) is less than 24 hours old.
  void OpenWindow(const std::string& psid);
  void CloseWindow(const std::string& psid);
  bool WindowOpen(const std::string& psid) const;
  // A page-scoped id no one has for this Page: sends to it get 2018001.
  void Unknown(const std::string& psid);

  void ThrottleNext(size_t count);
  void FailNext(size_t count);

  std::vector<FakeMessengerMessage> Accepted() const;
  uint64_t requests() const { return sink_.requests(); }
  // Keeps the last `count` raw requests for Recorded(), as HttpSink does.
  void set_recording(size_t count) { sink_.set_recording(count); }
  std::vector<SinkRequest> Recorded() const { return sink_.Recorded(); }

  // POST a messages webhook from the person `psid` and open their window: a text; a quick
  // reply tapped (text the title, quick_reply.payload the payload); a postback (a button's
  // title and payload, with a mid).
  FakeMessengerPost SendInboundText(const std::string& url, const std::string& psid,
                                    const std::string& text);
  FakeMessengerPost SendQuickReply(const std::string& url, const std::string& psid,
                                   const std::string& title, const std::string& payload);
  FakeMessengerPost SendPostback(const std::string& url, const std::string& psid,
                                 const std::string& title, const std::string& payload);
  // POSTs a message_deliveries webhook: the person's Messenger got `mids` (ids the fake
  // answered with, or any).
  FakeMessengerPost SendDelivery(const std::string& url, const std::string& psid,
                                 const std::vector<std::string>& mids);
  // POSTs a message_echoes webhook: the Page's own message `text` to the person, as Meta
  // echoes every send (sender the Page, recipient the person, is_echo true). Not the
  // person's: the receiver must ignore it. Opens no window.
  FakeMessengerPost SendEcho(const std::string& url, const std::string& psid,
                             const std::string& text);
  // POSTs the body of the last webhook sent by one of the methods above again, byte for byte,
  // as Meta retries a delivery. status 0 when none.
  FakeMessengerPost ResendLast(const std::string& url);
  // The subscription handshake Meta performs when the webhook URL is saved:
  // GET url?hub.mode=subscribe&hub.verify_token=<token>&hub.challenge=<random digits>.
  // True when the answer is 200 and its body is exactly the challenge.
  bool VerifySubscription(const std::string& url, const std::string& verify_token);

 private:
  SinkResponse Handle(const SinkRequest& request);
  SinkResponse CreateMessage(const std::string& body);
  bool WindowOpenLocked(const std::string& psid, int64_t seconds) const;
  std::string Envelope(const std::string& event_json) const;
  // Posts an event from the person `psid` to the Page, `kind` ("message", "postback") with
  // `content`, about `mid`, and opens their window.
  FakeMessengerPost SendFromPerson(const std::string& url, const std::string& psid,
                                   const char* kind, nlohmann::ordered_json content,
                                   std::string mid);

  const std::string page_id_;
  GraphWebhooks webhooks_;  // Signs and posts webhooks; keeps the last for ResendLast.
  mutable std::mutex mu_;
  std::string page_access_token_;                // Guarded by mu_.
  int64_t expired_at_ = 0;                       // Guarded by mu_. Unix s; 0: valid.
  std::map<std::string, int64_t> last_inbound_;  // Guarded by mu_. psid -> Unix s.
  std::set<std::string> unknown_;                // Guarded by mu_.
  size_t throttle_next_ = 0;                     // Guarded by mu_.
  size_t fail_next_ = 0;                         // Guarded by mu_.
  std::vector<FakeMessengerMessage> accepted_;   // Guarded by mu_.
  HttpSink sink_;  // Last: stopped first, while the state its responder uses still exists.
};

}  // namespace ogw::testing
