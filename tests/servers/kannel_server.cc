#include "tests/servers/kannel_server.h"

#include <fcntl.h>
#include <iconv.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <map>
#include <optional>
#include <sstream>
#include <thread>
#include <tuple>

#include "adapters/common/http_batch_client.h"
#include "gateway/core/crypto.h"
#include "tests/servers/child_process.h"
#include "tests/servers/server_files.h"

namespace ogw::testing {
namespace {

constexpr auto kStartTimeout = std::chrono::seconds(15);
constexpr auto kStopTimeout = std::chrono::seconds(5);
constexpr auto kMoTimeout = std::chrono::seconds(5);
constexpr auto kPoll = std::chrono::milliseconds(50);
constexpr int kStartAttempts = 3;
constexpr size_t kPortCount = 4;
// fakesmsc reads its stdin with fgets into 256 bytes: a longer line arrives as two messages.
constexpr size_t kMaxMoLineBytes = 254;
constexpr size_t kTailBytes = 3000;
constexpr char kGotMessage[] = "Got message ";

std::string Tail(const std::string& text) {
  return text.size() > kTailBytes ? "..." + text.substr(text.size() - kTailBytes) : text;
}

// Distinct free ports: all bound at once so they differ, released just before Kannel binds
// them (a small window that Start() covers by retrying).
absl::StatusOr<std::vector<int>> FreePorts(size_t count) {
  std::vector<int> fds;
  std::vector<int> ports;
  absl::Status status = absl::OkStatus();
  for (size_t i = 0; i < count && status.ok(); ++i) {
    const int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0) {
      status = absl::InternalError("socket() failed");
      break;
    }
    fds.push_back(fd);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t length = sizeof addr;
    if (bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0 ||
        getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &length) != 0) {
      status = absl::InternalError("cannot bind a free port on 127.0.0.1");
      break;
    }
    ports.push_back(ntohs(addr.sin_port));
  }
  for (const int fd : fds) close(fd);
  if (!status.ok()) return status;
  return ports;
}

HttpResponse Get(const std::string& url) {
  HttpBatchClientOptions options;
  options.max_in_flight = 1;
  options.connect_timeout_ms = 500;
  options.request_timeout_ms = 1000;
  HttpBatchClient client(options);
  HttpRequest request;
  request.method = "GET";
  request.url = url;
  HttpResponse response;
  client.Perform({&request, 1}, {&response, 1});
  return response;
}

// Writes all of `data` to a pipe; false when the reader has gone. SIGPIPE is blocked around
// the write and a pending one consumed, so a dead fakesmsc cannot kill the test.
bool WriteToPipe(int fd, std::string_view data) {
  sigset_t pipe_signal;
  sigset_t old_mask;
  sigemptyset(&pipe_signal);
  sigaddset(&pipe_signal, SIGPIPE);
  pthread_sigmask(SIG_BLOCK, &pipe_signal, &old_mask);
  bool ok = true;
  while (!data.empty()) {
    const ssize_t n = write(fd, data.data(), data.size());
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      ok = false;
      break;
    }
    data.remove_prefix(static_cast<size_t>(n));
  }
  if (!ok) {
    const timespec no_wait{};
    sigtimedwait(&pipe_signal, nullptr, &no_wait);
  }
  pthread_sigmask(SIG_SETMASK, &old_mask, nullptr);
  return ok;
}

absl::StatusOr<std::string> Iconv(const char* to, const char* from, std::string_view input) {
  iconv_t converter = iconv_open(to, from);
  if (converter == reinterpret_cast<iconv_t>(-1)) return absl::InternalError("iconv_open");
  std::string in(input);
  std::string out(input.size() * 4 + 16, '\0');
  char* in_at = in.data();
  size_t in_left = in.size();
  char* out_at = out.data();
  size_t out_left = out.size();
  const size_t result = iconv(converter, &in_at, &in_left, &out_at, &out_left);
  iconv_close(converter);
  if (result == static_cast<size_t>(-1)) {
    return absl::InvalidArgumentError(std::string("not convertible from ") + from + " to " + to);
  }
  out.resize(out.size() - out_left);
  return out;
}

