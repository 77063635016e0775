// Opening the SQLite store: bad options, files that are not usable databases, schema.
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>

#include "sessionkit/sqlite_store.h"
#include "src/store/sqlite/schema.h"
#include "testing/raw_sqlite.h"
#include "testing/temp_dir.h"

namespace sessionkit {
namespace {

using ::testing::HasSubstr;
using testing::RawSqlite;
using testing::TempDir;

std::string ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

TEST(SqliteOpenTest, CreatesTheFileWithTheSchemaInWalMode) {
  TempDir dir;
  const std::string path = dir.File("new.db");
  auto store = OpenSqliteStore({.path = path});
  ASSERT_TRUE(store.ok()) << store.status().ToString();
  ASSERT_TRUE(std::filesystem::exists(path));

  auto db = RawSqlite::Open(path);
  ASSERT_TRUE(db.ok()) << db.status().ToString();
  auto mode = (*db)->QueryText("PRAGMA journal_mode");
  ASSERT_TRUE(mode.ok()) << mode.status().ToString();
  EXPECT_EQ(*mode, "wal");
  auto version = (*db)->QueryInt("PRAGMA user_version");
  ASSERT_TRUE(version.ok());
  EXPECT_EQ(*version, internal::kSqliteSchemaVersion);
  for (const char* name : {"sessions", "sessions_by_user", "sessions_by_expiry"}) {
    auto found = (*db)->QueryInt(std::string("SELECT count(*) FROM sqlite_schema WHERE name = '") +
                                 name + "'");
    ASSERT_TRUE(found.ok());
    EXPECT_EQ(*found, 1) << name;
  }
}

TEST(SqliteOpenTest, BadOptionsAreInvalidArgument) {
  TempDir dir;
  const std::string path = dir.File("s.db");
  EXPECT_EQ(OpenSqliteStore({.path = ""}).status().code(), Code::kInvalidArgument);
  EXPECT_EQ(OpenSqliteStore({.path = ":memory:"}).status().code(), Code::kInvalidArgument);
  EXPECT_EQ(OpenSqliteStore({.path = path, .busy_timeout = std::chrono::milliseconds(-1)})
                .status()
                .code(),
            Code::kInvalidArgument);
  EXPECT_EQ(OpenSqliteStore({.path = path, .purge_batch = 0}).status().code(),
            Code::kInvalidArgument);
  EXPECT_EQ(OpenSqliteStore({.path = path, .purge_interval = std::chrono::seconds(-1)})
                .status()
                .code(),
            Code::kInvalidArgument);
  EXPECT_FALSE(std::filesystem::exists(path)) << "bad options must not create a file";
}

TEST(SqliteOpenTest, ADirectoryIsUnavailableNotACrash) {
  TempDir dir;
  auto store = OpenSqliteStore({.path = dir.path().string()});
  ASSERT_FALSE(store.ok());
  EXPECT_EQ(store.status().code(), Code::kUnavailable) << store.status().ToString();
  EXPECT_THAT(store.status().message(), HasSubstr(dir.path().string()));
}

TEST(SqliteOpenTest, AMissingParentDirectoryIsUnavailable) {
  TempDir dir;
  auto store = OpenSqliteStore({.path = dir.File("no/such/dir/s.db")});
  ASSERT_FALSE(store.ok());
  EXPECT_EQ(store.status().code(), Code::kUnavailable) << store.status().ToString();
  EXPECT_THAT(store.status().message(), HasSubstr("unable to open"));
}

constexpr std::string_view kCannotDropPrivileges = "cannot drop privileges";

// Opens `path` and returns the status code's name. As root (where file permissions do
// not apply) the open runs in a child process that has dropped to user/group "nobody".
std::string OpenAsUnprivileged(const std::string& path) {
  if (::geteuid() != 0) return std::string(CodeName(OpenSqliteStore({.path = path}).status().code()));
  int pipe_fds[2];
  if (::pipe(pipe_fds) != 0) return "pipe failed";
  const pid_t child = ::fork();
  if (child == 0) {
    ::close(pipe_fds[0]);
    std::string answer(kCannotDropPrivileges);
    if (::setgid(65534) == 0 && ::setuid(65534) == 0) {
      answer = std::string(CodeName(OpenSqliteStore({.path = path}).status().code()));
    }
    (void)!::write(pipe_fds[1], answer.data(), answer.size());
    ::_exit(0);
  }
  ::close(pipe_fds[1]);
  std::string answer;
  char buffer[128];
  for (ssize_t n; (n = ::read(pipe_fds[0], buffer, sizeof buffer)) > 0;) answer.append(buffer, n);
  ::close(pipe_fds[0]);
  int status = 0;
  ::waitpid(child, &status, 0);
  return answer;
}

// A database file created (by this user, or root) in a directory anyone may write to,
// with the given mode.
// Skips (saying why) when the test runs as root without the right to become "nobody".
#define EXPECT_UNPRIVILEGED_OPEN_IS(path, code_name)                                      \
  do {                                                                                    \
    const std::string got_ = OpenAsUnprivileged(path);                                    \
    if (got_ == kCannotDropPrivileges) GTEST_SKIP() << "root, but setuid(nobody) failed"; \
    EXPECT_EQ(got_, code_name);                                                           \
  } while (0)

std::string MakeDatabaseWithMode(const TempDir& dir, const std::string& name, mode_t mode) {
  const std::string path = dir.File(name);
  EXPECT_TRUE(OpenSqliteStore({.path = path}).ok());
  EXPECT_EQ(::chmod(dir.path().c_str(), 0777), 0);
  EXPECT_EQ(::chmod(path.c_str(), mode), 0);
  return path;
}

TEST(SqliteOpenTest, AFileWithoutPermissionIsUnavailable) {
  TempDir dir;
  // Control: the same setup with permission opens.
  EXPECT_UNPRIVILEGED_OPEN_IS(MakeDatabaseWithMode(dir, "open.db", 0666), "ok");
  EXPECT_UNPRIVILEGED_OPEN_IS(MakeDatabaseWithMode(dir, "locked.db", 0), "unavailable");
}

TEST(SqliteOpenTest, AReadOnlyFileIsUnavailable) {
  TempDir dir;
  EXPECT_UNPRIVILEGED_OPEN_IS(MakeDatabaseWithMode(dir, "readonly.db", 0444), "unavailable");
}

TEST(SqliteOpenTest, ADirectoryWithoutPermissionIsUnavailable) {
  TempDir dir;
  ASSERT_EQ(::chmod(dir.path().c_str(), 0777), 0);
  EXPECT_UNPRIVILEGED_OPEN_IS(dir.File("control.db"), "ok");  // control: writable directory
  ASSERT_EQ(::chmod(dir.path().c_str(), 0), 0);
  EXPECT_UNPRIVILEGED_OPEN_IS(dir.File("s.db"), "unavailable");
}

TEST(SqliteOpenTest, ANonSqliteFileIsUnavailableWithAClearMessageAndIsLeftAlone) {
  TempDir dir;
  const std::string path = dir.File("notes.txt");
  const std::string garbage = std::string("this is not a database, just some text\n") +
                              std::string(4096, 'x');
  std::ofstream(path, std::ios::binary) << garbage;

  auto store = OpenSqliteStore({.path = path});
  ASSERT_FALSE(store.ok());
  EXPECT_EQ(store.status().code(), Code::kUnavailable) << store.status().ToString();
  EXPECT_THAT(store.status().message(), HasSubstr("file is not a database"));
  EXPECT_THAT(store.status().message(), HasSubstr(path));
  EXPECT_EQ(ReadFile(path), garbage) << "the store must not overwrite a foreign file";
}

TEST(SqliteOpenTest, ACorruptDatabaseIsUnavailable) {
  TempDir dir;
  const std::string path = dir.File("s.db");
  {
    auto store = OpenSqliteStore({.path = path});
    ASSERT_TRUE(store.ok()) << store.status().ToString();
  }
  // Keep the valid 16-byte magic but scramble the rest of the header and first page.
  std::string bytes = ReadFile(path);
  ASSERT_GT(bytes.size(), 200u);
  for (std::size_t i = 16; i < 200; ++i) bytes[i] = static_cast<char>(0xA5);
  std::filesystem::remove(path + "-wal");
  std::filesystem::remove(path + "-shm");
  std::ofstream(path, std::ios::binary | std::ios::trunc) << bytes;

  auto store = OpenSqliteStore({.path = path});
  ASSERT_FALSE(store.ok());
  EXPECT_EQ(store.status().code(), Code::kUnavailable) << store.status().ToString();
}

TEST(SqliteOpenTest, ANewerSchemaVersionIsUnavailable) {
  TempDir dir;
  const std::string path = dir.File("s.db");
  ASSERT_TRUE(OpenSqliteStore({.path = path}).ok());
  {
    auto db = RawSqlite::Open(path);
    ASSERT_TRUE(db.ok());
    ASSERT_TRUE((*db)->Exec("PRAGMA user_version = 99").ok());
  }
  auto store = OpenSqliteStore({.path = path});
  ASSERT_FALSE(store.ok());
  EXPECT_EQ(store.status().code(), Code::kUnavailable) << store.status().ToString();
  EXPECT_THAT(store.status().message(), HasSubstr("schema version 99"));
}

TEST(SqliteOpenTest, AnEmptyExistingFileGetsTheSchema) {
  TempDir dir;
  const std::string path = dir.File("empty.db");
  std::ofstream(path).close();
  auto store = OpenSqliteStore({.path = path});
  ASSERT_TRUE(store.ok()) << store.status().ToString();
  EXPECT_TRUE((*store)->Ping().ok());
}

}  // namespace
}  // namespace sessionkit
