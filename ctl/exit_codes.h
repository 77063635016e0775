// The exit status of sessionkit-ctl (API.md §11) and how a library Status maps onto it.
//
//   0 done; 1 not found or refused; 2 usage (bad arguments, bad configuration, a
//   malformed id); 3 a store unreachable.
// Thread safety: pure functions.
#ifndef SESSIONKIT_CTL_EXIT_CODES_H_
#define SESSIONKIT_CTL_EXIT_CODES_H_

#include "sessionkit/status.h"

namespace sessionkit::ctl {

inline constexpr int kExitDone = 0;
inline constexpr int kExitRefused = 1;
inline constexpr int kExitUsage = 2;
inline constexpr int kExitUnreachable = 3;

// Unavailable -> 3, Malformed -> 2, anything else that failed -> 1, OK -> 0.
inline int ExitCodeOf(const Status& status) noexcept {
  if (status.ok()) return kExitDone;
  if (status.IsUnavailable()) return kExitUnreachable;
  if (status.code() == Code::kMalformed) return kExitUsage;
  return kExitRefused;
}

}  // namespace sessionkit::ctl

#endif  // SESSIONKIT_CTL_EXIT_CODES_H_
