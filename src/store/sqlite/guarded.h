// Guarded: runs a store operation and turns an escaping exception (bad_alloc, a mutex
// system_error) into Status::Internal, so that nothing throws through a store's API.
// `what` names the component in the message ("sqlite store").
#ifndef SESSIONKIT_STORE_SQLITE_GUARDED_H_
#define SESSIONKIT_STORE_SQLITE_GUARDED_H_

#include <exception>
#include <string>
#include <string_view>

#include "sessionkit/status.h"

namespace sessionkit::internal {

template <class Op>
auto Guarded(std::string_view what, Op&& op) -> decltype(op()) {
  try {
    return op();
  } catch (const std::exception& e) {
    return Status::Internal(std::string(what) + ": unexpected exception: " + e.what());
  } catch (...) {
    return Status::Internal(std::string(what) + ": unexpected exception");
  }
}

}  // namespace sessionkit::internal

#endif  // SESSIONKIT_STORE_SQLITE_GUARDED_H_
