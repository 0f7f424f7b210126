#pragma once

#include <curl/curl.h>
#include <sys/socket.h>

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "gateway/core/status.h"

namespace ogw {

// Where outbound connections of provider accounts added through the API may go
// (docs/ARCHITECTURE.md, "Threats and mitigations"): public unicast addresses only, unless the
// installation allows more. Without it an organisation's admin could point a webhook, Twilio
// base URL, SMTP server or IMAP mailbox at loopback, the private ranges, link-local or the
// cloud metadata address, and read what answers through the message API: a port scanner and a
// reader of internal services. Immutable; thread-safe.
class DestinationPolicy {
 public:
  // `allowed`: CIDRs ("10.20.0.0/16", "fd00::/8", "192.0.2.7") whose addresses are allowed
  // anyway, and host names ("kannel.embassy.internal") trusted whatever they resolve to (an
  // embassy's own Kannel on its network). InvalidArgument naming the bad entry.
  static absl::StatusOr<std::shared_ptr<const DestinationPolicy>> Make(
      const std::vector<std::string>& allowed);

  // Why a connection to `address` is refused ("a loopback address", ...), or "" when allowed.
  // IPv4-mapped and NAT64 IPv6 addresses are judged by the IPv4 address they carry.
  std::string RefusalFor(const sockaddr* address) const;
  // Whether `host` (as in a URL, case-insensitive) is one of the allowed host names.
  bool AllowsHostName(std::string_view host) const;

  // Resolves the host of `url` and checks every address it has. InvalidArgument saying why:
  // no host, or an address that is not allowed. A name that does not resolve now passes:
  // Guard judges the addresses it has when a connection is made. Every spelling of an IPv4
  // address the resolver accepts (2130706433, 0177.0.0.1, 0x7f.1) is judged as what it means.
  absl::Status CheckUrl(std::string_view url) const;

  // Makes libcurl refuse, on `easy`, every connection to an address this policy refuses,
  // whatever the name resolved to when the URL was checked (DNS rebinding) and through
  // redirects. The policy must outlive `easy`.
  void Guard(CURL* easy) const;

  // The policy for connections to `url`: `policy` itself, or null (anywhere) when `url`'s
  // host is one of its allowed host names.
  static std::shared_ptr<const DestinationPolicy> For(
      const std::shared_ptr<const DestinationPolicy>& policy, std::string_view url);

 private:
  struct Range {
    int family;                // AF_INET or AF_INET6.
    uint8_t bytes[16];
    int prefix;
  };
  DestinationPolicy() = default;
  bool InAllowedRange(int family, const uint8_t* bytes) const;

  std::vector<Range> allowed_ranges_;
  std::vector<std::string> allowed_hosts_;  // Lower case.
};

// The host part of `url` without brackets, lower case; "" when it has none or is malformed.
std::string UrlHost(std::string_view url);

}  // namespace ogw
