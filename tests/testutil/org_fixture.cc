#include "tests/testutil/org_fixture.h"

#include <utility>

namespace ogw::testing {

absl::StatusOr<TestOrg> CreateTestOrg(OrgStore& orgs, const OrgSpec& spec) {
  TestOrg out;
  ASSIGN_OR_RETURN(out.org, orgs.CreateOrganisation(spec.name, spec.default_language));
  std::vector<std::string> post_ids;
  for (const std::string& name : spec.posts) {
    Post post;
    post.org_id = out.org.id;
    post.name = name;
    ASSIGN_OR_RETURN(Post created, orgs.CreatePost(std::move(post)));
    post_ids.push_back(created.id);
    out.posts.push_back(std::move(created));
  }
  for (Role role : spec.officers) {
    Officer officer;
    officer.org_id = out.org.id;
    std::string title(RoleName(role));
    title[0] = static_cast<char>(title[0] - 'a' + 'A');
    officer.name = title + " of " + spec.name;  // "Admin of Ministry of Diaspora".
    officer.role = role;
    if (role != Role::kAdmin) officer.posts = post_ids;
    OrgMember member;
    ASSIGN_OR_RETURN(member.officer, orgs.CreateOfficer(std::move(officer)));
    ASSIGN_OR_RETURN(auto key, orgs.CreateApiKey(out.org.id, member.officer.id));
    member.key_id = key.first.id;
    member.token = std::move(key.second);
    out.members.push_back(std::move(member));
  }
  return out;
}

}  // namespace ogw::testing
