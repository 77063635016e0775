// MariaDB Connector/C, blocking API on a bounded pool of threads versus its non-blocking
// API (mysql_stmt_execute_start / _cont ...) on one event loop, for the two user lookups
// the server makes: login's lookup by username and /me's lookup by id (docs/mysql.md,
// "Blocking driver on a bounded pool, and why").
//
// Not a Google Benchmark program: it starts a throwaway mariadbd (testing/mariadb_server.h,
// the tests' fixture), creates sessionkit's schema with the real MySQL user store and
// `--users` users in it, then runs closed loops of C requests in flight (C = 1, 16, 64):
// each completed lookup is replaced by a new one at once, and its latency runs from the
// moment it was queued (so waiting for a thread or a connection counts, as it does in the
// server). Both modes prepare the same statements (the store's SQL and columns) and bind
// the same buffers; only the way the driver waits differs:
//
//   blocking-T     T threads, each with its own connection, take lookups from a queue
//                  (the server today: its worker pool, default 2 threads, the store's
//                  pool at most 8 connections);
//   nonblocking-1  one thread runs poll() over 8 connections opened with
//                  MYSQL_OPT_NONBLOCK, driving each lookup with the _start / _cont calls.
//
// Variants are interleaved within each round (A, B, C, A, B, C ...) and the figures are
// the medians over the rounds. Usage: mysql_driver_bench [--seconds S] [--rounds R]
// [--users N]. Needs mariadbd (scripts/install-deps.sh).
#include <mysql.h>
#include <poll.h>

#include <algorithm>
#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <deque>
#include <iterator>
#include <memory>
#include <mutex>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "sessionkit/mysql_store.h"
#include "testing/mariadb_server.h"

namespace {

using Clock = std::chrono::steady_clock;
using sessionkit::MysqlOptions;

constexpr const char* kColumns =
    "id, username, email, password_hash, role, is_premium, is_email_verified,"
    " DATE_FORMAT(created_at, '%Y-%m-%dT%H:%i:%sZ'), disabled";
constexpr int kColumnCount = 9;
constexpr std::size_t kConnections = 8;  // the store's pool (MysqlOptions::max_connections)

enum class Lookup { kByLogin, kById };

struct Users {
  std::vector<std::string> ids;
  std::vector<std::string> logins;  // usernames, lowercase (the store's key)
};

[[noreturn]] void Die(const std::string& what) {
  std::fprintf(stderr, "mysql_driver_bench: %s\n", what.c_str());
  std::exit(1);
}

// One connection with both statements prepared and their buffers bound.
class Connection {
 public:
  Connection(const MysqlOptions& o, bool nonblocking) {
    mysql_ = mysql_init(nullptr);
    if (mysql_ == nullptr) Die("mysql_init");
    if (nonblocking) mysql_options(mysql_, MYSQL_OPT_NONBLOCK, nullptr);
    if (mysql_real_connect(mysql_, o.host.c_str(), o.user.c_str(), o.password.c_str(),
                           o.database.c_str(), static_cast<unsigned>(o.port), nullptr, 0) == nullptr) {
      Die(std::string("connect: ") + mysql_error(mysql_));
    }
    by_login_ = Prepare(std::string("SELECT ") + kColumns +
                        " FROM users WHERE username_key = ? OR email_key = ?"
                        " ORDER BY username_key = ? DESC LIMIT 1");
    by_id_ = Prepare(std::string("SELECT ") + kColumns + " FROM users WHERE id = ?");
    for (int i = 0; i < kColumnCount; ++i) {
      MYSQL_BIND& b = result_[i];
      std::memset(&b, 0, sizeof(b));
      b.buffer_type = MYSQL_TYPE_STRING;
      b.buffer = cells_[i];
      b.buffer_length = sizeof(cells_[i]);
      b.length = &lengths_[i];
      b.is_null = &nulls_[i];
    }
    if (mysql_stmt_bind_result(by_login_, result_) || mysql_stmt_bind_result(by_id_, result_)) {
      Die("bind result");
    }
  }
  ~Connection() {
    mysql_stmt_close(by_login_);
    mysql_stmt_close(by_id_);
    mysql_close(mysql_);
  }
  Connection(const Connection&) = delete;
  Connection& operator=(const Connection&) = delete;

