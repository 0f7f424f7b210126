#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "gateway/core/status.h"
#include "tests/testutil/redis_fixture.h"

namespace ogw::testing {

// A server certificate and its private key, PEM files.
struct TestCertificate {
  std::string cert_file;
  std::string key_file;  // Unencrypted.
};

// A throw-away certificate authority for TLS tests, made with the openssl command-line tool
// (/usr/bin/openssl) in a fresh temporary directory that dies with the object: a self-signed
// CA certificate (ca_file(), what a client is told to trust) that issues server certificates.
// P-256 keys, valid for two days from now. Nothing outside the directory is read or written
// (not even the system's openssl.cnf). Not thread-safe.
class TestCa {
 public:
  // The SANs a certificate for the test servers needs: they listen on 127.0.0.1.
  static std::vector<std::string> LoopbackNames() { return {"IP:127.0.0.1", "DNS:localhost"}; }

  // FailedPrecondition with openssl's output when the tool is missing or fails.
  static absl::StatusOr<std::unique_ptr<TestCa>> Create(
      std::string_view common_name = "ogw test CA");
  TestCa(const TestCa&) = delete;
  TestCa& operator=(const TestCa&) = delete;

  // The CA certificate (PEM).
  const std::string& ca_file() const { return ca_file_; }

  // A server certificate signed by this CA with the subjectAltNames `alt_names` ("IP:...",
  // "DNS:..."), serverAuth only, and a fresh key; files <name>.pem and <name>.key. `name` is a
  // plain file name (letters, digits, '-', '_').
  absl::StatusOr<TestCertificate> Issue(
      std::string_view name, const std::vector<std::string>& alt_names = LoopbackNames());

 private:
  TestCa() = default;
  absl::Status Openssl(const std::vector<std::string>& args) const;

  TempDir dir_;
  std::string ca_file_;
  std::string ca_key_file_;
};

// A fresh CA and the certificate it issued for the loopback test servers (file name "server").
struct TestPki {
  std::unique_ptr<TestCa> ca;
  TestCertificate server;

  static absl::StatusOr<TestPki> Create(std::string_view ca_name = "ogw test CA");
};

}  // namespace ogw::testing
