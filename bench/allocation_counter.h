// Counts every operator new of the benchmark binary that includes this header (the
// replacement operators are defined here, so include it in exactly one file of a
// benchmark program). g_allocations is read before and after a measured loop to report
// allocations per operation. Thread-safe (a relaxed atomic).
#ifndef SESSIONKIT_BENCH_ALLOCATION_COUNTER_H_
#define SESSIONKIT_BENCH_ALLOCATION_COUNTER_H_

#include <atomic>
#include <cstdint>
#include <cstdlib>
#include <new>

// GCC pairs the inlined malloc/free below with new/delete expressions and warns.
#pragma GCC diagnostic ignored "-Wmismatched-new-delete"

inline std::atomic<std::uint64_t> g_allocations{0};

void* operator new(std::size_t size) {
  g_allocations.fetch_add(1, std::memory_order_relaxed);
  if (void* p = std::malloc(size == 0 ? 1 : size)) return p;
  throw std::bad_alloc();
}
void operator delete(void* p) noexcept { std::free(p); }
void operator delete(void* p, std::size_t) noexcept { std::free(p); }

#endif  // SESSIONKIT_BENCH_ALLOCATION_COUNTER_H_
