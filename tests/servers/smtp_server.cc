#include "tests/servers/smtp_server.h"

#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <thread>

#include <nlohmann/json.hpp>

#include "tests/servers/child_process.h"
#include "tests/servers/server_files.h"

namespace ogw::testing {
namespace {

constexpr auto kStartTimeout = std::chrono::seconds(15);
constexpr auto kStopTimeout = std::chrono::seconds(5);
constexpr auto kPoll = std::chrono::milliseconds(20);

const char* TlsMode(SmtpServerOptions::Tls tls) {
  switch (tls) {
    case SmtpServerOptions::Tls::kNone:
      return "none";
    case SmtpServerOptions::Tls::kStartTls:
      return "starttls";
    case SmtpServerOptions::Tls::kStartTlsRequired:
      return "starttls-required";
    case SmtpServerOptions::Tls::kImplicit:
      return "implicit";
  }
  return "none";
}

}  // namespace

SmtpServer::SmtpServer(SmtpServerOptions options) : options_(std::move(options)) {}

SmtpServer::~SmtpServer() { Stop(); }

absl::Status SmtpServer::Start() {
  if (pid_ > 0) return absl::OkStatus();
  std::vector<std::string> args = {options_.python, "-u",
                                   std::string(OGW_SOURCE_DIR) + "/tests/servers/smtp_sink.py",
                                   "--port", std::to_string(options_.port), "--dir", dir_.path()};
  for (const std::string& address : options_.reject) args.insert(args.end(), {"--reject", address});
  for (const std::string& address : options_.defer) args.insert(args.end(), {"--defer", address});
  if (!options_.auth_user.empty()) {
    args.insert(args.end(), {"--auth-user", options_.auth_user, "--auth-password",
                             options_.auth_password});
  }
  if (options_.tls != SmtpServerOptions::Tls::kNone) {
    args.insert(args.end(), {"--tls", TlsMode(options_.tls), "--cert", options_.tls_cert_file,
                             "--key", options_.tls_key_file});
  }
  if (!options_.refuse_all.empty()) args.insert(args.end(), {"--refuse-all", options_.refuse_all});
  // A restart after Stop() must not see the old server's port file.
  std::error_code removed;
  std::filesystem::remove(std::filesystem::path(dir_.path()) / "port", removed);
  ChildOptions child;
  child.log_path = dir_.path() + "/sink.log";
  child.truncate_log = true;
  ASSIGN_OR_RETURN(pid_, SpawnChild(std::move(args), child));

  // The script writes the port file only once it listens, so the port accepts from then on.
  const std::filesystem::path port_file = std::filesystem::path(dir_.path()) / "port";
  const auto deadline = std::chrono::steady_clock::now() + kStartTimeout;
  while (std::chrono::steady_clock::now() < deadline) {
    if (ChildExited(&pid_)) {
      return absl::FailedPreconditionError("the SMTP server exited during start-up (is "
                                           "python3-aiosmtpd installed?): " + ReadLog());
    }
    std::error_code ec;
    if (std::filesystem::exists(port_file, ec)) {
      port_ = std::atoi(ReadFile(port_file).c_str());
      if (port_ > 0) return absl::OkStatus();
    }
    std::this_thread::sleep_for(kPoll);
  }
  Stop();
  return absl::FailedPreconditionError("the SMTP server did not listen within 15 s: " +
                                       ReadLog());
}

void SmtpServer::Stop() { StopChild(&pid_, kStopTimeout); }

std::vector<ReceivedEmail> SmtpServer::Received() const {
  std::vector<std::filesystem::path> envelopes;
  for (const auto& entry : std::filesystem::directory_iterator(dir_.path())) {
    if (entry.path().extension() == ".json") envelopes.push_back(entry.path());
  }
  // Names are zero-padded arrival numbers.
  std::sort(envelopes.begin(), envelopes.end());
  std::vector<ReceivedEmail> received;
  for (const std::filesystem::path& path : envelopes) {
    const nlohmann::json meta =
        nlohmann::json::parse(ReadFile(path), nullptr, /*allow_exceptions=*/false);
    if (!meta.is_object()) continue;
    ReceivedEmail email;
    email.mail_from = meta.value("mail_from", "");
    for (const nlohmann::json& rcpt : meta.value("rcpt_tos", nlohmann::json::array())) {
      if (rcpt.is_string()) email.rcpt_tos.push_back(rcpt.get<std::string>());
    }
    email.session = meta.value("session", 0);
    for (const auto& [key, field] :
         {std::pair{"auth_login", &email.auth_login}, std::pair{"tls", &email.tls},
          std::pair{"auth_tls", &email.auth_tls}}) {
      if (meta.contains(key) && meta[key].is_string()) *field = meta[key].get<std::string>();
    }
    std::filesystem::path eml = path;
    email.data = ReadFile(eml.replace_extension(".eml"));
    received.push_back(std::move(email));
  }
  return received;
}

int SmtpServer::sessions() const {
  std::istringstream lines(ReadFile(std::filesystem::path(dir_.path()) / "sessions.log"));
  int count = 0;
  for (std::string line; std::getline(lines, line);) count += line.empty() ? 0 : 1;
  return count;
}

std::string SmtpServer::ReadLog() const {
  std::string log = ReadFile(std::filesystem::path(dir_.path()) / "sink.log");
  return log.size() > 2000 ? log.substr(log.size() - 2000) : log;
}

}  // namespace ogw::testing
