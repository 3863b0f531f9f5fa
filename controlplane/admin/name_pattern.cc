#include "controlplane/admin/name_pattern.h"

namespace edgectl::admin {

std::string GlobToLikePattern(std::string_view glob) {
  std::string like;
  like.reserve(glob.size() + 8);
  for (char c : glob) {
    switch (c) {
      case '*':
        like.push_back('%');
        break;
      case '?':
        like.push_back('_');
        break;
      case '%':
      case '_':
      case '\\':
        like.push_back('\\');
        like.push_back(c);
        break;
      default:
        like.push_back(c);
    }
  }
  return like;
}

}  // namespace edgectl::admin
