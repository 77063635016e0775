#include "server/router.h"

#include <cstdlib>

namespace sessionkit::server {

std::string_view MethodName(Method method) noexcept {
  switch (method) {
    case Method::kGet: return "GET";
    case Method::kHead: return "HEAD";
    case Method::kPost: return "POST";
    case Method::kPut: return "PUT";
    case Method::kDelete: return "DELETE";
    case Method::kPatch: return "PATCH";
    case Method::kOptions: return "OPTIONS";
    case Method::kOther: break;
  }
  return "";
}

namespace {

bool SamePath(const RouteRow& a, const RouteRow& b) {
  return a.match == b.match && a.path == b.path;
}

// The param segment of `path` under `prefix`, or nullopt if `path` is not prefix/segment.
std::optional<std::string_view> ParamUnder(std::string_view prefix, std::string_view path) {
  if (path.size() <= prefix.size() || !path.starts_with(prefix) || path[prefix.size()] != '/') {
    return std::nullopt;
  }
  std::string_view param = path.substr(prefix.size() + 1);
  if (param.find('/') != std::string_view::npos) return std::nullopt;
  return param;
}

bool InSubtree(std::string_view root, std::string_view path) {
  return path.starts_with(root) && (path.size() == root.size() || path[root.size()] == '/');
}

}  // namespace

Router::Router(std::span<const RouteRow> rows) : rows_(rows) {
  for (RouteId i = 0; i < rows_.size(); ++i) {
    if (rows_[i].match == PathMatch::kSubtree) order_.push_back(i);
  }
  for (RouteId i = 0; i < rows_.size(); ++i) {
    if (rows_[i].match != PathMatch::kSubtree) order_.push_back(i);
  }
  for (const RouteRow& row : rows_) {
    std::string allow;
    for (const RouteRow& other : rows_) {
      if (!SamePath(row, other) || !other.method) continue;
      if (!allow.empty()) allow += ", ";
      allow += MethodName(*other.method);
    }
    allow_.push_back(std::move(allow));
    labels_.push_back(row.label);
  }
  labels_.push_back("unknown_path");
  labels_.push_back("wrong_method");
  for (std::size_t a = 0; a < labels_.size(); ++a) {
    for (std::size_t b = a + 1; b < labels_.size(); ++b) {
      if (labels_[a] == labels_[b]) std::abort();  // two series under one label
    }
  }
}

RouteMatch Router::Match(Method method, std::string_view path) const noexcept {
  const RouteId none = unknown_path();
  RouteId wrong = none;  // a row whose path matched, with another method
  for (RouteId i : order_) {
    const RouteRow& row = rows_[i];
    std::string_view param;
    switch (row.match) {
      case PathMatch::kExact:
        if (path != row.path) continue;
        break;
      case PathMatch::kSubtree:
        if (!InSubtree(row.path, path)) continue;
        break;
      case PathMatch::kParam: {
        std::optional<std::string_view> segment = ParamUnder(row.path, path);
        if (!segment) continue;
        param = *segment;
        break;
      }
    }
    if (!row.method || *row.method == method) return {i, &row, param, {}};
    if (wrong == none) wrong = i;
  }
  if (wrong != none) return {wrong_method(), nullptr, {}, allow_[wrong]};
  return {none, nullptr, {}, {}};
}

RouteId Router::IdOf(std::string_view label) const noexcept {
  for (RouteId i = 0; i < labels_.size(); ++i) {
    if (labels_[i] == label) return i;
  }
  return unknown_path();
}

}  // namespace sessionkit::server
