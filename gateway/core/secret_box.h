#pragma once

#include <string>
#include <string_view>

#include "gateway/core/status.h"

namespace ogw {

// Seals secrets (provider passwords and tokens) before they are stored, with AES-256-GCM under
// a 32-byte key. `context` (e.g. "<account>/<field>") is authenticated with the text, so a
// sealed value copied to another account or field no longer opens. Thread-safe.
class SecretBox {
 public:
  // `key`: 32 raw bytes. InvalidArgument otherwise.
  static absl::StatusOr<SecretBox> FromKey(std::string key);
  // `hex`: 64 hex digits.
  static absl::StatusOr<SecretBox> FromHexKey(std::string_view hex);

  // "s1:" + hex(12-byte random nonce | ciphertext | 16-byte tag).
  std::string Seal(std::string_view plaintext, std::string_view context) const;
  // The plaintext; DataLoss when the value is malformed, was sealed under another key or
  // context, or was changed.
  absl::StatusOr<std::string> Open(std::string_view sealed, std::string_view context) const;

 private:
  explicit SecretBox(std::string key) : key_(std::move(key)) {}
  std::string key_;
};

}  // namespace ogw
