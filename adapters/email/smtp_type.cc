#include "adapters/email/smtp_type.h"

#include <unistd.h>

#include "adapters/email/email_intake.h"
#include "adapters/email/imap_poller.h"
#include "adapters/email/smtp_provider.h"
#include "gateway/core/crypto.h"

namespace ogw {
namespace {

struct SmtpSettings final : SettingsOf<SmtpSettings> {
  std::string url;  // smtp://host:port or smtps://host:port.
  // none, try or required, for SMTP and for imap_url alike. "required" by default: with
  // "try", a network that strips STARTTLS from the server's answer sees the password.
  std::string starttls = "required";
  std::string username;
  std::string password;
  std::string from;       // The sender's address; its domain is that of our Message-IDs.
  std::string from_name;  // Display name of the sender.
  std::string imap_url;   // Mailbox polled for replies, imap(s)://host:port/INBOX.
  std::string imap_username;
  std::string imap_password;
  std::string inbound_secret;  // Authenticates a relay POSTing received mail.
  std::string ca_file;         // PEM bundle of the CAs trusted for both servers.
  int poll_seconds_ = 30;

  void ForEachField(const FieldFn& fn) override {
    fn("url", url, FieldKind::kDestination);
    fn("starttls", starttls, FieldKind::kText);
    fn("username", username, FieldKind::kText);
    fn("password", password, FieldKind::kSecret);
    fn("from", from, FieldKind::kText);
    fn("from_name", from_name, FieldKind::kText);
    fn("imap_url", imap_url, FieldKind::kDestination);
    fn("imap_username", imap_username, FieldKind::kText);
    fn("imap_password", imap_password, FieldKind::kSecret);
    fn("inbound_secret", inbound_secret, FieldKind::kSecret);
    fn("ca_file", ca_file, FieldKind::kServerPath);
  }
  void ReadNumbers(JsonReader& r) override { r.Int("poll_seconds", &poll_seconds_, 1, 86400); }
  void WriteNumbers(nlohmann::json& j) const override { j["poll_seconds"] = poll_seconds_; }
  int poll_seconds() const override { return imap_url.empty() ? 0 : poll_seconds_; }
};

// A raw e-mail (message/rfc822) from a relay in front of the account's mailbox.
InboundOutcome Incoming(const ProviderAccount& account, const InboundRequest& request,
                        const ProviderContext& ctx) {
  const auto& s = account.SettingsAs<SmtpSettings>();
  const std::string auth = request.header("Authorization");
  if (auth.empty()) return InboundOutcome::Refuse(401, "Authorization is missing");
  if (s.inbound_secret.empty() || !ConstantTimeEquals(auth, "Bearer " + s.inbound_secret)) {
    return InboundOutcome::Refuse(403, "Authorization does not match the inbound secret");
  }
  InboundOutcome out;
  out.quarantine_source = "email_webhook";
  out.quarantine_sample = std::string(EmailHeaderBlock(request.body));
  auto batch =
      ReadReceivedEmail(request.body, account.name, MessageIdDomain(s.from), ctx.message_id_key);
  if (!batch.ok()) {
    out.verdict = InboundOutcome::Verdict::kUnreadable;
    out.reason = std::string(MessageOf(batch.status()));
    return out;
  }
  out.batch = *std::move(batch);
  return out;
}

// The account's IMAP mailbox: every new message through TakeEmail.
class MailboxPoller final : public Poller {
 public:
  MailboxPoller(std::unique_ptr<ImapPoller> imap, std::string provider, std::string domain,
                std::string key)
      : imap_(std::move(imap)),
        provider_(std::move(provider)),
        domain_(std::move(domain)),
        key_(std::move(key)) {}

  absl::StatusOr<int> PollOnce(InboundSink& sink) override {
    return imap_->PollOnce(
        [&](std::string_view raw) {
          return TakeEmail(sink, "imap", raw, provider_, domain_, key_);
        },
        [&](std::string_view headers, uint64_t size) {
          return sink.Quarantine("imap", "over the size limit", size, headers);
        });
  }

