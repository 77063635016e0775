#include "ctl/password_input.h"

#include <termios.h>
#include <unistd.h>

#include <cerrno>
#include <csignal>
#include <string_view>

#include "server/users/validation.h"

namespace sessionkit::ctl {
namespace {

void WriteAll(int fd, std::string_view text) {
  while (!text.empty()) {
    const ssize_t n = ::write(fd, text.data(), text.size());
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return;
    text.remove_prefix(static_cast<std::size_t>(n));
  }
}

// One line from `fd`, byte by byte (nothing after the newline is consumed, so a caller
// may read further lines). false at end of input before any byte or on an error.
bool ReadLine(int fd, std::string& line) {
  line.clear();
  bool any = false;
  constexpr std::size_t kMaxLine = 4096;  // far beyond the 128-byte rule
  while (true) {
    char c = 0;
    const ssize_t n = ::read(fd, &c, 1);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return any;
    any = true;
    if (c == '\n') break;
    if (line.size() < kMaxLine) line.push_back(c);
  }
  if (!line.empty() && line.back() == '\r') line.pop_back();
  return true;
}

// The terminal settings to restore if a signal ends the process while echo is off
// (Ctrl-C at the prompt must not leave the operator's shell without echo).
int g_restore_fd = -1;
termios g_restore{};

void RestoreAndReraise(int signal_number) {
  if (g_restore_fd >= 0) ::tcsetattr(g_restore_fd, TCSANOW, &g_restore);  // async-signal-safe
  ::signal(signal_number, SIG_DFL);
  ::raise(signal_number);
}

// Echo off on a terminal for the life of the object, restored on return and on
// SIGINT / SIGTERM / SIGHUP / SIGQUIT.
class EchoOff {
 public:
  explicit EchoOff(int fd) : fd_(fd) {
    if (::tcgetattr(fd_, &saved_) != 0) return;
    termios quiet = saved_;
    quiet.c_lflag &= static_cast<tcflag_t>(~ECHO);
    quiet.c_lflag |= ECHONL;
    g_restore = saved_;
    g_restore_fd = fd_;
    for (int i = 0; i < kSignals; ++i) previous_[i] = ::signal(kSignalList[i], RestoreAndReraise);
    active_ = ::tcsetattr(fd_, TCSANOW, &quiet) == 0;
  }
  ~EchoOff() {
    if (active_) ::tcsetattr(fd_, TCSANOW, &saved_);
    if (g_restore_fd == fd_) {
      for (int i = 0; i < kSignals; ++i) ::signal(kSignalList[i], previous_[i]);
      g_restore_fd = -1;
    }
  }
  EchoOff(const EchoOff&) = delete;
  EchoOff& operator=(const EchoOff&) = delete;

 private:
  static constexpr int kSignals = 4;
  static constexpr int kSignalList[kSignals] = {SIGINT, SIGTERM, SIGHUP, SIGQUIT};
  int fd_;
  termios saved_{};
  bool active_ = false;
  sighandler_t previous_[kSignals] = {};
};

void Wipe(std::string& s) {
  volatile char* p = s.data();
  for (std::size_t i = 0; i < s.size(); ++i) p[i] = 0;
  s.clear();
}

}  // namespace

Result<std::string> ReadNewPassword(int fd, int prompt_fd) {
  std::string password;
  if (::isatty(fd) == 0) {
    if (!ReadLine(fd, password)) {
      return Status::InvalidArgument("no password on standard input (one line expected)");
    }
  } else {
    EchoOff quiet(fd);
    WriteAll(prompt_fd, "New password: ");
    if (!ReadLine(fd, password)) return Status::InvalidArgument("no password entered");
    std::string again;
    WriteAll(prompt_fd, "Repeat it: ");
    const bool read = ReadLine(fd, again);
    const bool same = read && again == password;
    Wipe(again);
    if (!same) {
      Wipe(password);
      return Status::InvalidArgument("the passwords differ");
    }
  }
  if (std::string_view problem = server::CheckPassword(password); !problem.empty()) {
    Wipe(password);
    return Status::InvalidArgument(std::string(problem));
  }
  return password;
}

}  // namespace sessionkit::ctl