int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// Kannel's octstr_url_encode: '+' for a space, %XX for unsafe bytes, safe ones as they are.
std::string UrlDecoded(std::string_view text) {
  std::string out;
  for (size_t i = 0; i < text.size(); ++i) {
    if (text[i] == '+') {
      out.push_back(' ');
    } else if (text[i] == '%' && i + 2 < text.size() && HexValue(text[i + 1]) >= 0 &&
               HexValue(text[i + 2]) >= 0) {
      out.push_back(static_cast<char>(HexValue(text[i + 1]) * 16 + HexValue(text[i + 2])));
      i += 2;
    } else {
      out.push_back(text[i]);
    }
  }
  return out;
}

std::string EveryBytePercentEncoded(std::string_view bytes) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  for (const char c : bytes) {
    const auto u = static_cast<unsigned char>(c);
    out += {'%', kHex[u >> 4], kHex[u & 0xF]};
  }
  return out;
}

bool IsPrintableAscii(std::string_view text) {
  for (const char c : text) {
    if (c < ' ' || c > '~') return false;
  }
  return true;
}

// One line fakesmsc logged for an MT message, split into its fields.
struct Part {
  FakeSmscMessage message;
  std::string udh;
};

std::optional<Part> ParseLine(std::string_view line) {
  const size_t got = line.find(kGotMessage);
  if (got == std::string_view::npos) return std::nullopt;
  const size_t open = line.find(": <", got);
  const size_t close = line.rfind('>');
  if (open == std::string_view::npos || close == std::string_view::npos || close < open + 3) {
    return std::nullopt;
  }
  std::string_view rest = line.substr(open + 3, close - open - 3);
  auto word = [&rest]() {
    const size_t space = rest.find(' ');
    const std::string_view w = rest.substr(0, space);
    rest = space == std::string_view::npos ? std::string_view() : rest.substr(space + 1);
    return std::string(w);
  };
  Part part;
  part.message.from = word();
  part.message.to = word();
  part.message.type = word();
  if (part.message.type == "text") {
    part.message.payload = std::string(rest);
  } else if (part.message.type == "udh") {
    part.udh = UrlDecoded(word());
    if (word() != "data") return std::nullopt;
    part.message.payload = UrlDecoded(rest);
  } else {
    part.message.payload = UrlDecoded(rest);
  }
  return part;
}

// The concatenation element of a UDH: reference, total and sequence number, if there is one.
std::optional<std::tuple<int, int, int>> Concatenation(std::string_view udh) {
  const auto byte = [&](size_t i) { return static_cast<unsigned char>(udh[i]); };
  if (udh.empty()) return std::nullopt;
  const size_t end = std::min<size_t>(udh.size(), 1 + byte(0));
  for (size_t i = 1; i + 1 < end;) {
    const int element = byte(i);
    const size_t length = byte(i + 1);
    if (i + 2 + length > end) break;
    if (element == 0x00 && length == 3) {
      return std::make_tuple(byte(i + 2), byte(i + 3), byte(i + 4));
    }
    if (element == 0x08 && length == 4) {
      return std::make_tuple(byte(i + 2) * 256 + byte(i + 3), byte(i + 4), byte(i + 5));
    }
    i += 2 + length;
  }
  return std::nullopt;
}

}  // namespace

std::string FakeSmscMessage::Text() const { return type == "ucs-2" ? Ucs2Text() : payload; }

std::string FakeSmscMessage::Ucs2Text() const {
  absl::StatusOr<std::string> text = Iconv("UTF-8", "UTF-16BE", payload);
  return text.ok() ? *text : "<not UTF-16BE: " + EveryBytePercentEncoded(payload) + ">";
}

KannelServer::KannelServer(KannelServerOptions options) : options_(std::move(options)) {}

KannelServer::~KannelServer() { Stop(); }

std::string KannelServer::SendsmsUrl() const {
  return "http://127.0.0.1:" + std::to_string(sendsms_port_) + "/cgi-bin/sendsms";
}

