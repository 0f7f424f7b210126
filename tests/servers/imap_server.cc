#include "tests/servers/imap_server.h"

#include <arpa/inet.h>
#include <curl/curl.h>
#include <fcntl.h>
#include <grp.h>
#include <netinet/in.h>
#include <pwd.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <charconv>
#include <chrono>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <mutex>
#include <sstream>
#include <thread>
#include <utility>

#include "tests/servers/server_files.h"

namespace ogw::testing {
namespace {

constexpr char kDovecot[] = "/usr/sbin/dovecot";
constexpr auto kStartTimeout = std::chrono::seconds(15);
constexpr auto kStopTimeout = std::chrono::seconds(5);
constexpr auto kPoll = std::chrono::milliseconds(20);
constexpr int kStartAttempts = 3;

// A port nothing listens on right now. Dovecot binds it itself a moment later; Start() tries
// again with another port should something take it in between.
absl::StatusOr<int> FreePort() {
  const int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return absl::InternalError("socket() failed");
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  address.sin_port = 0;
  socklen_t length = sizeof address;
  if (bind(fd, reinterpret_cast<sockaddr*>(&address), sizeof address) != 0 ||
      getsockname(fd, reinterpret_cast<sockaddr*>(&address), &length) != 0) {
    close(fd);
    return absl::InternalError("cannot bind a loopback port");
  }
  close(fd);
  return ntohs(address.sin_port);
}

// Whether an IMAP server answers on the port with its "* OK" greeting.
bool Greets(int port) {
  const int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return false;
  timeval timeout{1, 0};
  setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof timeout);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  address.sin_port = htons(static_cast<uint16_t>(port));
  bool greeted = false;
  if (connect(fd, reinterpret_cast<sockaddr*>(&address), sizeof address) == 0) {
    char buffer[256];
    const ssize_t n = recv(fd, buffer, sizeof buffer, 0);
    greeted = n >= 4 && std::string_view(buffer, static_cast<size_t>(n)).starts_with("* OK");
  }
  close(fd);
  return greeted;
}

absl::StatusOr<std::string> UserName(uid_t uid) {
  const passwd* entry = getpwuid(uid);
  if (entry == nullptr) {
    return absl::FailedPreconditionError("uid " + std::to_string(uid) +
                                         " has no passwd entry; Dovecot needs a user name");
  }
  return std::string(entry->pw_name);
}

absl::StatusOr<std::string> GroupName(gid_t gid) {
  const group* entry = getgrgid(gid);
  if (entry == nullptr) {
    return absl::FailedPreconditionError("gid " + std::to_string(gid) + " has no group entry");
  }
  return std::string(entry->gr_name);
}

const char* SslSetting(ImapServerOptions::Tls tls) {
  switch (tls) {
    case ImapServerOptions::Tls::kNone:
      return "no";
    case ImapServerOptions::Tls::kOptional:
      return "yes";
    case ImapServerOptions::Tls::kRequired:
      return "required";
  }
  return "no";
}

size_t WriteToString(char* data, size_t size, size_t count, void* user) {
  static_cast<std::string*>(user)->append(data, size * count);
  return size * count;
}

}  // namespace

ImapServer::ImapServer(ImapServerOptions options) : options_(std::move(options)) {}

ImapServer::~ImapServer() { Stop(); }

std::string ImapServer::Url(std::string_view mailbox) const {
  return "imap://127.0.0.1:" + std::to_string(port_) + "/" + std::string(mailbox);
}

std::string ImapServer::ImapsUrl(std::string_view mailbox) const {
  if (imaps_port_ == 0) return "";
  return "imaps://127.0.0.1:" + std::to_string(imaps_port_) + "/" + std::string(mailbox);
}