  // Binds the parameters of one lookup of `key`; the statement to run.
  MYSQL_STMT* Bind(Lookup lookup, const std::string& key) {
    key_ = key;
    key_length_ = key_.size();
    MYSQL_BIND params[3];
    std::memset(params, 0, sizeof(params));
    for (MYSQL_BIND& p : params) {
      p.buffer_type = MYSQL_TYPE_STRING;
      p.buffer = key_.data();
      p.buffer_length = key_.size();
      p.length = &key_length_;
    }
    MYSQL_STMT* stmt = lookup == Lookup::kByLogin ? by_login_ : by_id_;
    if (mysql_stmt_bind_param(stmt, params)) Die("bind param");
    return stmt;
  }

  // After the statement's result is stored: one row expected.
  static void TakeRow(MYSQL_STMT* stmt) {
    if (mysql_stmt_fetch(stmt) != 0) Die("no row for a planted user");
    mysql_stmt_free_result(stmt);
  }

  void LookupBlocking(Lookup lookup, const std::string& key) {
    MYSQL_STMT* stmt = Bind(lookup, key);
    if (mysql_stmt_execute(stmt) || mysql_stmt_store_result(stmt)) {
      Die(std::string("lookup: ") + mysql_stmt_error(stmt));
    }
    TakeRow(stmt);
  }

  MYSQL* mysql() const { return mysql_; }

 private:
  MYSQL_STMT* Prepare(const std::string& sql) {
    MYSQL_STMT* stmt = mysql_stmt_init(mysql_);
    if (stmt == nullptr || mysql_stmt_prepare(stmt, sql.c_str(), sql.size())) {
      Die(std::string("prepare: ") + mysql_error(mysql_));
    }
    return stmt;
  }

