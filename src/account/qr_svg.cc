#include "src/account/qr_svg.h"

#include <qrencode.h>

#include <cerrno>
#include <memory>

namespace sessionkit::internal {
namespace {

struct QrFree {
  void operator()(QRcode* code) const noexcept { QRcode_free(code); }
};

}  // namespace

Result<std::string> QrSvg(std::string_view text) {
  // QRcode_encodeData takes a length, so the text needs no terminating NUL.
  errno = 0;
  std::unique_ptr<QRcode, QrFree> code(
      QRcode_encodeData(static_cast<int>(text.size()),
                        reinterpret_cast<const unsigned char*>(text.data()), 0, QR_ECLEVEL_M));
  if (!code) {
    if (errno == ERANGE || errno == EINVAL) {
      return Status::InvalidArgument("text too long for a QR code");
    }
    return Status::Internal("QR encoding failed");
  }
  const int width = code->width;
  const int size = width + 2 * kQrQuietZoneModules;
  const std::string side = std::to_string(size);
  std::string svg =
      "<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 " + side + " " + side +
      "\" width=\"" + std::to_string(size * 6) + "\" height=\"" + std::to_string(size * 6) +
      "\" shape-rendering=\"crispEdges\"><rect width=\"" + side + "\" height=\"" + side +
      "\" fill=\"#fff\"/><path fill=\"#000\" d=\"";
  for (int y = 0; y < width; ++y) {
    for (int x = 0; x < width; ++x) {
      // Bit 0 of each byte is the module's colour (1 = dark); the other bits are
      // libqrencode's bookkeeping.
      if ((code->data[y * width + x] & 1) == 0) continue;
      svg += 'M';
      svg += std::to_string(x + kQrQuietZoneModules);
      svg += ' ';
      svg += std::to_string(y + kQrQuietZoneModules);
      svg += "h1v1h-1z";
    }
  }
  svg += "\"/></svg>";
  return svg;
}

}  // namespace sessionkit::internal
