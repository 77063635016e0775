// One line of `sessionkit-ctl users import` (API.md §11): the Go service's users as JSON
// lines, {username, email, password_hash, role?, is_premium?, is_verified?, id?}.
//
// The hash must be bcrypt ($2a$, $2b$, $2y$: cost 04-31 and 53 characters of its
// alphabet) or argon2id ($argon2id$v=19$...); it is stored as given, never recomputed.
// username and email follow the registration rules (server/users/validation.h); role is
// 1-64 characters of [A-Za-z0-9_.-] (default "user"); id, a string or a whole number,
// is kept (a number as its digits), else the store makes a UUID. Unknown fields are
// ignored.
//
// Errors: InvalidArgument naming the field at fault; the message never holds the hash.
// Thread safety: pure function (a parser per thread).
#ifndef SESSIONKIT_CTL_IMPORT_LINE_H_
#define SESSIONKIT_CTL_IMPORT_LINE_H_

#include <string_view>

#include "sessionkit/result.h"
#include "sessionkit/user_store.h"

namespace sessionkit::ctl {

Result<User> ParseImportLine(std::string_view line);

// True for a bcrypt or argon2id hash in the shape described above.
bool IsImportableHash(std::string_view hash) noexcept;

// True for a role: 1-64 characters of [A-Za-z0-9_.-].
bool IsValidRole(std::string_view role) noexcept;

}  // namespace sessionkit::ctl

#endif  // SESSIONKIT_CTL_IMPORT_LINE_H_
