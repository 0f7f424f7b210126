#include "tests/servers/telegram_emulator.h"

#include <unistd.h>

#include <httplib.h>

#include <chrono>
#include <ctime>
#include <filesystem>
#include <thread>
#include <vector>

#include "tests/servers/child_process.h"
#include "tests/servers/server_files.h"

namespace ogw::testing {
namespace {

constexpr auto kStartTimeout = std::chrono::seconds(15);
constexpr auto kStopTimeout = std::chrono::seconds(5);
constexpr auto kPoll = std::chrono::milliseconds(50);
constexpr char kReady[] = "READY http://127.0.0.1:";

std::string EmulatorDir() { return std::string(OGW_SOURCE_DIR) + "/tests/servers/telegram"; }

nlohmann::json User(int64_t chat_id) {
  return {{"id", chat_id}, {"is_bot", false}, {"first_name", "Ana"}, {"language_code", "pt-br"}};
}

}  // namespace

TelegramEmulator::~TelegramEmulator() { Stop(); }

absl::Status TelegramEmulator::Start() {
  if (pid_ > 0) return absl::OkStatus();
  const std::string dir = EmulatorDir();
  std::error_code ec;
  if (!std::filesystem::exists(dir + "/node_modules/telegram-test-api/package.json", ec)) {
    return absl::FailedPreconditionError("the Telegram emulator is not installed (" + dir +
                                         "/node_modules is missing): run scripts/install-deps");
  }
  std::vector<std::string> args = {"node", dir + "/start.js", "0"};
  ChildOptions child;
  child.log_path = dir_.path() + "/emulator.log";
  child.truncate_log = true;
  ASSIGN_OR_RETURN(pid_, SpawnChild(std::move(args), child));

  const auto deadline = std::chrono::steady_clock::now() + kStartTimeout;
  while (std::chrono::steady_clock::now() < deadline) {
    if (ChildExited(&pid_)) {
      return absl::FailedPreconditionError(
          "the Telegram emulator exited during start-up (is node on PATH? run "
          "scripts/install-deps): " +
          Log());
    }
    const std::string log = Log();
    if (const size_t at = log.find(kReady); at != std::string::npos) {
      const size_t begin = at + sizeof kReady - 1;
      const int port = std::atoi(log.c_str() + begin);
      if (port > 0) {
        base_url_ = "http://127.0.0.1:" + std::to_string(port);
        return absl::OkStatus();
      }
    }
    std::this_thread::sleep_for(kPoll);
  }
  Stop();
  return absl::FailedPreconditionError("the Telegram emulator did not start within 15 s: " + Log());
}

void TelegramEmulator::Stop() { StopChild(&pid_, kStopTimeout); }

std::string TelegramEmulator::Log() const { return ReadFile(dir_.path() + "/emulator.log"); }

absl::StatusOr<nlohmann::json> TelegramEmulator::Post(const std::string& path,
                                                      const nlohmann::json& body) {
  httplib::Client client(base_url_);
  client.set_connection_timeout(5, 0);
  client.set_read_timeout(10, 0);
  auto result = client.Post(path, body.dump(), "application/json");
  if (!result) return absl::UnavailableError("the Telegram emulator did not answer " + path);
  nlohmann::json doc = nlohmann::json::parse(result->body, nullptr, false);
  if (result->status != 200 || !doc.is_object() || !doc.value("ok", false)) {
    return absl::FailedPreconditionError(path + ": " + std::to_string(result->status) + " " +
                                         result->body);
  }
  return doc;
}

absl::Status TelegramEmulator::UserSends(const std::string& token, int64_t chat_id,
                                         const std::string& text) {
  // The client side wants the whole message object, and botToken (without it the emulator's
  // unawaited handler fails).
  return Post("/sendMessage",
              {{"botToken", token},
               {"date", static_cast<int64_t>(std::time(nullptr))},
               {"text", text},
               {"from", User(chat_id)},
               {"chat", {{"id", chat_id}, {"type", "private"}, {"first_name", "Ana"}}}})
      .status();
}

absl::Status TelegramEmulator::UserPresses(const std::string& token, int64_t chat_id,
                                           const std::string& data, int64_t message_id) {
  return Post("/sendCallback", {{"botToken", token},
                                {"data", data},
                                {"from", User(chat_id)},
                                {"message",
                                 {{"message_id", message_id},
                                  {"chat", {{"id", chat_id}, {"type", "private"}}},
                                  {"text", "Will you attend?"}}}})
      .status();
}

absl::StatusOr<nlohmann::json> TelegramEmulator::BotMessages(const std::string& token,
                                                             int64_t chat_id) {
  ASSIGN_OR_RETURN(nlohmann::json doc,
                   Post("/getUpdates", {{"token", token}, {"chatId", chat_id}}));
  nlohmann::json messages = nlohmann::json::array();
  for (const nlohmann::json& update : doc.value("result", nlohmann::json::array())) {
    if (update.contains("message")) messages.push_back(update["message"]);
  }
  return messages;
}

}  // namespace ogw::testing
