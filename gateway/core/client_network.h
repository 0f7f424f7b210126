#pragma once

// Which client a rate limit counts a request against. An IPv4 address is one client. An IPv6
// address is not: a single subscriber line is routed a whole /64 (RFC 6177) and its devices
// pick new interface identifiers at will (RFC 8981 temporary addresses), so a limit per
// address would let one client rotate through 2^64 of them.

#include <string>
#include <string_view>

namespace ogw {

// "203.0.113.7" stays itself; "2001:db8:1:2:a:b:c:d" becomes "2001:db8:1:2::/64"; an IPv4
// address written as IPv6 ("::ffff:203.0.113.7") is the IPv4 client; a zone ("%eth0") is
// dropped. Anything that does not read as an address (a proxy's header gone wrong) is
// returned unchanged: it still names one client.
std::string RateLimitClient(std::string_view address);

}  // namespace ogw
