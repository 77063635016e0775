// FUZZ_CHECK(condition): a property a fuzz target asserts. On failure it prints the
// condition and its line, then aborts, so libFuzzer records the input as a crash.
#ifndef SESSIONKIT_FUZZ_FUZZ_CHECK_H_
#define SESSIONKIT_FUZZ_FUZZ_CHECK_H_

#include <cstdio>
#include <cstdlib>

#define FUZZ_CHECK(condition)                                                             \
  do {                                                                                    \
    if (!(condition)) {                                                                   \
      std::fprintf(stderr, "FUZZ_CHECK failed: %s at %s:%d\n", #condition, __FILE__,      \
                   __LINE__);                                                             \
      std::abort();                                                                       \
    }                                                                                     \
  } while (0)

#endif  // SESSIONKIT_FUZZ_FUZZ_CHECK_H_
