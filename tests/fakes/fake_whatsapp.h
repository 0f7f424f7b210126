#pragma once

#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <map>
#include <mutex>
#include <set>
#include <string>
#include <thread>
#include <unordered_map>
#include <utility>
#include <vector>

#include "tests/fakes/fake_graph.h"
#include "tests/testutil/http_sink.h"

namespace ogw::testing {

// A message the fake accepted (answered 200 with a wamid), as the Cloud API received it.
struct FakeWhatsAppMessage {
  std::string id;                  // "wamid." + base64.
  std::string to;                  // As sent ("+4915112345678" or "4915112345678").
  std::string wa_id;               // The digits of `to`.
  std::string type;                // text | template | interactive | image | document.
  std::string context_message_id;  // context.message_id when it answers a message, else empty.
  // biz_opaque_callback_data: the sender's own reference, echoed in every status.
  std::string callback_data;
  // text
  std::string text;  // text.body.
  bool preview_url = false;
  // template
  std::string template_name;
  std::string template_language;                 // template.language.code.
  std::vector<std::string> template_parameters;  // The body component's text parameters.
  // The payloads of the quick-reply button components, in button index order (index 0 first).
  std::vector<std::string> template_button_payloads;
  // interactive (reply buttons)
  std::string interactive_body;  // interactive.body.text.
  std::vector<std::string> button_ids;
  std::vector<std::string> button_titles;
  // The header of an interactive message (interactive.header) or of a template (its header
  // component's parameter): text | image | video | document, empty when there is none. A media
  // header's link and a document header's filename are in media_link / filename.
  std::string header_type;
  std::string header_text;  // A text header's text (a template's: its text parameter).
  // image / document, and media headers
  std::string media_link;
  std::string caption;   // image / document messages only.
  std::string filename;  // document only (a message or a header).
  // What the fake decided at acceptance: the conversation / pricing category ("service" for a
  // free-form message, the template's category otherwise) and the error of the `failed` status
  // it reports for the message (131047, 131026, 131050), 0 when it is deliverable.
  std::string category;
  int async_error = 0;
};

// What a webhook POST from the fake got back.
struct FakeWhatsAppPost {
  int status = 0;          // The receiver's HTTP status; 0 when the request failed.
  std::string message_id;  // The wamid the webhook was about (inbound message or status).
  std::string body;        // The exact bytes posted (what X-Hub-Signature-256 signs).
};

// One status webhook the background thread posted (AutoStatuses).
struct FakeWhatsAppStatusPost {
  std::string message_id;
  std::string status;  // sent | delivered | failed.
  int error_code = 0;
  int http_status = 0;  // The receiver's answer; 0 when the request failed.
};

// An in-process stand-in for the WhatsApp Cloud API (graph.facebook.com) on a loopback port,
// built on HttpSink, answering
//   POST /{version}/{phone_number_id}/messages      version: v<digits>.<digits>
// with the Graph API's JSON and error object
//   {"error":{"message","type","code","error_data":{"messaging_product","details"},
//             "error_subcode","fbtrace_id"}}
// (error_data on WhatsApp errors, error_subcode only on Graph errors that carry one):
//   - Authorization must be "Bearer <access token>": else 401 code 190 "Invalid OAuth access
//     token - Cannot parse access token"; after ExpireToken() 401 code 190 subcode 463 "Error
//     validating access token: Session has expired on ...".
//   - Paths: an unversioned path or a non-numeric object: 404 code 803 "(#803) Some of the
//     aliases you requested do not exist: <alias>"; another numeric object id: 400
//     GraphMethodException code 100 subcode 33 "Unsupported post request. Object with ID ...";
//     another edge of the phone number: 400 code 2500 "Unknown path components: /<edge>";
//     another method on .../messages: 405 with the "Unsupported <method> request" error.
//   - Body: messaging_product "whatsapp" (400 code 100 "(#100) The parameter messaging_product
//     is required."), to (digits, optional leading +), type (default text) among the Cloud
//     API's types, of which text, template (with text, media header and quick-reply payload
//     parameters), interactive (reply buttons, with an optional text or media header), image
//     and document are modelled; see fake_whatsapp.cc for each check and its error.
//   - Otherwise 200 {"messaging_product":"whatsapp","contacts":[{"input","wa_id"}],
//     "messages":[{"id":"wamid..."}]}, templates with "message_status":"accepted".
// Delivery problems are not refused: as on the Cloud API the message is accepted and then
// gets a `failed` status webhook:
//   131026  the number is NotOnWhatsApp
//   131050  a marketing template to a number that stopped marketing messages
//   131047  a free-form message (not a template) while the person's customer-service window
//           (24 hours from their last inbound message) is closed
// With SetWebhook(url) and AutoStatuses on (the default), a background thread posts, for each
// accepted message, `sent` then `delivered`, or that `failed` status, status_delay_ms after the
// answer left, signed with X-Hub-Signature-256 under the app secret.
//
// Scriptable faults apply to the next N requests, before authentication, in the order
// hang > throttle > pair rate > spam rate > fail when several are armed:
//   ThrottleNext       130429 "(#130429) Rate limit hit"
//   PairRateLimitNext  131056 "(#131056) (Business Account, Consumer Account) pair rate limit
//                      hit"
//   SpamLimitNext      131048 "(#131048) Spam rate limit hit"
//                      (these three with HTTP 429, as Meta's error-code table lists them;
//                      set_rate_limit_http_status(400) for the 400 seen in practice)
//   FailNext           503 code 2 "An unexpected error has occurred. Please retry your
//                      request later.", is_transient true
//   HangNext           processed normally but answered only after `hang_ms`.
//
// Thread-safe: every method may be called from any thread while the fake runs.
class FakeWhatsApp {
 public:
  FakeWhatsApp(std::string phone_number_id, std::string access_token, std::string app_secret);
  ~FakeWhatsApp();  // Stops.
  FakeWhatsApp(const FakeWhatsApp&) = delete;
  FakeWhatsApp& operator=(const FakeWhatsApp&) = delete;

