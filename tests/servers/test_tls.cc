#include "tests/servers/test_tls.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <fstream>
#include <sstream>

#include "tests/servers/server_files.h"

namespace ogw::testing {
namespace {

constexpr char kOpenssl[] = "/usr/bin/openssl";

bool PlainName(std::string_view name) {
  return !name.empty() && std::all_of(name.begin(), name.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' ||
           c == '_';
  });
}

// The parts of a config that `openssl req` needs; a config of our own keeps the system's
// openssl.cnf (and whatever defaults it adds) out of the certificates.
std::string RequestConfig(std::string_view common_name) {
  return "[req]\n"
         "prompt = no\n"
         "distinguished_name = dn\n"
         "[dn]\n"
         "CN = " +
         std::string(common_name) + "\n";
}

}  // namespace

absl::Status TestCa::Openssl(const std::vector<std::string>& args) const {
  if (access(kOpenssl, X_OK) != 0) {
    return absl::FailedPreconditionError(std::string(kOpenssl) + " not found: install openssl");
  }
  std::vector<std::string> all = {kOpenssl};
  all.insert(all.end(), args.begin(), args.end());
  std::vector<char*> argv;
  for (std::string& arg : all) argv.push_back(arg.data());
  argv.push_back(nullptr);
  const std::string log_path = dir_.path() + "/openssl.log";
  const int log = open(log_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  if (log < 0) return absl::InternalError("cannot open " + log_path);

  const pid_t pid = fork();
  if (pid < 0) {
    close(log);
    return absl::InternalError("fork failed for openssl");
  }
  if (pid == 0) {
    // Only async-signal-safe calls between fork and exec: the test may have threads.
    sigset_t none;
    sigemptyset(&none);
    sigprocmask(SIG_SETMASK, &none, nullptr);
    dup2(log, STDOUT_FILENO);
    dup2(log, STDERR_FILENO);
    const int null = open("/dev/null", O_RDONLY);
    if (null >= 0) dup2(null, STDIN_FILENO);
    execv(argv[0], argv.data());
    _exit(127);
  }
  close(log);
  int status = 0;
  while (waitpid(pid, &status, 0) < 0) {
    if (errno != EINTR) return absl::InternalError("waitpid failed for openssl");
  }
  if (WIFEXITED(status) && WEXITSTATUS(status) == 0) return absl::OkStatus();
  std::string command;
  for (const std::string& arg : args) command += " " + arg;
  return absl::FailedPreconditionError("openssl" + command + " failed:\n" + ReadFile(log_path));
}

absl::StatusOr<std::unique_ptr<TestCa>> TestCa::Create(std::string_view common_name) {
  std::unique_ptr<TestCa> ca(new TestCa());
  const std::string& dir = ca->dir_.path();
  ca->ca_file_ = dir + "/ca.pem";
  ca->ca_key_file_ = dir + "/ca.key";
  const std::string config = dir + "/ca.cnf";
  RETURN_IF_ERROR(WriteFile(config, RequestConfig(common_name) +
                                        "[ca]\n"
                                        "basicConstraints = critical, CA:TRUE\n"
                                        "keyUsage = critical, keyCertSign, cRLSign\n"
                                        "subjectKeyIdentifier = hash\n"));
  RETURN_IF_ERROR(
      ca->Openssl({"req", "-x509", "-config", config, "-extensions", "ca", "-newkey", "ec",
                   "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes", "-keyout",
                   ca->ca_key_file_, "-out", ca->ca_file_, "-days", "2", "-sha256"}));
  return ca;
}

absl::StatusOr<TestCertificate> TestCa::Issue(std::string_view name,
                                              const std::vector<std::string>& alt_names) {
  if (!PlainName(name)) {
    return absl::InvalidArgumentError("certificate name \"" + std::string(name) +
                                      "\" is not a plain file name");
  }
  if (alt_names.empty()) return absl::InvalidArgumentError("a certificate needs a name");
  const std::string& dir = dir_.path();
  const std::string base = dir + "/" + std::string(name);
  TestCertificate issued{base + ".pem", base + ".key"};
  std::string names;
  for (const std::string& alt : alt_names) names += (names.empty() ? "" : ", ") + alt;
  // The first DNS name, else the first name, as the subject; clients look at the SANs only.
  std::string common_name = alt_names.front().substr(alt_names.front().find(':') + 1);
  for (const std::string& alt : alt_names) {
    if (alt.starts_with("DNS:")) {
      common_name = alt.substr(4);
      break;
    }
  }
  const std::string config = base + ".cnf";
  RETURN_IF_ERROR(WriteFile(config, RequestConfig(common_name) +
                                        "[server]\n"
                                        "basicConstraints = critical, CA:FALSE\n"
                                        "keyUsage = critical, digitalSignature\n"
                                        "extendedKeyUsage = serverAuth\n"
                                        "subjectKeyIdentifier = hash\n"
                                        "authorityKeyIdentifier = keyid\n"
                                        "subjectAltName = " +
                                        names + "\n"));
  RETURN_IF_ERROR(Openssl({"req", "-new", "-config", config, "-newkey", "ec", "-pkeyopt",
                           "ec_paramgen_curve:prime256v1", "-nodes", "-keyout", issued.key_file,
                           "-out", base + ".csr"}));
  RETURN_IF_ERROR(Openssl({"x509",
                           "-req",
                           "-in",
                           base + ".csr",
                           "-CA",
                           ca_file_,
                           "-CAkey",
                           ca_key_file_,
                           "-CAserial",
                           dir + "/ca.srl",
                           "-CAcreateserial",
                           "-extfile",
                           config,
                           "-extensions",
                           "server",
                           "-days",
                           "2",
                           "-sha256",
                           "-out",
                           issued.cert_file}));
  return issued;
}

absl::StatusOr<TestPki> TestPki::Create(std::string_view ca_name) {
  TestPki pki;
  ASSIGN_OR_RETURN(pki.ca, TestCa::Create(ca_name));
  ASSIGN_OR_RETURN(pki.server, pki.ca->Issue("server"));
  return pki;
}

}  // namespace ogw::testing