std::string KannelServer::AdminStatusUrl() const {
  return "http://127.0.0.1:" + std::to_string(admin_port_) +
         "/status.txt?password=" + admin_password_;
}

absl::Status KannelServer::Start() {
  for (const std::string* binary : {&options_.bearerbox, &options_.smsbox, &options_.fakesmsc}) {
    if (access(binary->c_str(), X_OK) != 0) {
      return absl::FailedPreconditionError(*binary +
                                           " is missing: install Debian's kannel kannel-extras");
    }
  }
  absl::Status status;
  for (int attempt = 0; attempt < kStartAttempts; ++attempt) {
    status = StartOnce();
    if (status.ok()) return status;
    const std::string tails = LogTails();
    Stop();
    // Only a box that exited (a port taken in the meantime) is worth another try.
    if (status.code() != absl::StatusCode::kUnavailable || attempt + 1 == kStartAttempts) {
      return absl::FailedPreconditionError(std::string(MessageOf(status)) + "\n" + tails);
    }
  }
  return status;
}

absl::Status KannelServer::StartOnce() {
  ASSIGN_OR_RETURN(const std::vector<int> ports, FreePorts(kPortCount));
  admin_port_ = ports[0];
  smsbox_port_ = ports[1];
  smsc_port_ = ports[2];
  sendsms_port_ = ports[3];
  admin_password_ = HexEncode(RandomBytes(8));
  RETURN_IF_ERROR(WriteConfig());
  RETURN_IF_ERROR(StartBearerbox());
  RETURN_IF_ERROR(StartSmsbox());
  return StartFakesmsc();
}

absl::Status KannelServer::WriteConfig() {
  if (options_.sms_service_get_url.find_first_of("\"\\") != std::string::npos) {
    return absl::InvalidArgumentError("the get-url must not contain '\"' or '\\'");
  }
  const std::string service = options_.sms_service_get_url.empty()
                                  ? "text = \"-\"\n"
                                  : "get-url = \"" + options_.sms_service_get_url + "\"\n";
  std::ofstream out(std::filesystem::path(dir_.path()) / "kannel.conf");
  out << "group = core\n"
      << "admin-port = " << admin_port_ << "\n"
      << "admin-interface = 127.0.0.1\n"
      << "admin-password = " << admin_password_ << "\n"
      << "admin-allow-ip = 127.0.0.1\n"
      << "smsbox-port = " << smsbox_port_ << "\n"
      << "smsbox-interface = 127.0.0.1\n"
      << "box-allow-ip = 127.0.0.1\n"
      << "dlr-storage = internal\n"
      << "\n"
      << "group = smsc\n"
      << "smsc = fake\n"
      << "smsc-id = fake\n"
      << "port = " << smsc_port_ << "\n"
      << "our-host = 127.0.0.1\n"
      << "connect-allow-ip = 127.0.0.1\n"
      << "\n"
      << "group = smsbox\n"
      << "bearerbox-host = 127.0.0.1\n"
      << "bearerbox-port = " << smsbox_port_ << "\n"
      << "sendsms-port = " << sendsms_port_ << "\n"
      << "sendsms-interface = 127.0.0.1\n"
      // UCS-2 messages reach the get-url as UTF-8.
      << "mo-recode = true\n"
      << "\n"
      << "group = sendsms-user\n"
      << "username = " << options_.username << "\n"
      << "password = " << options_.password << "\n"
      << "user-allow-ip = 127.0.0.1\n"
      // Long texts go out as up to 10 concatenated parts instead of being cut at one.
      << "concatenation = true\n"
      << "max-messages = 10\n"
      << "\n"
      << "group = sms-service\n"
      << "keyword = default\n"
      << "catch-all = true\n"
      // The gateway's answer to the get-url is not an SMS reply.
      << "max-messages = 0\n"
      << service;
  out.close();
  if (!out) return absl::InternalError("cannot write kannel.conf in " + dir_.path());
  return absl::OkStatus();
}

