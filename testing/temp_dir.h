// TempDir: a fresh, empty directory for one test, removed with its contents afterwards.
//
// Created with mkdtemp under std::filesystem::temp_directory_path() ($TMPDIR or /tmp),
// named "sessionkit-test-XXXXXX", so parallel test processes never share one. If it cannot
// be created the test fails (ADD_FAILURE) and path() is empty. The destructor first gives
// the owner full permissions on everything inside (a test may have taken them away) and
// then removes the tree; errors there are ignored.
//
// Not thread-safe; one owner.
#ifndef SESSIONKIT_TESTING_TEMP_DIR_H_
#define SESSIONKIT_TESTING_TEMP_DIR_H_

#include <filesystem>
#include <string>
#include <string_view>

namespace sessionkit::testing {

class TempDir {
 public:
  TempDir();
  ~TempDir();
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;

  const std::filesystem::path& path() const noexcept { return path_; }
  // path() / name, as a string (for options that take a path string).
  std::string File(std::string_view name) const;

 private:
  std::filesystem::path path_;
};

}  // namespace sessionkit::testing

#endif  // SESSIONKIT_TESTING_TEMP_DIR_H_
