#include "tests/fakes/fake_graph.h"

#include <httplib.h>

#include <cctype>
#include <ctime>

#include "gateway/core/crypto.h"

namespace ogw::testing {
namespace {

using json = nlohmann::ordered_json;

// v<digits>.<digits>, as in v21.0.
bool IsVersion(std::string_view segment) {
  if (segment.size() < 4 || segment[0] != 'v') return false;
  const size_t dot = segment.find('.');
  if (dot == std::string_view::npos) return false;
  return AllDigits(segment.substr(1, dot - 1)) && AllDigits(segment.substr(dot + 1));
}

// The non-empty segments of a path.
std::vector<std::string> SplitPath(std::string_view path) {
  std::vector<std::string> segments;
  size_t at = 0;
  while (at < path.size()) {
    if (path[at] == '/') {
      ++at;
      continue;
    }
    const size_t end = std::min(path.find('/', at), path.size());
    segments.emplace_back(path.substr(at, end - at));
    at = end;
  }
  return segments;
}

// Like "AbCdEf-_0123456789xyzAB": 23 characters, as Graph's fbtrace_id.
std::string FbTraceId() { return "A" + Base64Url(RandomBytes(18)).substr(0, 22); }

std::string UrlEncode(std::string_view text) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  for (unsigned char c : text) {
    if (std::isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~') {
      out += static_cast<char>(c);
    } else {
      out += '%';
      out += kHex[c >> 4];
      out += kHex[c & 0x0F];
    }
  }
  return out;
}

// Graph writes times in Pacific time; a fixed UTC-7 ("PDT") is close enough for a message.
std::string PacificTime(int64_t unix_seconds) {
  const std::time_t shifted = static_cast<std::time_t>(unix_seconds - int64_t{7} * 60 * 60);
  std::tm tm{};
  gmtime_r(&shifted, &tm);
  char buffer[64];
  std::strftime(buffer, sizeof buffer, "%A, %d-%b-%y %H:%M:%S PDT", &tm);
  return buffer;
}

// 400 or 405 GraphMethodException code 100 subcode 33: an object the token cannot use, or a
// method the edge does not take.
SinkResponse UnsupportedRequest(int http_status, const std::string& method,
                                const std::string& object_id) {
  std::string verb = method;
  for (char& c : verb) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  GraphError e;
  e.http_status = http_status;
  e.type = "GraphMethodException";
  e.code = 100;
  e.subcode = 33;
  e.message = "Unsupported " + verb + " request. Object with ID '" + object_id +
              "' does not exist, cannot be loaded due to missing permissions, or does not "
              "support this operation. Please read the Graph API documentation at "
              "https://developers.facebook.com/docs/graph-api";
  return GraphErrorResponse(e);
}

struct SplitUrl {
  std::string origin;
  std::string path;
};

SplitUrl Split(const std::string& url) {
  const size_t scheme = url.find("://");
  const size_t path_at =
      scheme == std::string::npos ? std::string::npos : url.find('/', scheme + 3);
  SplitUrl out;
  out.origin = path_at == std::string::npos ? url : url.substr(0, path_at);
  out.path = path_at == std::string::npos ? "/" : url.substr(path_at);
  return out;
}

httplib::Client NewClient(const std::string& origin) {
  httplib::Client client(origin);
  client.set_connection_timeout(2);
  client.set_read_timeout(5);
  client.set_write_timeout(5);
  return client;
}

}  // namespace

int64_t NowSeconds() { return static_cast<int64_t>(std::time(nullptr)); }

std::string Dump(const json& doc) {
  return doc.dump(-1, ' ', false, json::error_handler_t::replace);
}

bool AllDigits(std::string_view text) {
  return !text.empty() &&
         std::all_of(text.begin(), text.end(), [](char c) { return c >= '0' && c <= '9'; });
}

size_t CodePoints(std::string_view text) {
  return static_cast<size_t>(std::count_if(text.begin(), text.end(), [](char c) {
    return (static_cast<unsigned char>(c) & 0xC0) != 0x80;
  }));
}

std::string Base64Url(std::string_view bytes) {
  std::string out = Base64Encode(bytes);
  for (char& c : out) {
    if (c == '+') c = '-';
    if (c == '/') c = '_';
  }
  out.erase(std::remove(out.begin(), out.end(), '='), out.end());
  return out;
}

std::string RandomDigits(size_t count) {
  const std::string bytes = RandomBytes(count);
  std::string out;
  for (size_t i = 0; i < count; ++i) {
    const int digit = static_cast<unsigned char>(bytes[i]) % 10;
    out += static_cast<char>('0' + (i == 0 && digit == 0 ? 1 : digit));
  }
  return out;
}

const json* Member(const json& object, const char* name) {
  if (!object.is_object()) return nullptr;
  const auto it = object.find(name);
  return it == object.end() ? nullptr : &*it;
}

const std::string* StringMember(const json& object, const char* name) {
  const json* value = Member(object, name);
  if (value == nullptr || !value->is_string()) return nullptr;
  return value->get_ptr<const std::string*>();
}

const std::string* NonEmptyStringMember(const json& object, const char* name) {
  const std::string* text = StringMember(object, name);
  return text == nullptr || text->empty() ? nullptr : text;
}

