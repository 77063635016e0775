// Result<T>: either a T or a non-OK Status (like absl::StatusOr; std::expected is C++23).
//
// Construct from a T for success or from a non-OK Status for failure; constructing
// from an OK Status is a bug and becomes Code::kInternal. value() on a failed
// Result aborts: check ok() first. Result<void> is spelled Status.
#ifndef SESSIONKIT_RESULT_H_
#define SESSIONKIT_RESULT_H_

#include <cstdlib>
#include <optional>
#include <type_traits>
#include <utility>

#include "sessionkit/status.h"

namespace sessionkit {

template <class T>
class [[nodiscard]] Result {
  static_assert(!std::is_same_v<std::remove_cv_t<T>, Status>, "use Status");
  static_assert(!std::is_reference_v<T>, "Result<T&> is not supported");

 public:
  Result(const T& value) : value_(value) {}                  // NOLINT(implicit)
  Result(T&& value) noexcept : value_(std::move(value)) {}   // NOLINT(implicit)
  Result(Status status) : status_(std::move(status)) {       // NOLINT(implicit)
    if (status_.ok()) status_ = Status::Internal("Result built from an OK status");
  }
  template <class... Args>
  explicit Result(std::in_place_t, Args&&... args) : value_(std::in_place, std::forward<Args>(args)...) {}

  bool ok() const noexcept { return value_.has_value(); }
  const Status& status() const noexcept { return status_; }  // OK when ok()

  T& value() & { Check(); return *value_; }
  const T& value() const& { Check(); return *value_; }
  T&& value() && { Check(); return std::move(*value_); }

  T& operator*() & { return value(); }
  const T& operator*() const& { return value(); }
  T&& operator*() && { return std::move(*this).value(); }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }

  void IgnoreError() const noexcept {}

 private:
  void Check() const {
    if (!value_.has_value()) std::abort();  // a caller read a failed Result: a bug
  }

  std::optional<T> value_;
  Status status_;
};

}  // namespace sessionkit

#endif  // SESSIONKIT_RESULT_H_
