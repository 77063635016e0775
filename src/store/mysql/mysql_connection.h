// MysqlConnection: one blocking MariaDB Connector/C connection that runs prepared
// statements only (every value is bound to a `?`, never spliced into SQL text).
//
// Connect() applies the options' connect/read/write timeouts, utf8mb4, UTC, strict SQL
// mode and CLIENT_FOUND_ROWS (an UPDATE that matches a row counts it even when the value
// is unchanged). Run() prepares, binds, executes and fetches every row as text (NULL as
// nullopt). Errors are Unavailable with "what: errno (sqlstate) message"; for the errors
// that quote a bound value (duplicate key, bad or too long data) the server's message is
// left out, so no value ever reaches a message. last_errno() tells a duplicate key
// (ER_DUP_ENTRY) from the rest.
//
// broken(): a connection-level failure (lost, gone, timed out, killed) happened; the
// connection must not be reused. executed(): some statement reached the execute step
// since the last ResetExecuted() (a failure before that changed nothing on the server,
// so the caller may retry on a new connection).
//
// Not thread-safe: one thread at a time (the pool hands it out).
#ifndef SESSIONKIT_STORE_MYSQL_MYSQL_CONNECTION_H_
#define SESSIONKIT_STORE_MYSQL_MYSQL_CONNECTION_H_

#include <cstdint>
#include <initializer_list>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "sessionkit/mysql_store.h"
#include "sessionkit/result.h"

typedef struct st_mysql MYSQL;

namespace sessionkit::internal {

// A value bound to one `?`.
using SqlParam = std::variant<std::string_view, std::int64_t>;
using SqlRow = std::vector<std::optional<std::string>>;

struct SqlResult {
  std::vector<std::string> columns;  // names (aliases) of the result set's columns
  std::vector<SqlRow> rows;     // empty for statements without a result set
  std::uint64_t affected_rows = 0;
};

// MySQL server error numbers the stores look at.
inline constexpr unsigned kErDupEntry = 1062;

class MysqlConnection {
 public:
  // Unavailable with the server's reason (it never contains the password).
  static Result<std::unique_ptr<MysqlConnection>> Connect(const MysqlOptions& options);
  ~MysqlConnection();
  MysqlConnection(const MysqlConnection&) = delete;
  MysqlConnection& operator=(const MysqlConnection&) = delete;

  // `what` names the statement in errors ("find user by id").
  Result<SqlResult> Run(std::string_view what, std::string_view sql,
                        std::initializer_list<SqlParam> params = {});

  // Prepares `sql` without running it: its number of `?` and its result columns' names.
  // Errors as Run.
  struct Shape {
    unsigned parameters = 0;
    std::vector<std::string> columns;
  };
  Result<Shape> Describe(std::string_view what, std::string_view sql);

  unsigned last_errno() const { return last_errno_; }
  bool broken() const { return broken_; }
  bool executed() const { return executed_; }
  void ResetExecuted() { executed_ = false; }

 private:
  explicit MysqlConnection(MYSQL* mysql) : mysql_(mysql) {}
  Status Fail(std::string_view what, unsigned error_number, const char* sqlstate,
              const char* message);

  MYSQL* mysql_;
  unsigned last_errno_ = 0;
  bool broken_ = false;
  bool executed_ = false;
};

using MysqlConnectionPtr = std::unique_ptr<MysqlConnection>;

// The address of `options` for messages: "user@host:port/db" or "user@unix:path/db".
std::string DescribeServer(const MysqlOptions& options);

}  // namespace sessionkit::internal

#endif  // SESSIONKIT_STORE_MYSQL_MYSQL_CONNECTION_H_
