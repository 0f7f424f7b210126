#include "gateway/auth/officer_sign_in.h"

#include "gateway/auth/password_hash.h"
#include "gateway/core/crypto.h"
#include "gateway/core/key_schema.h"
#include "gateway/core/text.h"

namespace ogw {
namespace {

// The key of the officer an address signs in to: case and spaces around ignored.
std::string EmailKey(std::string_view email) {
  return keys::OfficerEmail(Sha256Hex(AsciiLower(TrimAsciiSpace(email))));
}

// "<org>/<officer>" split; false when it does not read.
bool SplitOwner(const std::string& owner, std::string* org_id, std::string* officer_id) {
  const size_t slash = owner.find('/');
  if (slash == std::string::npos) return false;
  *org_id = owner.substr(0, slash);
  *officer_id = owner.substr(slash + 1);
  return !org_id->empty() && !officer_id->empty();
}

// Run for an unknown address too, so the answer's timing does not tell which addresses sign
// in (a hash of a password nobody has).
const std::string& DecoyHash() {
  static const std::string* hash = new std::string(HashPassword("not anyone's password"));
  return *hash;
}

}  // namespace

OfficerSignIn::OfficerSignIn(RedisPool* redis, OrgStore* orgs, const Clock* clock)
    : redis_(redis), orgs_(orgs), clock_(clock) {}

absl::StatusOr<OfficerInvitation> OfficerSignIn::Invite(std::string_view org_id,
                                                        std::string_view officer_id) {
  ASSIGN_OR_RETURN(auto officer, orgs_->GetOfficer(org_id, officer_id));
  if (!officer) return absl::NotFoundError("officer not found");
  if (officer->disabled) return absl::FailedPreconditionError("the officer is disabled");
  if (TrimAsciiSpace(officer->email).empty()) {
    return absl::FailedPreconditionError(
        "the officer has no e-mail address to sign in with: set one first");
  }
  OfficerInvitation invitation;
  invitation.token = Base32Encode(RandomBytes(32));
  invitation.expires_at_millis = clock_->NowMillis() + kInvitationSeconds * 1000;
  const std::string digest = Sha256Hex(invitation.token);
  const std::string of = keys::OfficerInvitationOf(org_id, officer_id);
  ASSIGN_OR_RETURN(RedisReply former, redis_->Command({"GET", of}));
  RETURN_IF_ERROR(former.AsStatus());
  std::vector<std::vector<std::string>> commands = {
      {"SET", keys::OfficerInvitation(digest), std::string(org_id) + "/" + std::string(officer_id),
       "EX", std::to_string(kInvitationSeconds)},
      {"SET", of, digest, "EX", std::to_string(kInvitationSeconds)}};
  if (!former.IsNil()) commands.push_back({"DEL", keys::OfficerInvitation(former.str)});
  ASSIGN_OR_RETURN(std::vector<RedisReply> replies, redis_->Pipeline(commands));
  for (const RedisReply& r : replies) RETURN_IF_ERROR(r.AsStatus());
  return invitation;
}

absl::StatusOr<Officer> OfficerSignIn::AcceptInvitation(std::string_view token,
                                                        std::string_view password) {
  if (const std::string problem = PasswordProblem(password); !problem.empty()) {
    return absl::InvalidArgumentError("password: " + problem);
  }
  const absl::Status unknown =
      absl::NotFoundError("this invitation is not valid: it was used, replaced or has expired");
  if (token.empty() || token.size() > 100) return unknown;
  // Taken at once, so a link used twice at the same moment sets one password.
  ASSIGN_OR_RETURN(RedisReply owner,
                   redis_->Command({"GETDEL", keys::OfficerInvitation(Sha256Hex(token))}));
  RETURN_IF_ERROR(owner.AsStatus());
  std::string org_id, officer_id;
  if (owner.IsNil() || !SplitOwner(owner.str, &org_id, &officer_id)) return unknown;
  ASSIGN_OR_RETURN(auto officer, orgs_->GetOfficer(org_id, officer_id));
  if (!officer || officer->disabled) return unknown;
  // One account per address: a second officer with the same address is refused, not merged.
  const std::string email_key = EmailKey(officer->email);
  ASSIGN_OR_RETURN(RedisReply claimed, redis_->Command({"SET", email_key, owner.str, "NX", "GET"}));
  RETURN_IF_ERROR(claimed.AsStatus());
  if (!claimed.IsNil() && claimed.str != owner.str) {
    // Taken for good only while that officer still has the address (an admin may have
    // changed it since).
    std::string other_org, other_officer;
    std::optional<Officer> other;
    if (SplitOwner(claimed.str, &other_org, &other_officer)) {
      ASSIGN_OR_RETURN(other, orgs_->GetOfficer(other_org, other_officer));
    }
    if (other &&
        AsciiLower(TrimAsciiSpace(other->email)) == AsciiLower(TrimAsciiSpace(officer->email))) {
      return absl::AlreadyExistsError("email: this address already signs in to another officer");
    }
    ASSIGN_OR_RETURN(RedisReply taken, redis_->Command({"SET", email_key, owner.str}));
    RETURN_IF_ERROR(taken.AsStatus());
  }
  ASSIGN_OR_RETURN(
      std::vector<RedisReply> replies,
      redis_->Pipeline({{"HSET", keys::Passwords(org_id), officer_id, HashPassword(password)},
                        {"DEL", keys::PasswordFailures(org_id, officer_id)},
                        {"DEL", keys::OfficerInvitationOf(org_id, officer_id)}}));
  for (const RedisReply& r : replies) RETURN_IF_ERROR(r.AsStatus());
  return *std::move(officer);
}

absl::StatusOr<Officer> OfficerSignIn::SignIn(std::string_view email, std::string_view password) {
  const absl::Status denied = absl::UnauthenticatedError("wrong e-mail address or password");
  if (email.size() > 320 || password.size() > 1024) return denied;
  ASSIGN_OR_RETURN(RedisReply owner, redis_->Command({"GET", EmailKey(email)}));
  RETURN_IF_ERROR(owner.AsStatus());
  std::string org_id, officer_id;
  if (owner.IsNil() || !SplitOwner(owner.str, &org_id, &officer_id)) {
    VerifyPassword(password, DecoyHash());
    return denied;
  }
  const std::string failures = keys::PasswordFailures(org_id, officer_id);
  ASSIGN_OR_RETURN(
      std::vector<RedisReply> read,
      redis_->Pipeline({{"GET", failures}, {"HGET", keys::Passwords(org_id), officer_id}}));
  for (const RedisReply& r : read) RETURN_IF_ERROR(r.AsStatus());
  if (!read[0].IsNil() && std::atoll(read[0].str.c_str()) >= kMaxFailures) {
    return absl::ResourceExhaustedError(
        "too many wrong passwords for this account: try again in 15 minutes");
  }
  const std::string stored = read[1].IsNil() ? DecoyHash() : read[1].str;
  ASSIGN_OR_RETURN(auto officer, orgs_->GetOfficer(org_id, officer_id));
  // The address must still be the officer's: an admin may have changed it since.
  const bool same_address =
      officer && AsciiLower(TrimAsciiSpace(officer->email)) == AsciiLower(TrimAsciiSpace(email));
  if (!VerifyPassword(password, stored) || read[1].IsNil() || !officer || officer->disabled ||
      !same_address) {
    ASSIGN_OR_RETURN(
        std::vector<RedisReply> counted,
        redis_->Pipeline({{"INCR", failures},
                          {"EXPIRE", failures, std::to_string(kFailureWindowSeconds), "NX"}}));
    for (const RedisReply& r : counted) RETURN_IF_ERROR(r.AsStatus());
    return denied;
  }
  ASSIGN_OR_RETURN(RedisReply cleared, redis_->Command({"DEL", failures}));
  RETURN_IF_ERROR(cleared.AsStatus());
  return *std::move(officer);
}

}  // namespace ogw