  // Listens on 127.0.0.1 (any free port) and starts the status thread. False, with `*error`
  // if given, when it cannot.
  bool Start(std::string* error = nullptr);
  // Stops answering, then the status thread; statuses not yet posted are dropped.
  void Stop();

  // The Graph API base to configure the provider with: "http://127.0.0.1:<port>".
  std::string BaseUrl() const { return sink_.BaseUrl(); }
  const std::string& phone_number_id() const { return phone_number_id_; }
  const std::string& app_secret() const { return webhooks_.app_secret(); }
  std::string access_token() const;

  // Replaces the accepted token (and forgets ExpireToken).
  void SetAccessToken(std::string token);
  // From now on the token is refused as expired (code 190, subcode 463).
  void ExpireToken();
  // The business number in webhooks' metadata and in a button reply's context.from (digits).
  void set_display_phone_number(std::string digits);
  std::string display_phone_number() const;
  // entry[0].id of every webhook (the WhatsApp Business Account id).
  void set_waba_id(std::string waba_id);
  // contacts[0].profile.name of the person's inbound webhooks ("Ana Souza" by default).
  void SetContactName(const std::string& wa_id, std::string name);
  // marketing (the default), utility or authentication: the template's conversation and
  // pricing category; only marketing templates are stopped by AddStoppedMarketing.
  void SetTemplateCategory(const std::string& template_name, std::string category);

  // Customer-service windows, per wa_id (a number with or without '+'): open while the last
  // inbound message (SendInbound*, or OpenWindow) is less than 24 hours old.
  void OpenWindow(const std::string& wa_id);
  void CloseWindow(const std::string& wa_id);
  bool WindowOpen(const std::string& wa_id) const;
  void NotOnWhatsApp(const std::string& number);
  void AddStoppedMarketing(const std::string& number);

  void ThrottleNext(size_t count);
  void PairRateLimitNext(size_t count);
  void SpamLimitNext(size_t count);
  void FailNext(size_t count);
  void HangNext(size_t count, int64_t hang_ms);
  // The HTTP status of the 130429 / 131056 / 131048 answers (429 by default).
  void set_rate_limit_http_status(int status);

  // Where automatic status webhooks go; empty: nowhere.
  void SetWebhook(std::string url);
  // On by default; off: accepted messages get no status webhook (SendStatus still works).
  void AutoStatuses(bool on);
  // How long after the answer the first status is posted (50 ms by default).
  void set_status_delay_ms(int64_t delay_ms);
  // Waits until every automatic status due so far was posted. False on timeout.
  bool WaitForStatuses(int64_t timeout_ms);
  std::vector<FakeWhatsAppStatusPost> StatusPosts() const;

  std::vector<FakeWhatsAppMessage> Accepted() const;
  uint64_t requests() const { return sink_.requests(); }
  // Keeps the last `count` raw requests for Recorded(), as HttpSink does.
  void set_recording(size_t count) { sink_.set_recording(count); }
  std::vector<SinkRequest> Recorded() const { return sink_.Recorded(); }

