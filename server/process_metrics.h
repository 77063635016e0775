// The standard Prometheus process_* metrics of this process, read from /proc at scrape
// time (nothing is kept or sampled in between; the hot path is not involved).
//
//   process_cpu_seconds_total           user + system CPU time (/proc/self/stat)
//   process_resident_memory_bytes       resident set size (/proc/self/stat, pages)
//   process_virtual_memory_bytes        virtual memory size (/proc/self/stat)
//   process_start_time_seconds          start time, Unix seconds (/proc/self/stat's start
//                                       ticks after boot; boot time from CLOCK_REALTIME -
//                                       CLOCK_BOOTTIME, so /proc/stat, hidden by the unit's
//                                       ProcSubset=pid, is not needed)
//   process_open_fds                    entries of /proc/self/fd
//   process_max_fds                     the soft RLIMIT_NOFILE
//
// A value that cannot be read is left out of the output (never a made-up 0).
// Thread safety: pure functions; any thread.
#ifndef SESSIONKIT_SERVER_PROCESS_METRICS_H_
#define SESSIONKIT_SERVER_PROCESS_METRICS_H_

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace sessionkit::server {

// The fields of /proc/<pid>/stat used here (units as the kernel gives them).
struct ProcStat {
  std::uint64_t utime_ticks = 0;
  std::uint64_t stime_ticks = 0;
  std::uint64_t start_ticks = 0;  // after boot
  std::uint64_t vsize_bytes = 0;
  std::uint64_t rss_pages = 0;
};

// Parses /proc/<pid>/stat text (the command name may hold blanks and parentheses).
std::optional<ProcStat> ParseProcStat(std::string_view text);

// Appends the process_* series, with HELP and TYPE lines, to `out`.
void AppendProcessMetrics(std::string& out);

}  // namespace sessionkit::server

#endif  // SESSIONKIT_SERVER_PROCESS_METRICS_H_
