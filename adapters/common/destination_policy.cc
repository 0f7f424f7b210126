#include "adapters/common/destination_policy.h"

#include <arpa/inet.h>
#include <curl/curl.h>
#include <netdb.h>
#include <netinet/in.h>

#include <cstring>

#include "gateway/core/text.h"

namespace ogw {
namespace {

bool PrefixMatches(const uint8_t* address, const uint8_t* network, int prefix) {
  const int whole = prefix / 8;
  if (std::memcmp(address, network, static_cast<size_t>(whole)) != 0) return false;
  const int rest = prefix % 8;
  if (rest == 0) return true;
  const uint8_t mask = static_cast<uint8_t>(0xFF << (8 - rest));
  return (address[whole] & mask) == (network[whole] & mask);
}

// Why an IPv4 address is not a public unicast destination, or "".
const char* RefusalForV4(const uint8_t* a) {
  struct Block {
    uint8_t net[4];
    int prefix;
    const char* what;
  };
  static constexpr Block kBlocks[] = {
      {{0, 0, 0, 0}, 8, "an unspecified (0.0.0.0/8) address"},
      {{10, 0, 0, 0}, 8, "a private address"},
      {{100, 64, 0, 0}, 10, "a carrier-grade NAT address"},
      {{127, 0, 0, 0}, 8, "a loopback address"},
      {{169, 254, 0, 0}, 16, "a link-local address (cloud metadata lives there)"},
      {{172, 16, 0, 0}, 12, "a private address"},
      {{192, 0, 0, 0}, 24, "an IETF protocol address"},
      {{192, 0, 2, 0}, 24, "a documentation address"},
      {{192, 88, 99, 0}, 24, "a relay anycast address"},
      {{192, 168, 0, 0}, 16, "a private address"},
      {{198, 18, 0, 0}, 15, "a benchmarking address"},
      {{198, 51, 100, 0}, 24, "a documentation address"},
      {{203, 0, 113, 0}, 24, "a documentation address"},
      {{224, 0, 0, 0}, 4, "a multicast address"},
      {{240, 0, 0, 0}, 4, "a reserved or broadcast address"},
  };
  for (const Block& b : kBlocks) {
    if (PrefixMatches(a, b.net, b.prefix)) return b.what;
  }
  return "";
}

const char* RefusalForV6(const uint8_t* a) {
  static constexpr uint8_t kZero[16] = {};
  static constexpr uint8_t kLoopback[16] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1};
  if (std::memcmp(a, kZero, 16) == 0) return "an unspecified address";
  if (std::memcmp(a, kLoopback, 16) == 0) return "a loopback address";
  struct Block {
    uint8_t net[16];
    int prefix;
    const char* what;
  };
  static constexpr Block kBlocks[] = {
      {{0}, 96, "an IPv4-compatible address"},
      {{0xfc}, 7, "a unique local (private) address"},
      {{0xfe, 0x80}, 10, "a link-local address"},
      {{0xfe, 0xc0}, 10, "a site-local address"},
      {{0xff}, 8, "a multicast address"},
      {{0x20, 0x01, 0x0d, 0xb8}, 32, "a documentation address"},
      {{0x01, 0x00}, 64, "a discard-only address"},
  };
  for (const Block& b : kBlocks) {
    if (PrefixMatches(a, b.net, b.prefix)) return b.what;
  }
  return "";
}

// The IPv4 address an IPv6 one carries (IPv4-mapped ::ffff:a.b.c.d, NAT64 64:ff9b::a.b.c.d),
// else nullptr.
const uint8_t* EmbeddedV4(const uint8_t* a) {
  static constexpr uint8_t kMapped[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
  static constexpr uint8_t kNat64[12] = {0, 0x64, 0xff, 0x9b, 0, 0, 0, 0, 0, 0, 0, 0};
  if (std::memcmp(a, kMapped, 12) == 0 || std::memcmp(a, kNat64, 12) == 0) return a + 12;
  return nullptr;
}

curl_socket_t OpenGuardedSocket(void* policy, curlsocktype purpose, curl_sockaddr* address) {
  (void)purpose;
  const auto* p = static_cast<const DestinationPolicy*>(policy);
  if (!p->RefusalFor(&address->addr).empty()) return CURL_SOCKET_BAD;
  return socket(address->family, address->socktype, address->protocol);
}

}  // namespace

absl::StatusOr<std::shared_ptr<const DestinationPolicy>> DestinationPolicy::Make(
    const std::vector<std::string>& allowed) {
  std::shared_ptr<DestinationPolicy> policy(new DestinationPolicy());
  for (const std::string& entry : allowed) {
    const size_t slash = entry.find('/');
    const std::string address = entry.substr(0, slash);
    Range range{};
    const bool v4 = inet_pton(AF_INET, address.c_str(), range.bytes) == 1;
    const bool v6 = !v4 && inet_pton(AF_INET6, address.c_str(), range.bytes) == 1;
    if (!v4 && !v6) {
      if (slash != std::string::npos || entry.empty() ||
          entry.find_first_not_of("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789.-") !=
              std::string::npos) {
        return absl::InvalidArgumentError("allowed_destinations: " + entry +
                                          " is neither a CIDR nor a host name");
      }
      policy->allowed_hosts_.push_back(AsciiLower(entry));
      continue;
    }
    range.family = v4 ? AF_INET : AF_INET6;
    const int max_prefix = v4 ? 32 : 128;
    range.prefix = max_prefix;
    if (slash != std::string::npos) {
      const std::string bits = entry.substr(slash + 1);
      if (bits.empty() || bits.size() > 3 ||
          bits.find_first_not_of("0123456789") != std::string::npos ||
          std::stoi(bits) > max_prefix) {
        return absl::InvalidArgumentError("allowed_destinations: " + entry +
                                          " has a bad prefix length");
      }
      range.prefix = std::stoi(bits);
    }
    policy->allowed_ranges_.push_back(range);
  }
  return std::shared_ptr<const DestinationPolicy>(std::move(policy));
}

bool DestinationPolicy::InAllowedRange(int family, const uint8_t* bytes) const {
  for (const Range& r : allowed_ranges_) {
    if (r.family == family && PrefixMatches(bytes, r.bytes, r.prefix)) return true;
  }
  return false;
}

std::string DestinationPolicy::RefusalFor(const sockaddr* address) const {
  if (address->sa_family == AF_INET) {
    const auto* in = reinterpret_cast<const sockaddr_in*>(address);
    const auto* bytes = reinterpret_cast<const uint8_t*>(&in->sin_addr);
    if (InAllowedRange(AF_INET, bytes)) return "";
    return RefusalForV4(bytes);
  }
  if (address->sa_family == AF_INET6) {
    const auto* in6 = reinterpret_cast<const sockaddr_in6*>(address);
    const auto* bytes = reinterpret_cast<const uint8_t*>(&in6->sin6_addr);
    if (InAllowedRange(AF_INET6, bytes)) return "";
    if (const uint8_t* v4 = EmbeddedV4(bytes)) {
      if (InAllowedRange(AF_INET, v4)) return "";
      return RefusalForV4(v4);
    }
    return RefusalForV6(bytes);
  }
  return "not an internet address";
}

bool DestinationPolicy::AllowsHostName(std::string_view host) const {
  const std::string lower = AsciiLower(host);
  for (const std::string& h : allowed_hosts_) {
    if (h == lower) return true;
  }
  return false;
}

absl::Status DestinationPolicy::CheckUrl(std::string_view url) const {
  const std::string host = UrlHost(url);
  if (host.empty()) return absl::InvalidArgumentError("the URL has no host");
  if (AllowsHostName(host)) return absl::OkStatus();
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  addrinfo* found = nullptr;
  if (getaddrinfo(host.c_str(), nullptr, &hints, &found) != 0 || found == nullptr) {
    // Not known now (no DNS on this host, a name not yet published): nothing to judge here,
    // and every connection is judged again when it is made (Guard).
    return absl::OkStatus();
  }
  std::string refusal;
  for (const addrinfo* a = found; a != nullptr && refusal.empty(); a = a->ai_next) {
    refusal = RefusalFor(a->ai_addr);
  }
  freeaddrinfo(found);
  if (!refusal.empty()) {
    return absl::InvalidArgumentError("the host " + host + " is " + refusal +
                                      ", which accounts added through the API may not reach "
                                      "(api.allowed_destinations lists exceptions)");
  }
  return absl::OkStatus();
}

std::shared_ptr<const DestinationPolicy> DestinationPolicy::For(
    const std::shared_ptr<const DestinationPolicy>& policy, std::string_view url) {
  if (policy == nullptr || policy->AllowsHostName(UrlHost(url))) return nullptr;
  return policy;
}

void DestinationPolicy::Guard(CURL* easy) const {
  curl_easy_setopt(easy, CURLOPT_OPENSOCKETFUNCTION, &OpenGuardedSocket);
  curl_easy_setopt(easy, CURLOPT_OPENSOCKETDATA, const_cast<DestinationPolicy*>(this));
}

std::string UrlHost(std::string_view url) {
  CURLU* parsed = curl_url();
  if (parsed == nullptr) return "";
  std::string host;
  if (curl_url_set(parsed, CURLUPART_URL, std::string(url).c_str(), 0) == CURLUE_OK) {
    char* part = nullptr;
    if (curl_url_get(parsed, CURLUPART_HOST, &part, 0) == CURLUE_OK && part != nullptr) {
      host = part;
      curl_free(part);
    }
  }
  curl_url_cleanup(parsed);
  if (host.size() >= 2 && host.front() == '[' && host.back() == ']') {
    host = host.substr(1, host.size() - 2);
  }
  return AsciiLower(host);
}

}  // namespace ogw
