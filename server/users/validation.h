// Input rules of API.md §6 for registration (and new passwords).
//
//   username: 3-32 characters of [A-Za-z0-9_.-]
//   email:    local@domain.tld, at most 254 bytes; one '@'; the local part has no
//             spaces or control characters; the domain has at least two labels of
//             [A-Za-z0-9-], none empty or starting/ending with '-'
//   password: 8-128 bytes (any bytes)
// Each check returns an empty string when the value is fine, else the 400 message
// (which never contains the value itself). Thread safety: pure functions.
#ifndef SESSIONKIT_SERVER_USERS_VALIDATION_H_
#define SESSIONKIT_SERVER_USERS_VALIDATION_H_

#include <string_view>

namespace sessionkit::server {

std::string_view CheckUsername(std::string_view username) noexcept;
std::string_view CheckEmail(std::string_view email) noexcept;
std::string_view CheckPassword(std::string_view password) noexcept;

}  // namespace sessionkit::server

#endif  // SESSIONKIT_SERVER_USERS_VALIDATION_H_
