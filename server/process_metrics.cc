#include "server/process_metrics.h"

#include <dirent.h>
#include <fcntl.h>
#include <fmt/format.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

#include <charconv>
#include <iterator>

namespace sessionkit::server {
namespace {

std::optional<std::string> ReadSmallFile(const char* path) {
  int fd = ::open(path, O_RDONLY | O_CLOEXEC);
  if (fd < 0) return std::nullopt;
  std::string text;
  char buf[1024];
  ssize_t n;
  while ((n = ::read(fd, buf, sizeof(buf))) > 0) text.append(buf, static_cast<std::size_t>(n));
  ::close(fd);
  if (n < 0) return std::nullopt;
  return text;
}

std::optional<std::uint64_t> CountOpenFds() {
  DIR* dir = ::opendir("/proc/self/fd");
  if (dir == nullptr) return std::nullopt;
  std::uint64_t count = 0;
  while (const dirent* entry = ::readdir(dir)) {
    if (entry->d_name[0] != '.') ++count;
  }
  ::closedir(dir);
  return count > 0 ? count - 1 : 0;  // the directory's own descriptor
}

double Seconds(const timespec& t) { return static_cast<double>(t.tv_sec) + t.tv_nsec / 1e9; }

void Gauge(std::string& out, std::string_view name, std::string_view help, std::string_view type,
           double value) {
  fmt::format_to(std::back_inserter(out), "# HELP {0} {1}\n# TYPE {0} {2}\n{0} {3}\n", name, help,
                 type, value);
}

}  // namespace

std::optional<ProcStat> ParseProcStat(std::string_view text) {
  // "pid (comm) state ppid ...": comm may contain anything, so fields start after the
  // last ')'.
  std::size_t close = text.rfind(')');
  if (close == std::string_view::npos) return std::nullopt;
  std::string_view rest = text.substr(close + 1);
  // Field numbers of proc(5): state is 3; utime 14, stime 15, starttime 22, vsize 23,
  // rss 24.
  ProcStat stat;
  int field = 2;
  std::size_t found = 0;
  while (!rest.empty()) {
    while (!rest.empty() && rest.front() == ' ') rest.remove_prefix(1);
    if (rest.empty()) break;
    std::size_t end = rest.find(' ');
    std::string_view token = rest.substr(0, end);
    rest = end == std::string_view::npos ? std::string_view() : rest.substr(end);
    ++field;
    std::uint64_t* target = nullptr;
    switch (field) {
      case 14: target = &stat.utime_ticks; break;
      case 15: target = &stat.stime_ticks; break;
      case 22: target = &stat.start_ticks; break;
      case 23: target = &stat.vsize_bytes; break;
      case 24: target = &stat.rss_pages; break;
      default: break;
    }
    if (target == nullptr) continue;
    auto [ptr, ec] = std::from_chars(token.data(), token.data() + token.size(), *target);
    if (ec != std::errc() || ptr != token.data() + token.size()) return std::nullopt;
    if (++found == 5) return stat;
  }
  return std::nullopt;
}

void AppendProcessMetrics(std::string& out) {
  const long ticks = ::sysconf(_SC_CLK_TCK);
  const long page = ::sysconf(_SC_PAGESIZE);
  if (std::optional<std::string> text = ReadSmallFile("/proc/self/stat"); text && ticks > 0) {
    if (std::optional<ProcStat> stat = ParseProcStat(*text)) {
      const double tick = 1.0 / static_cast<double>(ticks);
      Gauge(out, "process_cpu_seconds_total", "Total user and system CPU time spent in seconds.",
            "counter", static_cast<double>(stat->utime_ticks + stat->stime_ticks) * tick);
      Gauge(out, "process_resident_memory_bytes", "Resident memory size in bytes.", "gauge",
            static_cast<double>(stat->rss_pages) * static_cast<double>(page));
      Gauge(out, "process_virtual_memory_bytes", "Virtual memory size in bytes.", "gauge",
            static_cast<double>(stat->vsize_bytes));
      timespec realtime{}, boottime{};
      if (::clock_gettime(CLOCK_REALTIME, &realtime) == 0 &&
          ::clock_gettime(CLOCK_BOOTTIME, &boottime) == 0) {
        const double boot = Seconds(realtime) - Seconds(boottime);
        Gauge(out, "process_start_time_seconds",
              "Start time of the process since unix epoch in seconds.", "gauge",
              boot + static_cast<double>(stat->start_ticks) * tick);
      }
    }
  }
  if (std::optional<std::uint64_t> fds = CountOpenFds()) {
    Gauge(out, "process_open_fds", "Number of open file descriptors.", "gauge",
          static_cast<double>(*fds));
  }
  rlimit limit{};
  if (::getrlimit(RLIMIT_NOFILE, &limit) == 0 && limit.rlim_cur != RLIM_INFINITY) {
    Gauge(out, "process_max_fds", "Maximum number of open file descriptors.", "gauge",
          static_cast<double>(limit.rlim_cur));
  }
}

}  // namespace sessionkit::server
