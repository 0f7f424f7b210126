#pragma once

// How an officer proves who they are to the dashboard: an invitation an admin makes (a
// one-time link to set a password), then their e-mail address and password. The session that
// follows is SessionStore's. Nothing here speaks HTTP.

#include <cstdint>
#include <string>
#include <string_view>

#include "gateway/core/clock.h"
#include "gateway/core/redis_client.h"
#include "gateway/core/status.h"
#include "gateway/orgs/org_store.h"

namespace ogw {

struct OfficerInvitation {
  std::string token;  // Shown once, in the link; Redis keeps its SHA-256.
  int64_t expires_at_millis = 0;
};

// Thread-safe; owns nothing.
class OfficerSignIn {
 public:
  static constexpr int64_t kInvitationSeconds = 7 * 86400;
  // Failed passwords that lock password sign-in for an officer, and for how long.
  static constexpr int kMaxFailures = 10;
  static constexpr int64_t kFailureWindowSeconds = 15 * 60;

  OfficerSignIn(RedisPool* redis, OrgStore* orgs, const Clock* clock);

  // A new invitation for an officer of the organisation (a former one stops working).
  // NotFound for no such officer; FailedPrecondition for a disabled one or one without an
  // e-mail address.
  absl::StatusOr<OfficerInvitation> Invite(std::string_view org_id, std::string_view officer_id);

  // The invitation `token` used once to set `password`: the officer it names, who from now
  // on signs in with their e-mail address. InvalidArgument "password: ..." for a password
  // PasswordProblem refuses (the invitation stays usable); NotFound for an unknown, used or
  // expired invitation; AlreadyExists when the officer's address already signs in to another
  // officer account.
  absl::StatusOr<Officer> AcceptInvitation(std::string_view token, std::string_view password);

  // The officer whose address and password these are. Unauthenticated for any mismatch
  // (unknown address, wrong password, disabled officer: one answer for all);
  // ResourceExhausted while the officer's password sign-in is locked after kMaxFailures.
  absl::StatusOr<Officer> SignIn(std::string_view email, std::string_view password);

 private:
  RedisPool* redis_;
  OrgStore* orgs_;
  const Clock* clock_;
};

}  // namespace ogw
