// The files of the web UI (server/web/: pages, styles, scripts), compiled into the
// binary at build time by server/web/embed.cmake, which generates WebAssets().
// Thread safety: immutable static data.
#ifndef SESSIONKIT_SERVER_HANDLERS_WEB_ASSETS_H_
#define SESSIONKIT_SERVER_HANDLERS_WEB_ASSETS_H_

#include <span>
#include <string_view>

namespace sessionkit::server {

struct WebAsset {
  std::string_view name;          // file name in server/web/, e.g. "account.html"
  std::string_view content_type;  // from the extension, with charset for text
  std::string_view bytes;         // the file's content
};

// Every file, sorted by name.
std::span<const WebAsset> WebAssets() noexcept;

// The file named `name`; nullptr if there is none.
const WebAsset* FindWebAsset(std::string_view name) noexcept;

}  // namespace sessionkit::server

#endif  // SESSIONKIT_SERVER_HANDLERS_WEB_ASSETS_H_
