#include "server/users/validation.h"

namespace sessionkit::server {
namespace {

bool IsAlnum(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
}

bool ValidDomainLabel(std::string_view label) {
  if (label.empty() || label.front() == '-' || label.back() == '-') return false;
  for (char c : label) {
    if (!IsAlnum(c) && c != '-') return false;
  }
  return true;
}

}  // namespace

std::string_view CheckUsername(std::string_view username) noexcept {
  constexpr std::string_view kMessage =
      "username must be 3-32 characters of letters, digits, '_', '.', '-'";
  if (username.size() < 3 || username.size() > 32) return kMessage;
  for (char c : username) {
    if (!IsAlnum(c) && c != '_' && c != '.' && c != '-') return kMessage;
  }
  return {};
}

std::string_view CheckEmail(std::string_view email) noexcept {
  constexpr std::string_view kMessage = "email must look like local@domain.tld (at most 254 bytes)";
  if (email.size() > 254) return kMessage;
  std::size_t at = email.find('@');
  if (at == std::string_view::npos || at == 0 || email.find('@', at + 1) != std::string_view::npos) {
    return kMessage;
  }
  for (char c : email.substr(0, at)) {
    auto u = static_cast<unsigned char>(c);
    if (u <= ' ' || u == 0x7f) return kMessage;
  }
  std::string_view domain = email.substr(at + 1);
  int labels = 0;
  while (true) {
    std::size_t dot = domain.find('.');
    if (!ValidDomainLabel(domain.substr(0, dot))) return kMessage;
    ++labels;
    if (dot == std::string_view::npos) break;
    domain.remove_prefix(dot + 1);
  }
  return labels >= 2 ? std::string_view() : kMessage;
}

std::string_view CheckPassword(std::string_view password) noexcept {
  if (password.size() < 8 || password.size() > 128) return "password must be 8-128 bytes";
  return {};
}

}  // namespace sessionkit::server