absl::Status KannelServer::WaitFor(const char* what, pid_t* pid, const std::string& url,
                                   long want_status, const std::string& want_body) {
  const auto deadline = std::chrono::steady_clock::now() + kStartTimeout;
  while (std::chrono::steady_clock::now() < deadline) {
    if (ChildExited(pid)) {
      return absl::UnavailableError(std::string(what) + " exited during start-up");
    }
    const HttpResponse response = Get(url);
    if (response.status == want_status && response.body.find(want_body) != std::string::npos) {
      return absl::OkStatus();
    }
    std::this_thread::sleep_for(kPoll);
  }
  return absl::DeadlineExceededError(std::string(what) + " did not come up within 15 s");
}

ChildOptions KannelServer::InDir(const std::string& log_name, int stdin_fd) const {
  ChildOptions child;
  child.log_path = dir_.path() + "/" + log_name;
  child.dir = dir_.path();
  child.stdin_fd = stdin_fd;
  return child;
}

absl::Status KannelServer::StartBearerbox() {
  ASSIGN_OR_RETURN(bearerbox_, SpawnChild({options_.bearerbox, "-v", "1", "kannel.conf"},
                                          InDir("bearerbox.log")));
  return WaitFor("bearerbox", &bearerbox_, AdminStatusUrl(), 200, "");
}

absl::Status KannelServer::StartSmsbox() {
  ASSIGN_OR_RETURN(smsbox_,
                   SpawnChild({options_.smsbox, "-v", "1", "kannel.conf"}, InDir("smsbox.log")));
  // smsbox serves sendsms before it has connected to bearerbox; bearerbox lists it once it has.
  RETURN_IF_ERROR(WaitFor("smsbox", &smsbox_, SendsmsUrl(), 403, "Authorization failed"));
  return WaitFor("smsbox", &smsbox_, AdminStatusUrl(), 200, "smsbox:");
}

absl::Status KannelServer::StartFakesmsc() {
  int pipe_fds[2];
  if (pipe2(pipe_fds, O_CLOEXEC) != 0) return absl::InternalError("pipe2 failed");
  const std::string log = "fakesmsc-" + std::to_string(++fakesmsc_runs_) + ".log";
  absl::StatusOr<pid_t> pid =
      SpawnChild({options_.fakesmsc, "-H", "127.0.0.1", "-r", std::to_string(smsc_port_)},
                 InDir(log, pipe_fds[0]));
  close(pipe_fds[0]);
  if (!pid.ok()) {
    close(pipe_fds[1]);
    return pid.status();
  }
  fakesmsc_ = *pid;
  fakesmsc_stdin_ = pipe_fds[1];
  mo_sent_ = 0;
  return WaitFor("fakesmsc", &fakesmsc_, AdminStatusUrl(), 200,
                 "FAKE:" + std::to_string(smsc_port_) + " (online");
}

void KannelServer::StopSmsbox() { StopChild(&smsbox_, kStopTimeout); }

void KannelServer::StopFakesmsc() {
  if (fakesmsc_stdin_ >= 0) {
    close(fakesmsc_stdin_);  // End of input: fakesmsc disconnects and exits.
    fakesmsc_stdin_ = -1;
  }
  StopChild(&fakesmsc_, kStopTimeout);
}

void KannelServer::Stop() {
  StopFakesmsc();
  StopSmsbox();
  StopChild(&bearerbox_, kStopTimeout);
}

