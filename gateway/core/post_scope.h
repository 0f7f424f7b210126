#pragma once

#include <algorithm>
#include <string>
#include <string_view>
#include <vector>

namespace ogw {

// Which posts' contacts an operation may see. An organisation-wide scope (admins) sees every
// contact, including those assigned to no post; a post scope sees only contacts assigned to
// one of its posts.
struct PostScope {
  bool organisation_wide = false;
  std::vector<std::string> posts;  // Sorted; meaningful only when !organisation_wide.

  static PostScope All() { return PostScope{true, {}}; }
  static PostScope Of(std::vector<std::string> post_ids) {
    std::sort(post_ids.begin(), post_ids.end());
    post_ids.erase(std::unique(post_ids.begin(), post_ids.end()), post_ids.end());
    return PostScope{false, std::move(post_ids)};
  }
  bool Allows(std::string_view post_id) const {
    if (organisation_wide) return true;
    if (post_id.empty()) return false;
    return std::binary_search(posts.begin(), posts.end(), post_id);
  }
};

}  // namespace ogw
