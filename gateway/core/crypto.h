#pragma once

#include <string>
#include <string_view>

namespace ogw {

// Cryptographic helpers over OpenSSL. All functions are thread-safe.

// `n` bytes from the operating system's CSPRNG. Aborts if the CSPRNG fails: continuing with
// predictable secrets would be worse than stopping.
std::string RandomBytes(size_t n);

// Lower-case hex of SHA-256(data).
std::string Sha256Hex(std::string_view data);
// Lower-case hex SHA-1, as Redis's redis.sha1hex computes it inside scripts.
std::string Sha1Hex(std::string_view data);

// Raw HMAC-SHA256 / HMAC-SHA1 digests.
std::string HmacSha256(std::string_view key, std::string_view data);
std::string HmacSha1(std::string_view key, std::string_view data);

// Encodings.
std::string HexEncode(std::string_view bytes);
std::string Base64Encode(std::string_view bytes);
// RFC 4648 base32 alphabet in lower case, no padding; URL- and filename-safe.
std::string Base32Encode(std::string_view bytes);

// Compares in time independent of where the inputs differ.
bool ConstantTimeEquals(std::string_view a, std::string_view b);

}  // namespace ogw