SinkResponse GraphErrorResponse(const GraphError& e) {
  json error;
  error["message"] = e.message;
  error["type"] = e.type;
  if (e.transient) error["is_transient"] = true;
  error["code"] = e.code;
  if (!e.details.empty()) {
    error["error_data"] = {{"messaging_product", "whatsapp"}, {"details", e.details}};
  }
  if (e.subcode != 0) error["error_subcode"] = e.subcode;
  error["fbtrace_id"] = FbTraceId();
  json doc;
  doc["error"] = std::move(error);
  SinkResponse response;
  response.status = e.http_status;
  response.headers.emplace_back("Content-Type", "application/json; charset=UTF-8");
  response.headers.emplace_back("x-fb-trace-id", doc["error"]["fbtrace_id"].get<std::string>());
  if (e.code == 190) {
    response.headers.emplace_back(
        "WWW-Authenticate", "OAuth \"Facebook Platform\" \"invalid_token\" \"" + e.message + "\"");
  }
  response.body = Dump(doc);
  return response;
}

SinkResponse ParamError(const std::string& message, int code, int subcode) {
  GraphError e;
  e.message = "(#" + std::to_string(code) + ") " + message;
  e.code = code;
  e.subcode = subcode;
  return GraphErrorResponse(e);
}

SinkResponse InvalidTokenError() {
  GraphError e;
  e.http_status = 401;
  e.code = 190;
  e.message = "Invalid OAuth access token - Cannot parse access token";
  return GraphErrorResponse(e);
}

SinkResponse ExpiredTokenError(int64_t expired_at) {
  GraphError e;
  e.http_status = 401;
  e.code = 190;
  e.subcode = 463;
  e.message = "Error validating access token: Session has expired on " + PacificTime(expired_at) +
              ". The current time is " + PacificTime(NowSeconds()) + ".";
  return GraphErrorResponse(e);
}

SinkResponse TransientError() {
  GraphError e;
  e.http_status = 503;
  e.code = 2;
  e.transient = true;
  e.message = "An unexpected error has occurred. Please retry your request later.";
  return GraphErrorResponse(e);
}

SinkResponse GraphOk(const json& answer) {
  SinkResponse response;
  response.status = 200;
  response.headers.emplace_back("Content-Type", "application/json; charset=UTF-8");
  response.body = Dump(answer);
  return response;
}

std::optional<SinkResponse> CheckGraphEdge(const SinkRequest& request, const std::string& object_id,
                                           std::string_view alias, std::string_view edge) {
  const std::vector<std::string> segments =
      SplitPath(std::string_view(request.path).substr(0, request.path.find('?')));
  const auto no_alias = [](const std::string& name) {
    GraphError e;
    e.http_status = 404;
    e.code = 803;
    e.message = "(#803) Some of the aliases you requested do not exist: " + name;
    return GraphErrorResponse(e);
  };
  if (segments.empty()) return no_alias("");
  if (!IsVersion(segments[0])) return no_alias(segments[0]);
  if (segments.size() < 2) return no_alias("");
  if (segments[1] != object_id && (alias.empty() || segments[1] != alias)) {
    if (!AllDigits(segments[1])) return no_alias(segments[1]);
    return UnsupportedRequest(400, request.method, segments[1]);
  }
  if (segments.size() == 2) return UnsupportedRequest(400, request.method, object_id);
  if (segments.size() != 3 || segments[2] != edge) {
    std::string rest;
    for (size_t i = 2; i < segments.size(); ++i) rest += "/" + segments[i];
    GraphError e;
    e.code = 2500;
    e.message = "Unknown path components: " + rest;
    return GraphErrorResponse(e);
  }
  if (request.method != "POST") return UnsupportedRequest(405, request.method, object_id);
  return std::nullopt;
}

int PostTo(const std::string& url, const std::vector<std::pair<std::string, std::string>>& headers,
           const std::string& body, const std::string& content_type) {
  const SplitUrl parts = Split(url);
  httplib::Client client = NewClient(parts.origin);
  const httplib::Headers sent(headers.begin(), headers.end());
  const httplib::Result response = client.Post(parts.path, sent, body, content_type);
  return response ? response->status : 0;
}

bool VerifyGraphSubscription(const std::string& url, const std::string& verify_token) {
  const std::string challenge = RandomDigits(10);
  const SplitUrl parts = Split(url);
  const std::string path = parts.path + (parts.path.find('?') == std::string::npos ? "?" : "&") +
                           "hub.mode=subscribe&hub.verify_token=" + UrlEncode(verify_token) +
                           "&hub.challenge=" + challenge;
  httplib::Client client = NewClient(parts.origin);
  const httplib::Headers headers = {{"User-Agent", "facebookplatform/1.0"}, {"Accept", "*/*"}};
  const httplib::Result response = client.Get(path, headers);
  return response && response->status == 200 && response->body == challenge;
}

int GraphWebhooks::Post(const std::string& url, const std::string& body) const {
  // Signed here rather than with the adapters' MetaSignature, so that the receivers' check is
  // tested against a signer of its own.
  return PostTo(url,
                {{"X-Hub-Signature", "sha1=" + HexEncode(HmacSha1(app_secret_, body))},
                 {"X-Hub-Signature-256", "sha256=" + HexEncode(HmacSha256(app_secret_, body))},
                 {"User-Agent", "facebookexternalua"},
                 {"Accept", "*/*"}},
                body, "application/json");
}

void GraphWebhooks::Keep(const std::string& body, const std::string& message_id) {
  std::lock_guard lock(mu_);
  last_body_ = body;
  last_id_ = message_id;
}

std::pair<std::string, std::string> GraphWebhooks::Last() const {
  std::lock_guard lock(mu_);
  return {last_body_, last_id_};
}

}  // namespace ogw::testing
