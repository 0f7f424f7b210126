#pragma once

// Officers' passwords, hashed with scrypt (RFC 7914) through OpenSSL. Unlike API keys, which
// are long random secrets and so stored as a plain SHA-256, passwords are chosen by people:
// a memory-hard hash makes each guess against a stolen hash cost about 32 MiB and tens of
// milliseconds.

#include <string>
#include <string_view>

namespace ogw {

// scrypt's cost: N = 2^15, r = 8, p = 1 (OWASP's floor for scrypt), a 16-byte salt and a
// 32-byte key.
inline constexpr int kScryptLogN = 15;

// "" when `password` is acceptable, else why not (for the field's message): 10 to 256
// characters of valid UTF-8 without control characters.
std::string PasswordProblem(std::string_view password);

// The stored form: "scrypt$<log2 N>$<r>$<p>$<salt hex>$<key hex>", with a fresh salt.
std::string HashPassword(std::string_view password);

// Whether `password` is the one `stored` (HashPassword's form, with its own parameters)
// was made from; false for anything that does not read. Constant time in the key compared.
bool VerifyPassword(std::string_view password, std::string_view stored);

}  // namespace ogw