absl::Status KannelServer::SendMo(const std::string& from, const std::string& to,
                                  const std::string& text) {
  if (fakesmsc_ <= 0 || fakesmsc_stdin_ < 0) {
    return absl::FailedPreconditionError("fakesmsc is not running");
  }
  if (from.empty() || to.empty() || from.find_first_of(" \t\r\n") != std::string::npos ||
      to.find_first_of(" \t\r\n") != std::string::npos) {
    return absl::InvalidArgumentError("numbers must be single words");
  }
  std::string line = from + " " + to;
  if (IsPrintableAscii(text)) {
    line += " text " + text;
  } else {
    ASSIGN_OR_RETURN(const std::string ucs2, Iconv("UTF-16BE", "UTF-8", text));
    line += " ucs2 " + EveryBytePercentEncoded(ucs2);
  }
  if (line.size() > kMaxMoLineBytes) {
    return absl::InvalidArgumentError("the MO line is " + std::to_string(line.size()) +
                                      " bytes; fakesmsc takes at most 254");
  }
  if (!WriteToPipe(fakesmsc_stdin_, line + "\n")) {
    return absl::UnavailableError("fakesmsc closed its input");
  }
  // fakesmsc reads its input through stdio, so a second line written before it took the
  // first would wait in its buffer unseen: one line at a time.
  const std::string sent = "fakesmsc: sent message " + std::to_string(++mo_sent_) + "\n";
  const std::filesystem::path log =
      std::filesystem::path(dir_.path()) / ("fakesmsc-" + std::to_string(fakesmsc_runs_) + ".log");
  const auto deadline = std::chrono::steady_clock::now() + kMoTimeout;
  while (std::chrono::steady_clock::now() < deadline) {
    if (ReadFile(log).find(sent) != std::string::npos) return absl::OkStatus();
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  return absl::DeadlineExceededError("fakesmsc did not send the MO message within 5 s");
}

std::vector<FakeSmscMessage> KannelServer::ReceivedMessages() const {
  std::vector<FakeSmscMessage> messages;
  // Parts of long messages by (from, to, reference, total), until all are in.
  std::map<std::tuple<std::string, std::string, int, int>, std::vector<std::optional<std::string>>>
      pending;
  for (int run = 1; run <= fakesmsc_runs_; ++run) {
    std::istringstream lines(ReadFile(std::filesystem::path(dir_.path()) /
                                      ("fakesmsc-" + std::to_string(run) + ".log")));
    for (std::string line; std::getline(lines, line);) {
      std::optional<Part> part = ParseLine(line);
      if (!part) continue;
      const auto concatenation = Concatenation(part->udh);
      if (!concatenation) {
        messages.push_back(std::move(part->message));
        continue;
      }
      const auto [reference, total, sequence] = *concatenation;
      if (total < 1 || sequence < 1 || sequence > total) continue;
      auto& parts = pending[{part->message.from, part->message.to, reference, total}];
      parts.resize(static_cast<size_t>(total));
      parts[static_cast<size_t>(sequence - 1)] = std::move(part->message.payload);
      bool complete = true;
      for (const auto& p : parts) complete = complete && p.has_value();
      if (!complete) continue;
      FakeSmscMessage joined = std::move(part->message);
      joined.type = "udh";
      joined.payload.clear();
      for (const auto& p : parts) joined.payload += *p;
      joined.parts = total;
      pending.erase({joined.from, joined.to, reference, total});
      messages.push_back(std::move(joined));
    }
  }
  return messages;
}

std::vector<FakeSmscMessage> KannelServer::WaitForMessages(
    size_t count, std::chrono::milliseconds timeout) const {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  std::vector<FakeSmscMessage> messages = ReceivedMessages();
  while (messages.size() < count && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(kPoll);
    messages = ReceivedMessages();
  }
  return messages;
}

bool KannelServer::LoggedLine(std::string_view text) const {
  for (int run = 1; run <= fakesmsc_runs_; ++run) {
    const std::string log = ReadFile(std::filesystem::path(dir_.path()) /
                                     ("fakesmsc-" + std::to_string(run) + ".log"));
    if (log.find(text) != std::string::npos) return true;
  }
  return false;
}

std::string KannelServer::LogTails() const {
  std::vector<std::string> names = {"kannel.conf", "bearerbox.log", "smsbox.log"};
  for (int run = 1; run <= fakesmsc_runs_; ++run) {
    names.push_back("fakesmsc-" + std::to_string(run) + ".log");
  }
  std::string out;
  for (const std::string& name : names) {
    out += "--- " + dir_.path() + "/" + name + "\n" +
           Tail(ReadFile(std::filesystem::path(dir_.path()) / name)) + "\n";
  }
  return out;
}

}  // namespace ogw::testing
