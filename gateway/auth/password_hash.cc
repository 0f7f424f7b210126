#include "gateway/auth/password_hash.h"

#include <openssl/evp.h>

#include <charconv>
#include <cstdint>
#include <vector>

#include "gateway/core/crypto.h"
#include "gateway/core/text.h"

namespace ogw {
namespace {

constexpr size_t kSaltBytes = 16;
constexpr size_t kKeyBytes = 32;
constexpr int kBlockSize = 8;    // r
constexpr int kParallelism = 1;  // p
// Enough for N = 2^16 at r = 8 (64 MiB); stored hashes with more are refused.
constexpr uint64_t kMaxMemory = uint64_t{80} << 20;

std::string Derive(std::string_view password, std::string_view salt, int log_n, int r, int p) {
  std::string key(kKeyBytes, '\0');
  if (EVP_PBE_scrypt(password.data(), password.size(),
                     reinterpret_cast<const unsigned char*>(salt.data()), salt.size(),
                     uint64_t{1} << log_n, static_cast<uint64_t>(r), static_cast<uint64_t>(p),
                     kMaxMemory, reinterpret_cast<unsigned char*>(key.data()), key.size()) != 1) {
    return "";
  }
  return key;
}

std::string HexDecode(std::string_view hex) {
  if (hex.size() % 2 != 0) return "";
  std::string out;
  for (size_t i = 0; i < hex.size(); i += 2) {
    unsigned value = 0;
    const auto [end, ec] = std::from_chars(hex.data() + i, hex.data() + i + 2, value, 16);
    if (ec != std::errc() || end != hex.data() + i + 2) return "";
    out.push_back(static_cast<char>(value));
  }
  return out;
}

std::vector<std::string_view> Split(std::string_view text, char sep) {
  std::vector<std::string_view> parts;
  size_t start = 0;
  for (size_t at = text.find(sep); at != std::string_view::npos; at = text.find(sep, start)) {
    parts.push_back(text.substr(start, at - start));
    start = at + 1;
  }
  parts.push_back(text.substr(start));
  return parts;
}

int SmallNumber(std::string_view text) {
  int value = -1;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  return ec == std::errc() && end == text.data() + text.size() ? value : -1;
}

}  // namespace

std::string PasswordProblem(std::string_view password) {
  if (!IsValidUtf8(password) || HasControlCharacter(password)) {
    return "must be text without control characters";
  }
  const size_t chars = CountCodePoints(password);
  if (chars < 10) return "must be at least 10 characters";
  if (chars > 256) return "must be at most 256 characters";
  return "";
}

std::string HashPassword(std::string_view password) {
  const std::string salt = RandomBytes(kSaltBytes);
  const std::string key = Derive(password, salt, kScryptLogN, kBlockSize, kParallelism);
  return "scrypt$" + std::to_string(kScryptLogN) + "$" + std::to_string(kBlockSize) + "$" +
         std::to_string(kParallelism) + "$" + HexEncode(salt) + "$" + HexEncode(key);
}

bool VerifyPassword(std::string_view password, std::string_view stored) {
  const std::vector<std::string_view> parts = Split(stored, '$');
  if (parts.size() != 6 || parts[0] != "scrypt") return false;
  const int log_n = SmallNumber(parts[1]);
  const int r = SmallNumber(parts[2]);
  const int p = SmallNumber(parts[3]);
  // Bounds that keep a tampered hash from asking for unbounded work.
  if (log_n < 10 || log_n > 16 || r < 1 || r > 16 || p < 1 || p > 4) return false;
  const std::string salt = HexDecode(parts[4]);
  const std::string expected = HexDecode(parts[5]);
  if (salt.empty() || expected.size() != kKeyBytes) return false;
  const std::string key = Derive(password, salt, log_n, r, p);
  return !key.empty() && ConstantTimeEquals(key, expected);
}

}  // namespace ogw
