#pragma once

// What the stand-ins for Meta's platforms (FakeWhatsApp, FakeMessenger) do the same way,
// because both are graph.facebook.com: the Graph API error object and the errors every edge
// answers with (token, path, method, server trouble), the /{version}/{object}/{edge} paths,
// webhooks signed with X-Hub-Signature-256 / X-Hub-Signature and sent again byte for byte,
// the subscription handshake, and the JSON and text helpers both read requests with. Kept in
// one place so the two fakes cannot drift apart where Meta does not. PostTo and CodePoints
// are not Graph's own: FakeTwilio uses them too.

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <tuple>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "tests/testutil/http_sink.h"

namespace ogw::testing {

// The current time in Unix seconds.
int64_t NowSeconds();

// Compact JSON as Meta writes it (ordered_json keeps Meta's field order); invalid UTF-8 is
// replaced, never thrown on.
std::string Dump(const nlohmann::ordered_json& doc);

// Whether `text` is one or more ASCII digits (Graph's object ids, versions).
bool AllDigits(std::string_view text);

// The Unicode code points of UTF-8 `text`: how Graph (and Twilio) count a text's length.
size_t CodePoints(std::string_view text);

// Whether `value` is one of `list` (an array of string_views, a vector of strings, ...).
template <typename List>
bool IsOneOf(std::string_view value, const List& list) {
  return std::find(list.begin(), list.end(), value) != list.end();
}

// Base64url without padding, as Meta's ids and trace ids are written.
std::string Base64Url(std::string_view bytes);

// `count` random decimal digits, the first never 0 (ids, subscription challenges).
std::string RandomDigits(size_t count);

// object[name] when `object` is an object that has it; else nullptr.
const nlohmann::ordered_json* Member(const nlohmann::ordered_json& object, const char* name);
// A member that must be a string: its value, or nullptr.
const std::string* StringMember(const nlohmann::ordered_json& object, const char* name);
// A member that must be a non-empty string: its value, or nullptr.
const std::string* NonEmptyStringMember(const nlohmann::ordered_json& object, const char* name);

// The Graph API error object
//   {"error":{"message","type","is_transient","code","error_data","error_subcode","fbtrace_id"}}
// error_data ({"messaging_product":"whatsapp","details"}) only when `details` is not empty (the
// WhatsApp Cloud API's errors), error_subcode when not 0, is_transient when set.
struct GraphError {
  int http_status = 400;
  std::string message;
  std::string type = "OAuthException";
  int code = 0;
  int subcode = 0;
  std::string details;
  bool transient = false;
};

// The error as Graph answers it: JSON, the fbtrace_id also as x-fb-trace-id, and for code 190
// (the token) a WWW-Authenticate header.
SinkResponse GraphErrorResponse(const GraphError& e);

// "(#<code>) <message>": the errors of Graph's own parameter checks (no error_data).
SinkResponse ParamError(const std::string& message, int code = 100, int subcode = 0);

// 401 code 190: no token, or not the one the fake accepts.
SinkResponse InvalidTokenError();

// 401 code 190 subcode 463: the right token, expired at `expired_at` (Unix seconds).
SinkResponse ExpiredTokenError(int64_t expired_at);

// 503 code 2, is_transient: what FailNext answers.
SinkResponse TransientError();

// 200 with `answer` as Graph's JSON.
SinkResponse GraphOk(const nlohmann::ordered_json& answer);

// Checks that `request` is POST /{version}/{object}/{edge}, version v<digits>.<digits> and
// object `object_id` or `alias` (such as "me" for a Page; empty: none), with Graph's answers
// when not: 404 code 803 for an unversioned path or a non-numeric object, 400 code 100
// subcode 33 for another object id or no edge, 400 code 2500 for another edge, 405 for another
// method. nullopt when the request is for the edge.
std::optional<SinkResponse> CheckGraphEdge(const SinkRequest& request, const std::string& object_id,
                                           std::string_view alias, std::string_view edge);

// POSTs `body` to `url` with `headers` (2 s to connect, 5 s to read or write): the receiver's
// HTTP status, 0 when the request failed.
int PostTo(const std::string& url, const std::vector<std::pair<std::string, std::string>>& headers,
           const std::string& body, const std::string& content_type);

// The subscription handshake Meta performs when a webhook URL is saved:
// GET url?hub.mode=subscribe&hub.verify_token=<token>&hub.challenge=<random digits>.
// True when the answer is 200 and its body is exactly the challenge.
bool VerifyGraphSubscription(const std::string& url, const std::string& verify_token);

// Webhooks as Meta posts them: JSON signed under the app secret with X-Hub-Signature-256 (and
// the older X-Hub-Signature), and the last one sent by hand kept to be sent again byte for
// byte, as Meta retries a delivery. `Result` is the fake's post struct (status, message_id,
// body). Thread-safe.
class GraphWebhooks {
 public:
  explicit GraphWebhooks(std::string app_secret) : app_secret_(std::move(app_secret)) {}

  const std::string& app_secret() const { return app_secret_; }

  // POSTs `body` signed: the receiver's HTTP status, 0 when the request failed.
  int Post(const std::string& url, const std::string& body) const;

  // POSTs `body` about `message_id` and keeps both for ResendLast.
  template <typename Result>
  Result Send(const std::string& url, std::string body, std::string message_id) {
    Keep(body, message_id);
    Result result;
    result.status = Post(url, body);
    result.message_id = std::move(message_id);
    result.body = std::move(body);
    return result;
  }

  // POSTs the body Send posted last again; status 0 when there was none.
  template <typename Result>
  Result ResendLast(const std::string& url) const {
    Result result;
    std::tie(result.body, result.message_id) = Last();
    if (!result.body.empty()) result.status = Post(url, result.body);
    return result;
  }

 private:
  void Keep(const std::string& body, const std::string& message_id);
  std::pair<std::string, std::string> Last() const;  // Body, message id.

  const std::string app_secret_;
  mutable std::mutex mu_;
  std::string last_body_;  // Guarded by mu_.
  std::string last_id_;    // Guarded by mu_.
};

}  // namespace ogw::testing
