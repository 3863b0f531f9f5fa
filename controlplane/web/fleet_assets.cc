#include "controlplane/web/fleet_assets.h"

#include <map>
#include <string>

namespace edgectl::web {
namespace {

std::string_view ContentType(std::string_view name) {
  auto ends_with = [&](std::string_view suffix) {
    return name.size() >= suffix.size() && name.substr(name.size() - suffix.size()) == suffix;
  };
  if (ends_with(".html")) return "text/html; charset=utf-8";
  if (ends_with(".css")) return "text/css; charset=utf-8";
  if (ends_with(".js")) return "text/javascript; charset=utf-8";
  if (ends_with(".svg")) return "image/svg+xml";
  return "application/octet-stream";
}

}  // namespace

const Asset* FindAsset(std::string_view name) {
  static const auto* assets = [] {
    auto* map = new std::map<std::string, Asset, std::less<>>();
    for (size_t i = 0; i < kEmbeddedFileCount; ++i) {
      (*map)[std::string(kEmbeddedFiles[i].name)] =
          Asset{kEmbeddedFiles[i].body, ContentType(kEmbeddedFiles[i].name)};
    }
    return map;
  }();
  auto it = assets->find(name);
  return it == assets->end() ? nullptr : &it->second;
}

}  // namespace edgectl::web
