#include "adapters/telegram/telegram_type.h"

#include <algorithm>

#include <nlohmann/json.hpp>

#include "adapters/common/http_answer.h"
#include "adapters/telegram/telegram_provider.h"
#include "adapters/telegram/telegram_updates.h"
#include "gateway/core/crypto.h"

namespace ogw {
namespace {

using json = nlohmann::json;

constexpr char kWebhook[] = "webhook";
constexpr char kPolling[] = "polling";
constexpr char kQuarantineSource[] = "telegram";
// What the bot asks Telegram for; everything else is never delivered.
json AllowedUpdates() { return json::array({"message", "callback_query", "my_chat_member"}); }
// getUpdates holds the request open this long at most when nothing arrives, and stays this
// far inside the account's timeout.
constexpr int kLongPollSeconds = 25;
constexpr int kLongPollMarginMs = 2000;

struct TelegramSettings final : SettingsOf<TelegramSettings> {
  std::string bot_token;  // A secret: "${TELEGRAM_BOT_TOKEN}" in the file.
  std::string api_base = "https://api.telegram.org";  // Tests point it at a fake.
  std::string bot_username;                           // Without "@".
  std::string webhook_secret;  // X-Telegram-Bot-Api-Secret-Token of every webhook.
  std::string updates = kWebhook;
  int poll_seconds_ = 1;  // Pause between two getUpdates (which themselves wait).

  void ForEachField(const FieldFn& fn) override {
    fn("bot_token", bot_token, FieldKind::kSecret);
    fn("api_base", api_base, FieldKind::kDestination);
    fn("bot_username", bot_username, FieldKind::kText);
    fn("webhook_secret", webhook_secret, FieldKind::kSecret);
    fn("updates", updates, FieldKind::kText);
  }
  void ReadNumbers(JsonReader& r) override { r.Int("poll_seconds", &poll_seconds_, 1, 3600); }
  void WriteNumbers(nlohmann::json& j) const override { j["poll_seconds"] = poll_seconds_; }
  int poll_seconds() const override { return updates == kPolling ? poll_seconds_ : 0; }
};

TelegramConfig ConfigOf(const ProviderAccount& account, const ProviderContext& ctx) {
  const auto& s = account.SettingsAs<TelegramSettings>();
  TelegramConfig config;
  config.name = account.name;
  config.api_base = s.api_base;
  config.bot_token = s.bot_token;
  config.timeout_ms = account.timeout_ms;
  config.destinations = ctx.PolicyFor(account, s.api_base);
  return config;
}

bool IsBotUsername(std::string_view name) {
  return name.size() >= 5 && name.size() <= 32 && std::all_of(name.begin(), name.end(), [](char c) {
           return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                  c == '_';
         });
}

// One update as the inbox takes it: a message or a button press, the person's block of the
// bot (their consent for the chat is withdrawn at once), else nothing.
InboundBatch BatchOf(const TelegramUpdate& update, const ProviderAccount& account) {
  InboundBatch batch;
  if (update.kind == TelegramUpdate::Kind::kMessage ||
      update.kind == TelegramUpdate::Kind::kCallback) {
    batch.messages.push_back(TelegramInboundMessage(
        update, account.name, account.SettingsAs<TelegramSettings>().bot_username));
  } else if (update.kind == TelegramUpdate::Kind::kBlocked) {
    batch.opt_outs.push_back({Channel::kTelegram, update.chat_id});
  }
  return batch;
}

// An Update Telegram POSTed, once its secret token checks out.
InboundOutcome Incoming(const ProviderAccount& account, const InboundRequest& request,
                        const ProviderContext&) {
  const std::string presented = request.header("X-Telegram-Bot-Api-Secret-Token");
  if (presented.empty()) {
    return InboundOutcome::Refuse(401, "X-Telegram-Bot-Api-Secret-Token is missing");
  }
  const std::string& secret = account.SettingsAs<TelegramSettings>().webhook_secret;
  if (secret.empty() || !ConstantTimeEquals(presented, secret)) {
    return InboundOutcome::Refuse(403, "X-Telegram-Bot-Api-Secret-Token does not match");
  }
  InboundOutcome out;
  out.quarantine_source = kQuarantineSource;
  out.quarantine_sample = std::string(request.body);
  auto update = ParseTelegramUpdate(request.body);
  if (!update.ok()) {
    out.verdict = InboundOutcome::Verdict::kUnreadable;
    out.reason = std::string(MessageOf(update.status()));
    return out;
  }
  out.batch = BatchOf(*update, account);
  if (update->kind == TelegramUpdate::Kind::kCallback) {
    // The answer performs answerCallbackQuery, so the button stops spinning without a call.
    out.status = 200;
    out.content_type = "application/json";
    out.body = AnswerCallbackQueryBody(update->callback_id, /*with_method=*/true);
  }
  return out;
}

// getUpdates in a loop: what it reads goes to the sink, and the offset passes an update only
// once the sink has it (Telegram forgets updates below the offset of the next getUpdates).
class UpdatesPoller final : public Poller {
 public:
  UpdatesPoller(TelegramConfig config, ProviderAccount account)
      : config_(std::move(config)),
        account_(std::move(account)),
        long_poll_seconds_(
            std::clamp((config_.timeout_ms - kLongPollMarginMs) / 1000, 0, kLongPollSeconds)),
        client_(ProviderClientOptions(config_.timeout_ms, 1, config_.destinations)) {}

