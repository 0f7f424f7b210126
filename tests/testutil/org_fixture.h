#pragma once

#include <string>
#include <vector>

#include "gateway/auth/principal.h"
#include "gateway/core/status.h"
#include "gateway/orgs/org_store.h"

namespace ogw::testing {

// What a test's organisation should have. Every officer gets one API key.
struct OrgSpec {
  std::string name = "Ministry of Diaspora";
  std::string default_language = "en";
  std::vector<std::string> posts;               // Names; created in this order.
  std::vector<Role> officers = {Role::kAdmin};  // One officer a role, in this order.
};

// An officer created by CreateTestOrg and the one key issued to them.
struct OrgMember {
  Officer officer;
  std::string key_id;
  std::string token;  // The full secret token, as shown once on issue.
};

// An organisation made through the real OrgStore, as the API and the CLI make them.
struct TestOrg {
  Organisation org;
  std::vector<Post> posts;         // As OrgSpec::posts.
  std::vector<OrgMember> members;  // As OrgSpec::officers.

  const std::string& id() const { return org.id; }
};

// Creates the organisation, its posts, and its officers with a key each through `orgs`. Admins
// see every post; officers and viewers are given every post of the spec. Returns the first
// store error.
absl::StatusOr<TestOrg> CreateTestOrg(OrgStore& orgs, const OrgSpec& spec = {});

}  // namespace ogw::testing
