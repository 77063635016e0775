#include "testing/temp_dir.h"

#include <gtest/gtest.h>
#include <stdlib.h>

#include <cerrno>
#include <cstring>
#include <system_error>

namespace sessionkit::testing {

TempDir::TempDir() {
  std::error_code ec;
  const std::filesystem::path base = std::filesystem::temp_directory_path(ec);
  if (ec) {
    ADD_FAILURE() << "TempDir: no temporary directory: " << ec.message();
    return;
  }
  std::string pattern = (base / "sessionkit-test-XXXXXX").string();
  if (::mkdtemp(pattern.data()) == nullptr) {
    ADD_FAILURE() << "TempDir: mkdtemp under " << base << " failed: " << std::strerror(errno);
    return;
  }
  path_ = pattern;
}

TempDir::~TempDir() {
  if (path_.empty()) return;
  std::error_code ec;
  constexpr auto kOwnerAll = std::filesystem::perms::owner_all;
  std::filesystem::permissions(path_, kOwnerAll, std::filesystem::perm_options::add, ec);
  for (auto it = std::filesystem::recursive_directory_iterator(path_, ec);
       !ec && it != std::filesystem::recursive_directory_iterator(); it.increment(ec)) {
    if (!it->is_symlink(ec)) {
      std::filesystem::permissions(it->path(), kOwnerAll, std::filesystem::perm_options::add, ec);
    }
    ec.clear();
  }
  std::filesystem::remove_all(path_, ec);
}

std::string TempDir::File(std::string_view name) const { return (path_ / name).string(); }

}  // namespace sessionkit::testing
