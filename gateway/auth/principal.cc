#include "gateway/auth/principal.h"

namespace ogw {

std::string_view RoleName(Role role) {
  switch (role) {
    case Role::kAdmin:
      return "admin";
    case Role::kOfficer:
      return "officer";
    case Role::kViewer:
      return "viewer";
  }
  return "viewer";
}

std::optional<Role> ParseRole(std::string_view name) {
  if (name == "admin") return Role::kAdmin;
  if (name == "officer") return Role::kOfficer;
  if (name == "viewer") return Role::kViewer;
  return std::nullopt;
}

}  // namespace ogw
