#pragma once

#include <sys/types.h>

#include <string>

#include <nlohmann/json.hpp>

#include "gateway/core/status.h"
#include "tests/testutil/redis_fixture.h"

namespace ogw::testing {

// The Telegram Bot API emulator telegram-test-api 4.2.1 (npm; tests/servers/telegram, installed
// by scripts/install-deps) in a child process: `node start.js 0` on 127.0.0.1, on a free port
// it binds itself. Its bot side answers /bot<token>/<method> as the Bot API does (sendMessage,
// getUpdates, setWebhook, deleteWebhook, answerCallbackQuery); its client side plays people
// writing to a bot. It has no errors (no 403, 429, 400) and no webhook secret header, ignores
// getUpdates' offset and timeout (each update is handed out once) and writes dates in
// milliseconds.
//
// The child dies with the test process (PR_SET_PDEATHSIG: start it from the test's own
// thread); Stop() and the destructor end it with SIGTERM, then SIGKILL. Not thread-safe.
class TelegramEmulator {
 public:
  TelegramEmulator() = default;
  ~TelegramEmulator();  // Stops.
  TelegramEmulator(const TelegramEmulator&) = delete;
  TelegramEmulator& operator=(const TelegramEmulator&) = delete;

  // FailedPrecondition when node_modules is missing (saying to run scripts/install-deps) or
  // the emulator does not say READY within 15 s (with its output).
  absl::Status Start();
  void Stop();

  // The api_base for a bot: "http://127.0.0.1:<port>".
  const std::string& BaseUrl() const { return base_url_; }

  // A person (user and private chat `chat_id`) writes `text` to the bot with `token`.
  absl::Status UserSends(const std::string& token, int64_t chat_id, const std::string& text);
  // The person presses a button with callback `data` under the bot's message `message_id`.
  absl::Status UserPresses(const std::string& token, int64_t chat_id, const std::string& data,
                           int64_t message_id);
  // What the bot sent to `chat_id`: the client side's getUpdates ({"ok":true,"result":[{
  // "message": {chat_id, text, parse_mode, ...}, "messageId", ...}]}): the "message" objects.
  absl::StatusOr<nlohmann::json> BotMessages(const std::string& token, int64_t chat_id);

  // The emulator's output so far, for a failing test.
  std::string Log() const;

 private:
  absl::StatusOr<nlohmann::json> Post(const std::string& path, const nlohmann::json& body);

  TempDir dir_;
  pid_t pid_ = 0;
  std::string base_url_;
};

}  // namespace ogw::testing
