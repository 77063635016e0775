#include "server/process_metrics.h"

#include <gtest/gtest.h>

#include <sys/resource.h>
#include <unistd.h>

#include <chrono>
#include <map>
#include <string>

namespace sessionkit::server {
namespace {

TEST(ProcessMetricsTest, ParsesStatWithBlanksAndParenthesesInTheName) {
  const std::string text =
      "4242 (odd ) name) S 1 4242 4242 0 -1 4194560 300 0 0 0 "
      "150 50 0 0 20 0 9 0 123456 987654321 2048 18446744073709551615 1 1 0 0 0 0 0 0 0 0 0 0 "
      "17 1 0 0 0 0 0\n";
  std::optional<ProcStat> stat = ParseProcStat(text);
  ASSERT_TRUE(stat);
  EXPECT_EQ(stat->utime_ticks, 150u);
  EXPECT_EQ(stat->stime_ticks, 50u);
  EXPECT_EQ(stat->start_ticks, 123456u);
  EXPECT_EQ(stat->vsize_bytes, 987654321u);
  EXPECT_EQ(stat->rss_pages, 2048u);
  EXPECT_FALSE(ParseProcStat("garbage"));
  EXPECT_FALSE(ParseProcStat("1 (x) S 1 2"));
}

double ValueOf(const std::string& text, const std::string& name) {
  std::size_t at = text.find("\n" + name + " ");
  if (at == std::string::npos) return -1;
  return std::stod(text.substr(at + name.size() + 2));
}

TEST(ProcessMetricsTest, ReportsThisProcess) {
  std::string out;
  AppendProcessMetrics(out);
  for (const char* name : {"process_cpu_seconds_total", "process_resident_memory_bytes",
                           "process_virtual_memory_bytes", "process_start_time_seconds",
                           "process_open_fds", "process_max_fds"}) {
    EXPECT_NE(out.find(std::string("# TYPE ") + name + " "), std::string::npos) << name << "\n" << out;
  }
  EXPECT_GT(ValueOf(out, "process_resident_memory_bytes"), 1024.0 * 1024);
  EXPECT_GE(ValueOf(out, "process_virtual_memory_bytes"),
            ValueOf(out, "process_resident_memory_bytes"));
  rlimit limit{};
  ASSERT_EQ(getrlimit(RLIMIT_NOFILE, &limit), 0);
  EXPECT_EQ(ValueOf(out, "process_max_fds"), static_cast<double>(limit.rlim_cur));

  // One more open descriptor is seen at the next scrape.
  const double before = ValueOf(out, "process_open_fds");
  int fd = dup(0);
  ASSERT_GE(fd, 0);
  std::string again;
  AppendProcessMetrics(again);
  close(fd);
  EXPECT_EQ(ValueOf(again, "process_open_fds"), before + 1);

  // Started within the last day, not in the future (wall clock: a sanity range only).
  const double now = std::chrono::duration<double>(
      std::chrono::system_clock::now().time_since_epoch()).count();
  const double start = ValueOf(out, "process_start_time_seconds");
  EXPECT_LE(start, now + 1);
  EXPECT_GT(start, now - 86400);
}

}  // namespace
}  // namespace sessionkit::server
