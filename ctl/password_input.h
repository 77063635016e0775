// Reading a password for sessionkit-ctl (API.md §11): from standard input only, never
// from an argument (arguments show up in ps and /proc/<pid>/cmdline).
//
// From a terminal: a prompt on the terminal, echo off while typing (restored on every
// path, and by SIGINT/SIGTERM/SIGHUP/SIGQUIT before they end the process), then a
// confirmation that must match. From a pipe or file: exactly one line,
// its "\n" / "\r\n" dropped, nothing prompted. The password must pass the registration
// rule (8-128 bytes, server/users/validation.h).
//
// Errors: InvalidArgument with a message that never holds the password (no input, the
// rule, the confirmation differs). Thread safety: reads one descriptor; call from one
// thread.
#ifndef SESSIONKIT_CTL_PASSWORD_INPUT_H_
#define SESSIONKIT_CTL_PASSWORD_INPUT_H_

#include <string>

#include "sessionkit/result.h"

namespace sessionkit::ctl {

// Reads the new password from `fd` (standard input: 0); prompts on `prompt_fd` (the
// terminal; standard error: 2) when `fd` is a terminal.
Result<std::string> ReadNewPassword(int fd, int prompt_fd);

}  // namespace sessionkit::ctl

#endif  // SESSIONKIT_CTL_PASSWORD_INPUT_H_
