#include "gateway/core/secret_box.h"

#include <openssl/evp.h>

#include <memory>
#include <optional>

#include "gateway/core/crypto.h"

namespace ogw {
namespace {

constexpr size_t kKeyBytes = 32;
constexpr size_t kNonceBytes = 12;
constexpr size_t kTagBytes = 16;
constexpr std::string_view kPrefix = "s1:";

using CipherCtx = std::unique_ptr<EVP_CIPHER_CTX, decltype(&EVP_CIPHER_CTX_free)>;

int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

std::optional<std::string> HexDecode(std::string_view hex) {
  if (hex.size() % 2 != 0) return std::nullopt;
  std::string out(hex.size() / 2, '\0');
  for (size_t i = 0; i < out.size(); ++i) {
    const int hi = HexValue(hex[2 * i]);
    const int lo = HexValue(hex[2 * i + 1]);
    if (hi < 0 || lo < 0) return std::nullopt;
    out[i] = static_cast<char>(hi * 16 + lo);
  }
  return out;
}

const unsigned char* Bytes(std::string_view s) {
  return reinterpret_cast<const unsigned char*>(s.data());
}

}  // namespace

absl::StatusOr<SecretBox> SecretBox::FromKey(std::string key) {
  if (key.size() != kKeyBytes) return absl::InvalidArgumentError("secrets key: must be 32 bytes");
  return SecretBox(std::move(key));
}

absl::StatusOr<SecretBox> SecretBox::FromHexKey(std::string_view hex) {
  std::optional<std::string> key = HexDecode(hex);
  if (!key || key->size() != kKeyBytes) {
    return absl::InvalidArgumentError("secrets key: must be 64 hex digits");
  }
  return SecretBox(std::move(*key));
}

std::string SecretBox::Seal(std::string_view plaintext, std::string_view context) const {
  const std::string nonce = RandomBytes(kNonceBytes);
  std::string out = nonce;
  out.resize(kNonceBytes + plaintext.size() + kTagBytes);
  auto* cipher = reinterpret_cast<unsigned char*>(out.data() + kNonceBytes);
  CipherCtx ctx(EVP_CIPHER_CTX_new(), &EVP_CIPHER_CTX_free);
  int len = 0;
  // Failures here mean OpenSSL itself is broken; storing an unsealed secret would be worse.
  if (!ctx || EVP_EncryptInit_ex(ctx.get(), EVP_aes_256_gcm(), nullptr, Bytes(key_),
                                 Bytes(nonce)) != 1 ||
      EVP_EncryptUpdate(ctx.get(), nullptr, &len, Bytes(context),
                        static_cast<int>(context.size())) != 1 ||
      EVP_EncryptUpdate(ctx.get(), cipher, &len, Bytes(plaintext),
                        static_cast<int>(plaintext.size())) != 1 ||
      EVP_EncryptFinal_ex(ctx.get(), cipher + len, &len) != 1 ||
      EVP_CIPHER_CTX_ctrl(ctx.get(), EVP_CTRL_GCM_GET_TAG, static_cast<int>(kTagBytes),
                          cipher + plaintext.size()) != 1) {
    std::abort();
  }
  return std::string(kPrefix) + HexEncode(out);
}

absl::StatusOr<std::string> SecretBox::Open(std::string_view sealed,
                                            std::string_view context) const {
  const absl::Status bad = absl::DataLossError("sealed secret: malformed, or another key");
  if (!sealed.starts_with(kPrefix)) return bad;
  std::optional<std::string> raw = HexDecode(sealed.substr(kPrefix.size()));
  if (!raw || raw->size() < kNonceBytes + kTagBytes) return bad;
  const std::string_view all(*raw);
  const std::string_view nonce = all.substr(0, kNonceBytes);
  const std::string_view cipher = all.substr(kNonceBytes, all.size() - kNonceBytes - kTagBytes);
  std::string tag(all.substr(all.size() - kTagBytes));
  std::string plain(cipher.size(), '\0');
  CipherCtx ctx(EVP_CIPHER_CTX_new(), &EVP_CIPHER_CTX_free);
  int len = 0;
  auto* plain_bytes = reinterpret_cast<unsigned char*>(plain.data());
  if (!ctx ||
      EVP_DecryptInit_ex(ctx.get(), EVP_aes_256_gcm(), nullptr, Bytes(key_), Bytes(nonce)) != 1 ||
      EVP_DecryptUpdate(ctx.get(), nullptr, &len, Bytes(context),
                        static_cast<int>(context.size())) != 1 ||
      EVP_DecryptUpdate(ctx.get(), plain_bytes, &len, Bytes(cipher),
                        static_cast<int>(cipher.size())) != 1 ||
      EVP_CIPHER_CTX_ctrl(ctx.get(), EVP_CTRL_GCM_SET_TAG, static_cast<int>(kTagBytes),
                          tag.data()) != 1 ||
      EVP_DecryptFinal_ex(ctx.get(), plain_bytes + len, &len) != 1) {
    return bad;
  }
  return plain;
}

}  // namespace ogw