  // POSTs one status webhook for `wamid` (an accepted message's id, or any id) to `url`:
  // sent / delivered / read with conversation and pricing, failed with errors[] for
  // `error_code` (any status carries errors when `error_code` is not 0).
  FakeWhatsAppPost SendStatus(const std::string& url, const std::string& wamid,
                              const std::string& status, int error_code = 0);
  // POST a messages webhook from the person `from_wa_id` (digits) and open their window:
  // a text message; a press of reply button `button_id` / `title` under the business's message
  // `context_wamid`; an image (caption omitted when empty).
  FakeWhatsAppPost SendInboundText(const std::string& url, const std::string& from_wa_id,
                                   const std::string& text);
  FakeWhatsAppPost SendButtonReply(const std::string& url, const std::string& from_wa_id,
                                   const std::string& context_wamid, const std::string& button_id,
                                   const std::string& title);
  FakeWhatsAppPost SendImage(const std::string& url, const std::string& from_wa_id,
                             const std::string& caption);
  // POSTs the body of the last webhook sent by one of the four methods above again, byte for
  // byte, as Meta retries a delivery (automatic statuses do not count). status 0 when none.
  FakeWhatsAppPost ResendLast(const std::string& url);
  // The subscription handshake Meta performs when the webhook URL is saved:
  // GET url?hub.mode=subscribe&hub.verify_token=<token>&hub.challenge=<random digits>.
  // True when the answer is 200 and its body is exactly the challenge.
  bool VerifySubscription(const std::string& url, const std::string& verify_token);

 private:
  using Clock = std::chrono::steady_clock;
  struct StatusJob {
    std::string url;
    std::string body;
    std::string message_id;
    std::string status;
    int error_code = 0;
  };
  struct Conversation {
    std::string id;
    int64_t expires_at = 0;  // Unix seconds.
  };

  SinkResponse Handle(const SinkRequest& request);
  SinkResponse CreateMessage(const std::string& body, int64_t answer_delay_ms);
  void RunStatusThread();
  bool TokenExpiredLocked() const;
  bool WindowOpenLocked(const std::string& wa_id) const;
  // One status webhook body; reads and updates conversations_.
  std::string StatusBodyLocked(const std::string& wamid, const std::string& status, int error_code);
  std::string EnvelopeLocked(const std::string& value_json) const;
  std::string InboundLocked(const std::string& from_wa_id, const std::string& message_json);

  const std::string phone_number_id_;
  GraphWebhooks webhooks_;  // Signs and posts webhooks; keeps the last for ResendLast.
  mutable std::mutex mu_;
  std::condition_variable cv_;                              // Signals jobs_ / in_flight_ / stop.
  std::string access_token_;                                // Guarded by mu_.
  int64_t expired_at_ = 0;                                  // Guarded by mu_. Unix s; 0: valid.
  std::string display_phone_number_ = "15550001234";        // Guarded by mu_.
  std::string waba_id_ = "102290129340398";                 // Guarded by mu_.
  std::map<std::string, std::string> contact_names_;        // Guarded by mu_.
  std::map<std::string, std::string> template_category_;    // Guarded by mu_.
  std::map<std::string, int64_t> last_inbound_;             // Guarded by mu_. wa_id -> Unix s.
  std::set<std::string> not_on_whatsapp_;                   // Guarded by mu_.
  std::set<std::string> stopped_marketing_;                 // Guarded by mu_.
  std::map<std::string, Conversation> conversations_;       // Guarded by mu_. wa_id/category.
  size_t throttle_next_ = 0;                                // Guarded by mu_.
  size_t pair_limit_next_ = 0;                              // Guarded by mu_.
  size_t spam_limit_next_ = 0;                              // Guarded by mu_.
  size_t fail_next_ = 0;                                    // Guarded by mu_.
  size_t hang_next_ = 0;                                    // Guarded by mu_.
  int64_t hang_ms_ = 0;                                     // Guarded by mu_.
  int rate_limit_http_status_ = 429;                        // Guarded by mu_.
  std::vector<FakeWhatsAppMessage> accepted_;               // Guarded by mu_.
  std::unordered_map<std::string, size_t> accepted_index_;  // Guarded by mu_. id -> index.
  std::string webhook_url_;                                 // Guarded by mu_.
  bool auto_statuses_ = true;                               // Guarded by mu_.
  int64_t status_delay_ms_ = 50;                            // Guarded by mu_.
  // Automatic statuses by due time, then order of queueing.
  std::map<std::pair<Clock::time_point, uint64_t>, StatusJob> jobs_;  // Guarded by mu_.
  uint64_t next_job_ = 0;                                             // Guarded by mu_.
  size_t in_flight_ = 0;                                              // Guarded by mu_.
  bool stop_worker_ = false;                                          // Guarded by mu_.
  std::vector<FakeWhatsAppStatusPost> status_posts_;                  // Guarded by mu_.
  std::thread worker_;  // Started and joined by Start() / Stop() (serialised by the caller).
  HttpSink sink_;       // Last: stopped first, while the state its responder uses still exists.
};

}  // namespace ogw::testing
