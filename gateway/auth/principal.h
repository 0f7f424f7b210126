#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "gateway/core/post_scope.h"

namespace ogw {

// admin: the whole organisation, read and write, manages posts, officers and keys.
// officer: read and write, limited to the posts assigned to them.
// viewer: read-only, limited like an officer.
enum class Role { kAdmin, kOfficer, kViewer };
std::string_view RoleName(Role role);
std::optional<Role> ParseRole(std::string_view name);

// Who is calling: resolved from an API key, or a dashboard session, for every request.
struct Principal {
  std::string org_id;
  std::string officer_id;
  std::string key_id;      // The API key's id, or the session's ("ses_...").
  std::string session_id;  // Set when signed in through the dashboard.
  Role role = Role::kViewer;
  PostScope scope;

  bool IsAdmin() const { return role == Role::kAdmin; }
  bool CanWrite() const { return role != Role::kViewer; }
};

}  // namespace ogw