  MYSQL* mysql_ = nullptr;
  MYSQL_STMT* by_login_ = nullptr;
  MYSQL_STMT* by_id_ = nullptr;
  MYSQL_BIND result_[kColumnCount];
  char cells_[kColumnCount][1300];
  unsigned long lengths_[kColumnCount] = {};
  my_bool nulls_[kColumnCount] = {};
  std::string key_;
  unsigned long key_length_ = 0;
};

const std::string& PickKey(const Users& users, Lookup lookup, std::mt19937& rng) {
  const auto& keys = lookup == Lookup::kByLogin ? users.logins : users.ids;
  return keys[std::uniform_int_distribution<std::size_t>(0, keys.size() - 1)(rng)];
}

struct RunResult {
  double per_second = 0;
  double p50_us = 0;
  double p99_us = 0;
};

RunResult Summarize(std::vector<double>& latencies_us, double seconds) {
  RunResult r;
  r.per_second = static_cast<double>(latencies_us.size()) / seconds;
  if (latencies_us.empty()) return r;
  std::sort(latencies_us.begin(), latencies_us.end());
  r.p50_us = latencies_us[latencies_us.size() / 2];
  r.p99_us = latencies_us[std::min(latencies_us.size() - 1, latencies_us.size() * 99 / 100)];
  return r;
}

double Micros(Clock::duration d) { return std::chrono::duration<double, std::micro>(d).count(); }

// --- blocking API on `threads` threads ----------------------------------------------

RunResult RunBlocking(const MysqlOptions& o, const Users& users, Lookup lookup, int in_flight,
                      int threads, double seconds) {
  std::vector<std::unique_ptr<Connection>> connections;
  for (int i = 0; i < threads; ++i) connections.push_back(std::make_unique<Connection>(o, false));
  std::mutex mu;
  std::condition_variable ready;
  std::deque<Clock::time_point> queue;  // lookups waiting: when each was queued
  std::vector<double> latencies;
  bool stop = false;
  const Clock::time_point start = Clock::now();
  for (int i = 0; i < in_flight; ++i) queue.push_back(start);
  const Clock::time_point end = start + std::chrono::duration_cast<Clock::duration>(
                                            std::chrono::duration<double>(seconds));
  std::vector<std::thread> pool;
  for (int t = 0; t < threads; ++t) {
    pool.emplace_back([&, t] {
      std::mt19937 rng(static_cast<unsigned>(t) * 7919u + 1);
      Connection& c = *connections[static_cast<std::size_t>(t)];
      std::vector<double> mine;
      for (;;) {
        Clock::time_point queued;
        {
          std::unique_lock<std::mutex> lock(mu);
          ready.wait(lock, [&] { return stop || !queue.empty(); });
          if (stop) break;
          queued = queue.front();
          queue.pop_front();
        }
        c.LookupBlocking(lookup, PickKey(users, lookup, rng));
        const Clock::time_point now = Clock::now();
        if (now >= end) {
          std::lock_guard<std::mutex> lock(mu);
          stop = true;
          ready.notify_all();
          break;
        }
        mine.push_back(Micros(now - queued));
        {
          std::lock_guard<std::mutex> lock(mu);
          queue.push_back(now);  // the client sends its next request at once
        }
        ready.notify_one();
      }
      std::lock_guard<std::mutex> lock(mu);
      latencies.insert(latencies.end(), mine.begin(), mine.end());
    });
  }
  for (std::thread& t : pool) t.join();
  return Summarize(latencies, seconds);
}

// --- non-blocking API on one event loop ---------------------------------------------

// One lookup in progress on a connection: execute, then store the result.
struct Slot {
  std::unique_ptr<Connection> connection;
  MYSQL_STMT* stmt = nullptr;
  enum class Stage { kIdle, kExecute, kStore } stage = Stage::kIdle;
  int wait = 0;  // MYSQL_WAIT_* the driver waits for
  Clock::time_point queued;
};

short PollEvents(int wait) {
  short events = 0;
  if (wait & MYSQL_WAIT_READ) events |= POLLIN;
  if (wait & MYSQL_WAIT_WRITE) events |= POLLOUT;
  if (wait & MYSQL_WAIT_EXCEPT) events |= POLLPRI;
  return events;
}

int ReadyStatus(short revents, int wait) {
  int status = 0;
  if (revents & (POLLIN | POLLHUP | POLLERR)) status |= MYSQL_WAIT_READ;
  if (revents & POLLOUT) status |= MYSQL_WAIT_WRITE;
  if (revents & POLLPRI) status |= MYSQL_WAIT_EXCEPT;
  if (status == 0 && (wait & MYSQL_WAIT_TIMEOUT)) status = MYSQL_WAIT_TIMEOUT;
  return status;
}

RunResult RunNonblocking(const MysqlOptions& o, const Users& users, Lookup lookup, int in_flight,
                         double seconds) {
  std::vector<Slot> slots(kConnections);
  for (Slot& s : slots) s.connection = std::make_unique<Connection>(o, true);
  std::mt19937 rng(12345);
  std::deque<Clock::time_point> queue;
  std::vector<double> latencies;
  const Clock::time_point start = Clock::now();
  for (int i = 0; i < in_flight; ++i) queue.push_back(start);
  const Clock::time_point end = start + std::chrono::duration_cast<Clock::duration>(
                                            std::chrono::duration<double>(seconds));
  bool stopping = false;

  // Advances `s` until the driver has to wait or the lookup is done (then the slot is idle).
  auto advance = [&](Slot& s, int ready_status) {
    int ret = 0;
    for (;;) {
      int status = 0;
      if (s.stage == Slot::Stage::kExecute) {
        status = ready_status < 0 ? mysql_stmt_execute_start(&ret, s.stmt)
                                  : mysql_stmt_execute_cont(&ret, s.stmt, ready_status);
        if (status != 0) {
          s.wait = status;
          return;
        }
        if (ret != 0) Die(std::string("execute: ") + mysql_stmt_error(s.stmt));
        s.stage = Slot::Stage::kStore;
        ready_status = -1;
        continue;
      }
      status = ready_status < 0 ? mysql_stmt_store_result_start(&ret, s.stmt)
                                : mysql_stmt_store_result_cont(&ret, s.stmt, ready_status);
      if (status != 0) {
        s.wait = status;
        return;
      }
      if (ret != 0) Die(std::string("store result: ") + mysql_stmt_error(s.stmt));
      Connection::TakeRow(s.stmt);
      const Clock::time_point now = Clock::now();
      if (now >= end) {
        stopping = true;
      } else {
        latencies.push_back(Micros(now - s.queued));
        queue.push_back(now);
      }
      s.stage = Slot::Stage::kIdle;
      return;
    }
  };
  auto dispatch = [&] {
    for (Slot& s : slots) {
      if (stopping || queue.empty()) return;
      if (s.stage != Slot::Stage::kIdle) continue;
      s.queued = queue.front();
      queue.pop_front();
      s.stmt = s.connection->Bind(lookup, PickKey(users, lookup, rng));
      s.stage = Slot::Stage::kExecute;
      advance(s, -1);
    }
  };

  std::vector<pollfd> fds;
  std::vector<Slot*> polled;
  for (;;) {
    dispatch();
    fds.clear();
    polled.clear();
    int timeout_ms = -1;
    for (Slot& s : slots) {
      if (s.stage == Slot::Stage::kIdle) continue;
      fds.push_back({mysql_get_socket(s.connection->mysql()), PollEvents(s.wait), 0});
      polled.push_back(&s);
      if (s.wait & MYSQL_WAIT_TIMEOUT) {
        const int t = static_cast<int>(mysql_get_timeout_value_ms(s.connection->mysql()));
        timeout_ms = timeout_ms < 0 ? t : std::min(timeout_ms, t);
      }
    }
    if (fds.empty()) {
      if (stopping) break;
      continue;
    }
    if (poll(fds.data(), fds.size(), timeout_ms) < 0) Die("poll");
    for (std::size_t i = 0; i < fds.size(); ++i) {
      const int status = ReadyStatus(fds[i].revents, polled[i]->wait);
      if (status != 0) advance(*polled[i], status);
    }
  }
  return Summarize(latencies, seconds);
}

double Median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v.empty() ? 0 : v[v.size() / 2];
}

}  // namespace