absl::Status ImapServer::WriteConfig() {
  const std::string& dir = dir_.path();
  const bool root = geteuid() == 0;
  // Dovecot will not run its login or mail processes as root; "nobody" stands in.
  std::string internal_user;
  std::string internal_group;
  std::string login_user;
  if (root) {
    const passwd* nobody = getpwnam("nobody");
    if (nobody == nullptr) return absl::FailedPreconditionError("no user \"nobody\" to run as");
    mail_uid_ = nobody->pw_uid;
    mail_gid_ = nobody->pw_gid;
    internal_user = "root";
    internal_group = "root";
    login_user = "nobody";
  } else {
    mail_uid_ = getuid();
    mail_gid_ = getgid();
    ASSIGN_OR_RETURN(internal_user, UserName(mail_uid_));
    ASSIGN_OR_RETURN(internal_group, GroupName(mail_gid_));
    login_user = internal_user;
  }
  const bool tls = options_.tls != ImapServerOptions::Tls::kNone;
  ASSIGN_OR_RETURN(port_, FreePort());
  imaps_port_ = 0;
  while (tls && (imaps_port_ == 0 || imaps_port_ == port_)) {
    ASSIGN_OR_RETURN(imaps_port_, FreePort());
  }

  const std::string home = dir + "/mail/" + username_;
  std::error_code error;
  for (const std::string& sub : {dir + "/run", dir + "/state", home + "/Maildir/cur",
                                 home + "/Maildir/new", home + "/Maildir/tmp"}) {
    std::filesystem::create_directories(sub, error);
    if (error) return absl::InternalError("cannot create " + sub + ": " + error.message());
  }
  if (root) {
    // The mail processes (as nobody) must reach the Maildir through the temporary directory.
    chmod(dir.c_str(), 0711);
    for (const std::string& path : {dir + "/mail", home, home + "/Maildir", home + "/Maildir/cur",
                                    home + "/Maildir/new", home + "/Maildir/tmp"}) {
      if (chown(path.c_str(), mail_uid_, mail_gid_) != 0) {
        return absl::InternalError("cannot chown " + path + " to nobody");
      }
    }
  }

  RETURN_IF_ERROR(WriteFile(dir + "/users", username_ + ":{PLAIN}" + password_ + ":" +
                                                std::to_string(mail_uid_) + ":" +
                                                std::to_string(mail_gid_) + "::" + home + "::\n"));
  std::ostringstream conf;
  conf << "# Written by ogw::testing::ImapServer: a throw-away Dovecot for one test.\n"
       << "protocols = imap\n"
       << "listen = 127.0.0.1\n"
       << "base_dir = " << dir << "/run\n"
       << "state_dir = " << dir << "/state\n"
       << "log_path = " << dir << "/dovecot.log\n"
       << "info_log_path = " << dir << "/dovecot.log\n"
       << "ssl = " << SslSetting(options_.tls) << "\n";
  if (tls) {
    conf << "ssl_cert = <" << options_.tls_cert_file << "\n"
         << "ssl_key = <" << options_.tls_key_file << "\n";
  }
  conf << "disable_plaintext_auth = no\n"
       << "auth_mechanisms = plain login\n"
       // A wrong-password test should not wait out the failure delay. (Logins after it still
       // wait out the penalty, 4 s after one failure, that the auth process gives the IP.)
       << "auth_failure_delay = 0\n"
       << "default_internal_user = " << internal_user << "\n"
       << "default_internal_group = " << internal_group << "\n"
       << "default_login_user = " << login_user << "\n"
       << "first_valid_uid = 1\n"
       // Containers often run tests as an arbitrary uid with gid 0.
       << "first_valid_gid = 0\n"
       << "mail_location = maildir:" << dir << "/mail/%u/Maildir\n"
       << "passdb {\n"
       << "  driver = passwd-file\n"
       << "  args = scheme=PLAIN username_format=%u " << dir << "/users\n"
       << "}\n"
       << "userdb {\n"
       << "  driver = passwd-file\n"
       << "  args = username_format=%u " << dir << "/users\n"
       << "}\n"
       // Chrooting needs root; without root it fails, with root it buys a test nothing.
       << "service anvil {\n"
       << "  chroot =\n"
       << "}\n"
       << "service imap-login {\n"
       << "  chroot =\n"
       << "  inet_listener imap {\n"
       << "    address = 127.0.0.1\n"
       << "    port = " << port_ << "\n"
       << "  }\n"
       << "  inet_listener imaps {\n";
  if (tls) {
    conf << "    address = 127.0.0.1\n"
         << "    port = " << imaps_port_ << "\n"
         << "    ssl = yes\n";
  } else {
    conf << "    port = 0\n";
  }
  conf << "  }\n"
       << "}\n";
  return WriteFile(dir + "/dovecot.conf", conf.str());
}

