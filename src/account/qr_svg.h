// A text as a QR code in SVG (the otpauth:// URI of a TOTP setup, API.md §9).
//
// libqrencode (Debian libqrencode) computes the matrix: byte mode, error correction
// level M, the smallest version that fits. The SVG draws the dark modules as one <path>
// of unit squares in a viewBox measured in modules, with the 4-module quiet zone the
// standard requires, shape-rendering="crispEdges" so scaled renders stay sharp, a white
// background rect and no script, style or external reference (safe to inline in a page).
//
// Errors: InvalidArgument when the text does not fit in a QR code (over ~2 kB);
// Internal when libqrencode fails otherwise (out of memory). Thread-safe (libqrencode is
// built thread-safe on Debian); nothing throws.
#ifndef SESSIONKIT_SRC_ACCOUNT_QR_SVG_H_
#define SESSIONKIT_SRC_ACCOUNT_QR_SVG_H_

#include <string>
#include <string_view>

#include "sessionkit/result.h"

namespace sessionkit::internal {

inline constexpr int kQrQuietZoneModules = 4;

Result<std::string> QrSvg(std::string_view text);

}  // namespace sessionkit::internal

#endif  // SESSIONKIT_SRC_ACCOUNT_QR_SVG_H_
