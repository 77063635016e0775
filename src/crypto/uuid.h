// Random (version 4) UUIDs, as user ids are made (include/sessionkit/user_store.h).
//
// NewUuidV4 draws 122 random bits from the system CSPRNG (random.h) and sets the version
// (4) and variant (10xx) bits of RFC 9562; the text is lowercase, 36 bytes:
// "xxxxxxxx-xxxx-4xxx-[89ab]xxx-xxxxxxxxxxxx". Errors: Unavailable when the CSPRNG
// cannot deliver. Thread-safe.
#ifndef SESSIONKIT_CRYPTO_UUID_H_
#define SESSIONKIT_CRYPTO_UUID_H_

#include <string>

#include "sessionkit/result.h"

namespace sessionkit::internal {

Result<std::string> NewUuidV4();

}  // namespace sessionkit::internal

#endif  // SESSIONKIT_CRYPTO_UUID_H_