 private:
  std::unique_ptr<ImapPoller> imap_;
  const std::string provider_;
  const std::string domain_;
  const std::string key_;
};

class Smtp final : public ProviderType {
 public:
  std::string_view name() const override { return "smtp"; }
  std::vector<std::string_view> channels() const override { return {"email"}; }
  std::unique_ptr<TypeSettings> NewSettings() const override {
    return std::make_unique<SmtpSettings>();
  }
  void Check(const ProviderAccount& account, ProviderSource, JsonReader& r) const override {
    const auto& s = account.SettingsAs<SmtpSettings>();
    if (!s.url.starts_with("smtp://") && !s.url.starts_with("smtps://")) {
      r.Error("url", "smtp providers need smtp://host:port or smtps://host:port");
    }
    if (s.from.empty() || s.from.find('@') == std::string::npos) {
      r.Error("from", "required: the sender's e-mail address");
    }
    if (s.starttls != "none" && s.starttls != "try" && s.starttls != "required") {
      r.Error("starttls", "expected none, try or required");
    }
    if (!s.imap_url.empty() && !s.imap_url.starts_with("imap://") &&
        !s.imap_url.starts_with("imaps://")) {
      r.Error("imap_url", "must start with imap:// or imaps://");
    }
    if (!s.imap_url.empty() && account.organisation.empty()) {
      r.Error("organisation", "required with imap_url: replies must land in one organisation");
    }
    CheckInboundSecret(r, s.inbound_secret);
  }
  absl::StatusOr<std::shared_ptr<Provider>> Make(const ProviderAccount& account,
                                                 const ProviderContext& ctx) const override {
    const auto& s = account.SettingsAs<SmtpSettings>();
    SmtpConfig sc;
    sc.name = account.name;
    sc.url = s.url;
    sc.destinations = ctx.PolicyFor(account, s.url);
    sc.starttls = s.starttls;
    sc.username = s.username;
    sc.password = s.password;
    sc.from_address = s.from;
    sc.from_name = s.from_name;
    sc.message_id_domain = MessageIdDomain(s.from);
    sc.message_id_key = ctx.message_id_key;
    sc.ca_file = s.ca_file;
    sc.timeout_ms = account.timeout_ms;
    RETURN_IF_ERROR(ValidateSmtpConfig(sc));
    // Said at start-up, not as a TLS failure on every send.
    if (!s.ca_file.empty() && access(s.ca_file.c_str(), R_OK) != 0) {
      return absl::InvalidArgumentError("ca_file: cannot read " + s.ca_file);
    }
    return std::shared_ptr<Provider>(std::make_shared<SmtpProvider>(sc));
  }
  std::string_view inbound_path() const override { return "email"; }
  std::vector<InboundRoute> inbound_routes() const override { return {{"POST", "", &Incoming}}; }
  std::vector<ProviderSetup> Setup(const ProviderAccount& account,
                                   const ProviderContext& ctx) const override {
    if (account.organisation.empty() || account.SettingsAs<SmtpSettings>().inbound_secret.empty()) {
      return {};
    }
    return {
        {"Inbound mail relay: POST each raw message (Content-Type: message/rfc822) with "
         "Authorization: Bearer <the account's inbound_secret>",
         ctx.InboundUrl(inbound_path(), account, "")}};
  }
  absl::StatusOr<std::unique_ptr<Poller>> MakePoller(const ProviderAccount& account,
                                                     const ProviderContext& ctx) const override {
    const auto& s = account.SettingsAs<SmtpSettings>();
    if (s.imap_url.empty()) return std::unique_ptr<Poller>();
    ImapConfig config;
    config.name = account.name;
    config.url = s.imap_url;
    config.username = s.imap_username;
    config.password = s.imap_password;
    config.timeout_ms = account.timeout_ms;
    config.ca_file = s.ca_file;
    config.starttls = s.starttls;
    config.destinations = ctx.PolicyFor(account, s.imap_url);
    ASSIGN_OR_RETURN(std::unique_ptr<ImapPoller> imap, ImapPoller::Create(config));
    return std::unique_ptr<Poller>(std::make_unique<MailboxPoller>(
        std::move(imap), account.name, MessageIdDomain(s.from), ctx.message_id_key));
  }
};

}  // namespace

const ProviderType& SmtpType() {
  static const Smtp type;
  return type;
}

}  // namespace ogw