  absl::StatusOr<int> PollOnce(InboundSink& sink) override {
    json request = {{"timeout", long_poll_seconds_}, {"allowed_updates", AllowedUpdates()}};
    if (offset_ > 0) request["offset"] = offset_;
    ASSIGN_OR_RETURN(std::string answer,
                     CallTelegram(config_, client_, "getUpdates", request.dump()));
    ASSIGN_OR_RETURN(std::vector<std::string> updates, ParseGetUpdatesAnswer(answer));
    int taken = 0;
    for (const std::string& text : updates) {
      RETURN_IF_ERROR(Take(sink, text));
      if (const std::optional<int64_t> id = TelegramUpdateId(text)) {
        offset_ = std::max(offset_, *id + 1);
      }
      ++taken;
    }
    return taken;
  }

 private:
  absl::Status Take(InboundSink& sink, const std::string& text) {
    auto update = ParseTelegramUpdate(std::string_view(text));
    if (!update.ok()) {
      return sink.Quarantine(kQuarantineSource, MessageOf(update.status()), text.size(), text);
    }
    const InboundBatch batch = BatchOf(*update, account_);
    if (batch.messages.empty() && batch.opt_outs.empty()) return absl::OkStatus();
    absl::Status stored = sink.Store(batch);
    if (stored.code() == absl::StatusCode::kInvalidArgument) {
      stored = sink.Quarantine(kQuarantineSource, MessageOf(stored), text.size(), text);
    }
    RETURN_IF_ERROR(stored);
    if (update->kind == TelegramUpdate::Kind::kCallback) {
      // Stops the button's spinner; a failure changes nothing that was stored.
      (void)CallTelegram(config_, client_, "answerCallbackQuery",
                         AnswerCallbackQueryBody(update->callback_id, /*with_method=*/false));
    }
    return absl::OkStatus();
  }

