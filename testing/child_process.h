// Test-only: the end of a server process that a fixture forked (redis-server, mariadbd),
// and the tail of its log files for an error message.
//
// StopChild sends SIGTERM and reaps the child, escalating to SIGKILL after `timeout`;
// KillChild sends SIGKILL and reaps it. Both set `pid` to -1 and do nothing for pid <= 0.
// LogTailOf returns the concatenated files `names` of `dir` (missing ones skipped), cut to
// their last 2,000 characters, or "(no output)".
// Thread safety: call from the thread that owns the fixture.
#ifndef SESSIONKIT_TESTING_CHILD_PROCESS_H_
#define SESSIONKIT_TESTING_CHILD_PROCESS_H_

#include <sys/types.h>

#include <chrono>
#include <filesystem>
#include <initializer_list>
#include <string>

namespace sessionkit::testing {

void StopChild(pid_t& pid, std::chrono::milliseconds timeout);
void KillChild(pid_t& pid);
std::string LogTailOf(const std::filesystem::path& dir, std::initializer_list<const char*> names);

}  // namespace sessionkit::testing

#endif  // SESSIONKIT_TESTING_CHILD_PROCESS_H_