absl::Status ImapServer::Spawn() {
  const std::string conf = dir_.path() + "/dovecot.conf";
  std::vector<std::string> args = {kDovecot, "-F", "-c", conf};
  std::vector<char*> argv;
  for (std::string& arg : args) argv.push_back(arg.data());
  argv.push_back(nullptr);
  const std::string out_path = dir_.path() + "/dovecot.out";
  const int out = open(out_path.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
  if (out < 0) return absl::InternalError("cannot open " + out_path);
  const pid_t parent = getpid();

  const pid_t pid = fork();
  if (pid < 0) {
    close(out);
    return absl::InternalError("fork failed for dovecot");
  }
  if (pid == 0) {
    // Only async-signal-safe calls between fork and exec: the test may have threads.
    // Own process group, so Stop() can kill Dovecot's helpers with it.
    setpgid(0, 0);
    sigset_t none;
    sigemptyset(&none);
    sigprocmask(SIG_SETMASK, &none, nullptr);
    // PR_SET_PDEATHSIG fires when the forking *thread* exits; tests start servers from the
    // thread that runs them, which outlives them. SIGTERM lets Dovecot take its children down.
    prctl(PR_SET_PDEATHSIG, SIGTERM);
    if (getppid() != parent) _exit(1);  // The test died before prctl took effect.
    dup2(out, STDOUT_FILENO);
    dup2(out, STDERR_FILENO);
    execv(argv[0], argv.data());
    _exit(127);
  }
  close(out);
  pid_ = pid;
  return absl::OkStatus();
}

absl::Status ImapServer::WaitReady() {
  const auto deadline = std::chrono::steady_clock::now() + kStartTimeout;
  while (std::chrono::steady_clock::now() < deadline) {
    int status = 0;
    if (waitpid(pid_, &status, WNOHANG) == pid_) {
      pid_ = 0;
      return absl::FailedPreconditionError("dovecot exited during start-up; its log ends:\n" +
                                           LogTail());
    }
    if (Greets(port_)) return absl::OkStatus();
    std::this_thread::sleep_for(kPoll);
  }
  return absl::FailedPreconditionError("dovecot did not greet on port " + std::to_string(port_) +
                                       " within 15 s; its log ends:\n" + LogTail());
}

absl::Status ImapServer::Start() {
  if (pid_ > 0) return absl::OkStatus();
  if (access(kDovecot, X_OK) != 0) {
    return absl::FailedPreconditionError(std::string(kDovecot) +
                                         " not found: install Debian's dovecot-imapd");
  }
  absl::Status status;
  for (int attempt = 0; attempt < kStartAttempts; ++attempt) {
    RETURN_IF_ERROR(WriteConfig());
    RETURN_IF_ERROR(Spawn());
    status = WaitReady();
    if (status.ok()) return status;
    Stop();
    // Another process took the port between FreePort() and Dovecot's bind: try another.
    if (LogTail().find("Address already in use") == std::string::npos) break;
  }
  return status;
}

void ImapServer::Stop() {
  if (pid_ <= 0) return;
  kill(pid_, SIGTERM);
  const auto deadline = std::chrono::steady_clock::now() + kStopTimeout;
  bool exited = false;
  while (!exited && std::chrono::steady_clock::now() < deadline) {
    int status = 0;
    exited = waitpid(pid_, &status, WNOHANG) == pid_;
    if (!exited) std::this_thread::sleep_for(kPoll);
  }
  // Whatever of the group is left (all of it, when the master did not exit in time).
  kill(-pid_, SIGKILL);
  if (!exited) waitpid(pid_, nullptr, 0);
  pid_ = 0;
}

absl::Status ImapServer::Deliver(std::string_view raw) {
  const std::string maildir = dir_.path() + "/mail/" + username_ + "/Maildir";
  const std::string name = std::to_string(std::time(nullptr)) + ".P" + std::to_string(getpid()) +
                           "Q" + std::to_string(++delivered_) + ".ogwtest";
  const std::string tmp = maildir + "/tmp/" + name;
  const int fd = open(tmp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
  if (fd < 0) return absl::InternalError("cannot create " + tmp);
  size_t written = 0;
  while (written < raw.size()) {
    const ssize_t n = write(fd, raw.data() + written, raw.size() - written);
    if (n <= 0) {
      close(fd);
      return absl::InternalError("cannot write " + tmp);
    }
    written += static_cast<size_t>(n);
  }
  if (geteuid() == 0 && fchown(fd, mail_uid_, mail_gid_) != 0) {
    close(fd);
    return absl::InternalError("cannot chown " + tmp);
  }
  close(fd);
  if (rename(tmp.c_str(), (maildir + "/new/" + name).c_str()) != 0) {
    return absl::InternalError("cannot move " + name + " into Maildir/new");
  }
  return absl::OkStatus();
}

absl::StatusOr<std::vector<uint32_t>> ImapServer::Search(std::string_view criteria) const {
  static std::once_flag once;
  std::call_once(once, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
  CURL* curl = curl_easy_init();
  if (curl == nullptr) return absl::InternalError("curl_easy_init failed");
  const std::string url = Url();
  const std::string request = "UID SEARCH " + std::string(criteria);
  std::string body;
  curl_easy_setopt(curl, CURLOPT_URL, url.c_str());
  curl_easy_setopt(curl, CURLOPT_USERNAME, username_.c_str());
  curl_easy_setopt(curl, CURLOPT_PASSWORD, password_.c_str());
  curl_easy_setopt(curl, CURLOPT_CUSTOMREQUEST, request.c_str());
  curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, &WriteToString);
  curl_easy_setopt(curl, CURLOPT_WRITEDATA, &body);
  curl_easy_setopt(curl, CURLOPT_TIMEOUT_MS, 10000L);
  if (options_.tls != ImapServerOptions::Tls::kNone) {
    // The harness asking its own server: TLS because a required-TLS server wants it, no check.
    curl_easy_setopt(curl, CURLOPT_USE_SSL, static_cast<long>(CURLUSESSL_ALL));
    curl_easy_setopt(curl, CURLOPT_SSL_VERIFYPEER, 0L);
    curl_easy_setopt(curl, CURLOPT_SSL_VERIFYHOST, 0L);
  }
  const CURLcode code = curl_easy_perform(curl);
  curl_easy_cleanup(curl);
  if (code != CURLE_OK) {
    return absl::UnavailableError(std::string("IMAP search failed: ") + curl_easy_strerror(code));
  }
  std::vector<uint32_t> uids;
  std::istringstream lines(body);
  std::string line;
  while (std::getline(lines, line)) {
    if (!line.starts_with("* SEARCH")) continue;
    std::istringstream words(line.substr(8));
    uint32_t uid = 0;
    while (words >> uid) uids.push_back(uid);
  }
  return uids;
}

std::string ImapServer::LogTail(size_t lines) const {
  std::istringstream text(ReadFile(dir_.path() + "/dovecot.out") +
                          ReadFile(dir_.path() + "/dovecot.log"));
  std::vector<std::string> all;
  for (std::string line; std::getline(text, line);) all.push_back(std::move(line));
  std::string tail;
  for (size_t i = all.size() > lines ? all.size() - lines : 0; i < all.size(); ++i) {
    tail += all[i] + "\n";
  }
  return tail;
}

}  // namespace ogw::testing
