// Connector/C's blocking API behind MysqlConnection (see mysql_connection.h).
#include "src/store/mysql/mysql_connection.h"

#include <errmsg.h>
#include <mysql.h>
#include <mysqld_error.h>

#include <mutex>
#include <utility>

namespace sessionkit::internal {
namespace {

// Errors whose server message quotes a bound value.
bool QuotesAValue(unsigned error_number) {
  switch (error_number) {
    case ER_DUP_ENTRY:
    case ER_DATA_TOO_LONG:
    case ER_TRUNCATED_WRONG_VALUE_FOR_FIELD:
    case ER_TRUNCATED_WRONG_VALUE:
    case WARN_DATA_TRUNCATED:
      return true;
    default:
      return false;
  }
}

// A failure of the connection itself, not of one statement: the connection is unusable.
bool BreaksTheConnection(unsigned error_number) {
  return error_number >= CR_MIN_ERROR || error_number == ER_SERVER_SHUTDOWN ||
         error_number == ER_CONNECTION_KILLED || error_number == ER_QUERY_INTERRUPTED;
}

// Frees a statement on every path.
struct StatementCloser {
  void operator()(MYSQL_STMT* stmt) const { mysql_stmt_close(stmt); }
};
struct ResultFreer {
  void operator()(MYSQL_RES* res) const { mysql_free_result(res); }
};

}  // namespace

std::string DescribeServer(const MysqlOptions& options) {
  std::string where = options.socket.empty()
                          ? options.host + ":" + std::to_string(options.port)
                          : "unix:" + options.socket;
  return options.user + "@" + where + "/" + options.database;
}

Result<std::unique_ptr<MysqlConnection>> MysqlConnection::Connect(const MysqlOptions& options) {
  static std::once_flag library_ready;
  std::call_once(library_ready, [] { mysql_library_init(0, nullptr, nullptr); });

  MYSQL* mysql = mysql_init(nullptr);
  if (mysql == nullptr) return Status::Unavailable("user database: out of memory");
  std::unique_ptr<MysqlConnection> connection(new MysqlConnection(mysql));
  const unsigned connect_timeout = static_cast<unsigned>(options.connect_timeout.count());
  const unsigned read_timeout = static_cast<unsigned>(options.read_timeout.count());
  const unsigned write_timeout = static_cast<unsigned>(options.write_timeout.count());
  const unsigned protocol = options.socket.empty() ? MYSQL_PROTOCOL_TCP : MYSQL_PROTOCOL_SOCKET;
  mysql_optionsv(mysql, MYSQL_OPT_CONNECT_TIMEOUT, &connect_timeout);
  mysql_optionsv(mysql, MYSQL_OPT_READ_TIMEOUT, &read_timeout);
  mysql_optionsv(mysql, MYSQL_OPT_WRITE_TIMEOUT, &write_timeout);
  mysql_optionsv(mysql, MYSQL_OPT_PROTOCOL, &protocol);
  mysql_optionsv(mysql, MYSQL_SET_CHARSET_NAME, "utf8mb4");
  mysql_optionsv(mysql, MYSQL_INIT_COMMAND,
                 "SET SESSION time_zone = '+00:00',"
                 " sql_mode = 'STRICT_ALL_TABLES,NO_ENGINE_SUBSTITUTION,NO_ZERO_DATE'");
  const char* host = options.socket.empty() ? options.host.c_str() : nullptr;
  const char* socket = options.socket.empty() ? nullptr : options.socket.c_str();
  if (mysql_real_connect(mysql, host, options.user.c_str(), options.password.c_str(),
                         options.database.c_str(), static_cast<unsigned>(options.port), socket,
                         CLIENT_FOUND_ROWS) == nullptr) {
    return Status::Unavailable("user database " + DescribeServer(options) +
                               ": cannot connect: " + mysql_error(mysql));
  }
  return connection;
}

MysqlConnection::~MysqlConnection() { mysql_close(mysql_); }

Status MysqlConnection::Fail(std::string_view what, unsigned error_number, const char* sqlstate,
                             const char* message) {
  last_errno_ = error_number;
  if (BreaksTheConnection(error_number)) broken_ = true;
  std::string text = "user database: " + std::string(what) + ": " + std::to_string(error_number) +
                     " (" + (sqlstate != nullptr ? sqlstate : "") + ")";
  if (!QuotesAValue(error_number) && message != nullptr) text += std::string(" ") + message;
  return Status::Unavailable(std::move(text));
}

Result<SqlResult> MysqlConnection::Run(std::string_view what, std::string_view sql,
                                       std::initializer_list<SqlParam> params) {
  last_errno_ = 0;
  if (broken_) return Status::Unavailable("user database: " + std::string(what) + ": connection lost");
  std::unique_ptr<MYSQL_STMT, StatementCloser> stmt(mysql_stmt_init(mysql_));
  if (!stmt) return Fail(what, mysql_errno(mysql_), mysql_sqlstate(mysql_), mysql_error(mysql_));
  auto fail_stmt = [&] {
    return Fail(what, mysql_stmt_errno(stmt.get()), mysql_stmt_sqlstate(stmt.get()),
                mysql_stmt_error(stmt.get()));
  };
  if (mysql_stmt_prepare(stmt.get(), sql.data(), static_cast<unsigned long>(sql.size())) != 0) {
    return fail_stmt();
  }
  if (mysql_stmt_param_count(stmt.get()) != params.size()) {
    return Status::Internal("user database: " + std::string(what) + ": wrong number of parameters");
  }

  std::vector<MYSQL_BIND> binds(params.size());
  std::vector<unsigned long> lengths(params.size());
  std::vector<long long> ints(params.size());
  std::size_t i = 0;
  for (const SqlParam& param : params) {
    MYSQL_BIND& b = binds[i];
    if (const auto* text = std::get_if<std::string_view>(&param)) {
      b.buffer_type = MYSQL_TYPE_STRING;
      b.buffer = const_cast<char*>(text->data());
      b.buffer_length = static_cast<unsigned long>(text->size());
      lengths[i] = static_cast<unsigned long>(text->size());
      b.length = &lengths[i];
    } else {
      ints[i] = std::get<std::int64_t>(param);
      b.buffer_type = MYSQL_TYPE_LONGLONG;
      b.buffer = &ints[i];
    }
    ++i;
  }
  if (!binds.empty() && mysql_stmt_bind_param(stmt.get(), binds.data()) != 0) return fail_stmt();
  executed_ = true;
  if (mysql_stmt_execute(stmt.get()) != 0) return fail_stmt();

  SqlResult result;
  std::unique_ptr<MYSQL_RES, ResultFreer> meta(mysql_stmt_result_metadata(stmt.get()));
  if (!meta) {
    if (mysql_stmt_errno(stmt.get()) != 0) return fail_stmt();
    result.affected_rows = mysql_stmt_affected_rows(stmt.get());
    return result;
  }

  const unsigned columns = mysql_num_fields(meta.get());
  const MYSQL_FIELD* fields = mysql_fetch_fields(meta.get());
  for (unsigned c = 0; c < columns; ++c) result.columns.emplace_back(fields[c].name);
  constexpr unsigned long kInitialBuffer = 256;
  std::vector<std::string> buffers(columns, std::string(kInitialBuffer, '\0'));
  std::vector<MYSQL_BIND> out(columns);
  std::vector<unsigned long> out_lengths(columns);
  std::vector<my_bool> nulls(columns);
  for (unsigned c = 0; c < columns; ++c) {
    out[c].buffer_type = MYSQL_TYPE_STRING;
    out[c].buffer = buffers[c].data();
    out[c].buffer_length = kInitialBuffer;
    out[c].length = &out_lengths[c];
    out[c].is_null = &nulls[c];
  }
  if (mysql_stmt_bind_result(stmt.get(), out.data()) != 0) return fail_stmt();
  while (true) {
    const int rc = mysql_stmt_fetch(stmt.get());
    if (rc == MYSQL_NO_DATA) break;
    if (rc == 1) return fail_stmt();
    SqlRow row(columns);
    for (unsigned c = 0; c < columns; ++c) {
      if (nulls[c]) continue;
      if (out_lengths[c] <= kInitialBuffer) {
        row[c].emplace(buffers[c].data(), out_lengths[c]);
        continue;
      }
      // Longer than the first buffer (MYSQL_DATA_TRUNCATED): fetch this column whole.
      std::string whole(out_lengths[c], '\0');
      unsigned long whole_length = 0;
      MYSQL_BIND b{};
      b.buffer_type = MYSQL_TYPE_STRING;
      b.buffer = whole.data();
      b.buffer_length = out_lengths[c];
      b.length = &whole_length;
      if (mysql_stmt_fetch_column(stmt.get(), &b, c, 0) != 0) return fail_stmt();
      whole.resize(whole_length);
      row[c] = std::move(whole);
    }
    result.rows.push_back(std::move(row));
  }
  return result;
}

Result<MysqlConnection::Shape> MysqlConnection::Describe(std::string_view what,
                                                        std::string_view sql) {
  last_errno_ = 0;
  if (broken_) return Status::Unavailable("user database: " + std::string(what) + ": connection lost");
  std::unique_ptr<MYSQL_STMT, StatementCloser> stmt(mysql_stmt_init(mysql_));
  if (!stmt) return Fail(what, mysql_errno(mysql_), mysql_sqlstate(mysql_), mysql_error(mysql_));
  if (mysql_stmt_prepare(stmt.get(), sql.data(), static_cast<unsigned long>(sql.size())) != 0) {
    return Fail(what, mysql_stmt_errno(stmt.get()), mysql_stmt_sqlstate(stmt.get()),
                mysql_stmt_error(stmt.get()));
  }
  Shape shape;
  shape.parameters = static_cast<unsigned>(mysql_stmt_param_count(stmt.get()));
  std::unique_ptr<MYSQL_RES, ResultFreer> meta(mysql_stmt_result_metadata(stmt.get()));
  if (meta) {
    const unsigned columns = mysql_num_fields(meta.get());
    const MYSQL_FIELD* fields = mysql_fetch_fields(meta.get());
    for (unsigned c = 0; c < columns; ++c) shape.columns.emplace_back(fields[c].name);
  }
  return shape;
}

}  // namespace sessionkit::internal
