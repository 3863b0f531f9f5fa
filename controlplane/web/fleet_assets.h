// File: controlplane/web/fleet_assets.h
//
// The fleet page's static files (index.html, fleet.css, fleet.js), compiled into the binary from
// controlplane/web/assets/ by a genrule (embed_assets.sh). Script and style are separate files so
// the page runs under a Content-Security-Policy without 'unsafe-inline'.
#ifndef EDGECTL_CONTROLPLANE_WEB_FLEET_ASSETS_H_
#define EDGECTL_CONTROLPLANE_WEB_FLEET_ASSETS_H_

#include <cstddef>
#include <string_view>

namespace edgectl::web {

struct EmbeddedFile {
  std::string_view name;  // file name in assets/, e.g. "fleet.js"
  std::string_view body;
};

// Defined in the generated fleet_assets_data.cc.
extern const EmbeddedFile kEmbeddedFiles[];
extern const size_t kEmbeddedFileCount;

struct Asset {
  std::string_view body;
  std::string_view content_type;
};

// The file called `name` ("index.html", "fleet.js", ...); nullptr when there is none.
const Asset* FindAsset(std::string_view name);

}  // namespace edgectl::web

#endif  // EDGECTL_CONTROLPLANE_WEB_FLEET_ASSETS_H_