int main(int argc, char** argv) {
  double seconds = 2;
  int rounds = 3;
  int user_count = 2000;
  for (int i = 1; i + 1 < argc; i += 2) {
    const std::string flag = argv[i];
    if (flag == "--seconds") {
      seconds = std::atof(argv[i + 1]);
    } else if (flag == "--rounds") {
      rounds = std::atoi(argv[i + 1]);
    } else if (flag == "--users") {
      user_count = std::atoi(argv[i + 1]);
    } else {
      Die("usage: mysql_driver_bench [--seconds S] [--rounds R] [--users N]");
    }
  }
  if (seconds <= 0 || rounds < 1 || user_count < 1) Die("bad arguments");

  auto server = sessionkit::testing::MariadbServer::Start();
  if (!server.ok()) Die(server.status().ToString());
  auto options = (*server)->CreateDatabase();
  if (!options.ok()) Die(options.status().ToString());
  auto store = sessionkit::OpenMysqlUserStore(*options);  // sessionkit's schema
  if (!store.ok()) Die(store.status().ToString());
  Users users;
  for (int i = 0; i < user_count; ++i) {
    sessionkit::User u;
    u.username = "bench_user_" + std::to_string(i);
    u.email = u.username + "@example.com";
    u.password_hash = "$argon2id$v=19$m=19456,t=2,p=1$c2FsdHNhbHRzYWx0$aGFzaGhhc2hoYXNoaGFzaGhhc2hoYXNoaGFzaA";
    auto created = (*store)->Insert(u);
    if (!created.ok()) Die(created.status().ToString());
    users.ids.push_back(created->id);
    users.logins.push_back(u.username);
  }
  std::printf("mariadbd on 127.0.0.1:%d, %d users, %.1f s per run, %d rounds (medians)\n",
              (*server)->port(), user_count, seconds, rounds);

  struct Variant {
    const char* name;
    int threads;  // 0: the non-blocking event loop
  };
  const Variant variants[] = {{"blocking-2", 2}, {"blocking-8", 8}, {"nonblocking-1", 0}};
  const Lookup lookups[] = {Lookup::kByLogin, Lookup::kById};
  const int concurrencies[] = {1, 16, 64};
  std::printf("%-10s %-14s %5s %12s %10s %10s\n", "lookup", "mode", "C", "lookups/s", "p50 us",
              "p99 us");
  for (Lookup lookup : lookups) {
    for (int c : concurrencies) {
      std::vector<std::vector<RunResult>> results(std::size(variants));
      for (int r = 0; r < rounds; ++r) {
        for (std::size_t v = 0; v < std::size(variants); ++v) {
          results[v].push_back(variants[v].threads > 0
                                   ? RunBlocking(*options, users, lookup, c, variants[v].threads, seconds)
                                   : RunNonblocking(*options, users, lookup, c, seconds));
        }
      }
      for (std::size_t v = 0; v < std::size(variants); ++v) {
        std::vector<double> rate, p50, p99;
        for (const RunResult& x : results[v]) {
          rate.push_back(x.per_second);
          p50.push_back(x.p50_us);
          p99.push_back(x.p99_us);
        }
        std::printf("%-10s %-14s %5d %12.0f %10.0f %10.0f\n",
                    lookup == Lookup::kByLogin ? "by_login" : "by_id", variants[v].name, c,
                    Median(rate), Median(p50), Median(p99));
        std::fflush(stdout);
      }
    }
  }
  return 0;
}