  const TelegramConfig config_;
  const ProviderAccount account_;
  const int long_poll_seconds_;
  HttpBatchClient client_;
  int64_t offset_ = 0;  // Confirmed at Telegram by the next getUpdates.
};

class Telegram final : public ProviderType {
 public:
  std::string_view name() const override { return "telegram"; }
  std::vector<std::string_view> channels() const override { return {"telegram"}; }
  // "about 30 messages per second" per bot (Bot API FAQ).
  double default_per_second() const override { return 30; }
  std::unique_ptr<TypeSettings> NewSettings() const override {
    return std::make_unique<TelegramSettings>();
  }
  void Check(const ProviderAccount& account, ProviderSource source, JsonReader& r) const override {
    const auto& s = account.SettingsAs<TelegramSettings>();
    if (s.bot_token.empty()) {
      r.Error("bot_token",
              source == ProviderSource::kConfig ? "required (use ${ENV})" : "required");
    } else if (s.bot_token.find_first_of("/?#% \t\r\n") != std::string::npos) {
      r.Error("bot_token", "must be a bot token as BotFather gives it (123456:ABC...)");
    }
    if (!IsHttpUrl(s.api_base)) r.Error("api_base", "must start with http:// or https://");
    if (!s.bot_username.empty() && !IsBotUsername(s.bot_username)) {
      r.Error("bot_username", "expected the bot's username without @ (5-32 letters, digits or _)");
    }
    if (s.updates != kWebhook && s.updates != kPolling) {
      r.Error("updates", "expected webhook or polling");
    }
    if (!s.webhook_secret.empty() && !IsValidTelegramWebhookSecret(s.webhook_secret)) {
      r.Error("webhook_secret", "must be 1-256 characters of A-Z, a-z, 0-9, _ and -");
    } else if (s.webhook_secret.empty() && s.updates == kWebhook) {
      r.Error("webhook_secret", "required with updates: webhook");
    }
    if (account.organisation.empty()) {
      r.Error("organisation",
              "required: a bot is written to first, and replies must land in "
              "one organisation");
    }
  }
  absl::StatusOr<std::shared_ptr<Provider>> Make(const ProviderAccount& account,
                                                 const ProviderContext& ctx) const override {
    return std::shared_ptr<Provider>(std::make_shared<TelegramProvider>(ConfigOf(account, ctx)));
  }
  std::vector<InboundRoute> inbound_routes() const override { return {{"POST", "", &Incoming}}; }
  absl::StatusOr<std::unique_ptr<Poller>> MakePoller(const ProviderAccount& account,
                                                     const ProviderContext& ctx) const override {
    if (account.SettingsAs<TelegramSettings>().updates != kPolling) {
      return std::unique_ptr<Poller>();
    }
    return std::unique_ptr<Poller>(
        std::make_unique<UpdatesPoller>(ConfigOf(account, ctx), account));
  }
  // Telegram hands the payload to the bot as "/start <code>" (at most 64 of A-Za-z0-9_-).
  std::string ChatLink(const ProviderAccount& account, std::string_view code) const override {
    const std::string& bot = account.SettingsAs<TelegramSettings>().bot_username;
    if (bot.empty()) return "";
    return "https://t.me/" + bot + "?start=" + std::string(code);
  }
  // Nothing to set by hand: Register() calls setWebhook with this URL.
  std::vector<ProviderSetup> Setup(const ProviderAccount& account,
                                   const ProviderContext& ctx) const override {
    if (account.SettingsAs<TelegramSettings>().updates == kPolling) return {};
    return {{"setWebhook url (registered by the gateway itself)",
             ctx.InboundUrl(inbound_path(), account, "")}};
  }
  bool registers() const override { return true; }
  // Webhook mode: setWebhook with the account's route and secret. Polling mode: deleteWebhook,
  // without which Telegram refuses getUpdates. Both may be repeated.
  absl::Status Register(const ProviderAccount& account, const ProviderContext& ctx) const override {
    const auto& s = account.SettingsAs<TelegramSettings>();
    const TelegramConfig config = ConfigOf(account, ctx);
    HttpBatchClient client(ProviderClientOptions(config.timeout_ms, 1, config.destinations));
    if (s.updates == kPolling) {
      return CallTelegram(config, client, "deleteWebhook", "{}").status();
    }
    const json request = {{"url", ctx.InboundUrl(inbound_path(), account, "")},
                          {"secret_token", s.webhook_secret},
                          {"allowed_updates", AllowedUpdates()}};
    return CallTelegram(config, client, "setWebhook", request.dump()).status();
  }
};

}  // namespace

const ProviderType& TelegramType() {
  static const Telegram type;
  return type;
}

}  // namespace ogw
