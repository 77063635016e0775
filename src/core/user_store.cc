// The administration defaults of UserStore (user_store.h): a store that does not own its
// users refuses them.
#include "sessionkit/user_store.h"

namespace sessionkit {
namespace {

Status ReadOnly() { return Status::InvalidArgument("user store is read-only"); }

}  // namespace

Result<User> UserStore::Insert(const User&) { return ReadOnly(); }

Result<std::vector<User>> UserStore::List(std::string_view, std::size_t) { return ReadOnly(); }

Status UserStore::SetDisabled(std::string_view, bool) { return ReadOnly(); }

Status UserStore::SetRole(std::string_view, std::string_view) { return ReadOnly(); }

Status UserStore::SetEmailVerified(std::string_view, bool) { return ReadOnly(); }

}  // namespace sessionkit
