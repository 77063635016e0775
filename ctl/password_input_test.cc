// Passwords from standard input: one line from a pipe; from a terminal (a pseudo-terminal
// here) no echo, and a confirmation that must match.
#include "ctl/password_input.h"

#include <gtest/gtest.h>
#include <pty.h>
#include <sys/wait.h>
#include <termios.h>
#include <unistd.h>

#include <chrono>
#include <csignal>
#include <string>
#include <thread>

namespace sessionkit::ctl {
namespace {

// A pipe holding `text`, its read end returned (write end closed).
int PipeWith(const std::string& text) {
  int fds[2];
  if (::pipe(fds) != 0) return -1;
  if (::write(fds[1], text.data(), text.size()) != static_cast<ssize_t>(text.size())) return -1;
  ::close(fds[1]);
  return fds[0];
}

std::string ReadAvailable(int fd) {
  std::string out;
  char buf[256];
  ssize_t n;
  while ((n = ::read(fd, buf, sizeof(buf))) > 0) out.append(buf, static_cast<std::size_t>(n));
  return out;
}

TEST(PasswordInput, APipeGivesOneLineWithoutItsNewline) {
  int fd = PipeWith("correct horse\r\nsecond line\n");
  Result<std::string> password = ReadNewPassword(fd, -1);
  ASSERT_TRUE(password.ok()) << password.status().ToString();
  EXPECT_EQ(*password, "correct horse");
  ::close(fd);
  fd = PipeWith("no newline at end");
  EXPECT_EQ(ReadNewPassword(fd, -1).value(), "no newline at end");
  ::close(fd);
}

TEST(PasswordInput, EmptyOrShortInputIsRefusedWithoutEchoingIt) {
  int fd = PipeWith("");
  EXPECT_EQ(ReadNewPassword(fd, -1).status().code(), Code::kInvalidArgument);
  ::close(fd);
  fd = PipeWith("short7\n");
  Result<std::string> refused = ReadNewPassword(fd, -1);
  EXPECT_EQ(refused.status().code(), Code::kInvalidArgument);
  EXPECT_EQ(refused.status().message().find("short7"), std::string::npos);
  ::close(fd);
}

TEST(PasswordInput, ATerminalTurnsEchoOffAndAsksTwice) {
  int master = -1, slave = -1;
  ASSERT_EQ(::openpty(&master, &slave, nullptr, nullptr, nullptr), 0);
  const std::string typed = "correct horse\ncorrect horse\n";
  ASSERT_EQ(::write(master, typed.data(), typed.size()), static_cast<ssize_t>(typed.size()));
  int prompts[2];
  ASSERT_EQ(::pipe(prompts), 0);
  Result<std::string> password = ReadNewPassword(slave, prompts[1]);
  ::close(prompts[1]);
  ASSERT_TRUE(password.ok()) << password.status().ToString();
  EXPECT_EQ(*password, "correct horse");
  const std::string prompted = ReadAvailable(prompts[0]);
  EXPECT_NE(prompted.find("New password"), std::string::npos);
  EXPECT_NE(prompted.find("Repeat"), std::string::npos);
  termios after{};
  ASSERT_EQ(::tcgetattr(slave, &after), 0);
  EXPECT_NE(after.c_lflag & ECHO, 0u) << "echo is restored";
  ::close(prompts[0]);

  const std::string mismatch = "correct horse\nbattery staple\n";
  ASSERT_EQ(::write(master, mismatch.data(), mismatch.size()),
            static_cast<ssize_t>(mismatch.size()));
  Result<std::string> refused = ReadNewPassword(slave, -1);
  EXPECT_EQ(refused.status().message(), "the passwords differ");
  ::close(slave);
  ::close(master);
}

// Ctrl-C at the prompt ends ctl, and the terminal gets its echo back first.
TEST(PasswordInput, ASignalAtThePromptRestoresEcho) {
  int master = -1, slave = -1;
  ASSERT_EQ(::openpty(&master, &slave, nullptr, nullptr, nullptr), 0);
  const pid_t child = ::fork();
  ASSERT_GE(child, 0);
  if (child == 0) {
    ::close(master);
    (void)ReadNewPassword(slave, -1);  // waits for a line that never comes
    ::_exit(0);
  }
  // Wait (bounded) until the child has turned echo off.
  termios now{};
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
  while (::tcgetattr(slave, &now) == 0 && (now.c_lflag & ECHO) != 0 &&
         std::chrono::steady_clock::now() < deadline) {
    std::this_thread::yield();
  }
  ASSERT_EQ(now.c_lflag & ECHO, 0u) << "the child never turned echo off";
  ASSERT_EQ(::kill(child, SIGINT), 0);
  int status = 0;
  ASSERT_EQ(::waitpid(child, &status, 0), child);
  EXPECT_TRUE(WIFSIGNALED(status) && WTERMSIG(status) == SIGINT) << status;
  ASSERT_EQ(::tcgetattr(slave, &now), 0);
  EXPECT_NE(now.c_lflag & ECHO, 0u) << "echo restored before the process ended";
  ::close(slave);
  ::close(master);
}

}  // namespace
}  // namespace sessionkit::ctl
