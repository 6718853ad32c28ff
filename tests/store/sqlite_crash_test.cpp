// Durability under kill -9: every promise whose commit() returned must be in the database
// after the writing process is killed at an arbitrary moment.
#include <doctest/doctest.h>

#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <sqlite3.h>

#include <cerrno>
#include <optional>
#include <string>
#include <vector>

#include "crash_record.hpp"
#include "store/factories.hpp"
#include "scratch_directory.hpp"

using namespace resonate::core;
using namespace resonate::store;
using namespace resonate::wire;

namespace {

// The writer child, started with its stdout on a pipe read by the test.
class Writer {
 public:
  Writer(const std::string& database, const std::string& prefix) {
    int fds[2];
    REQUIRE(pipe(fds) == 0);
    pid_ = fork();
    REQUIRE(pid_ >= 0);
    if (pid_ == 0) {
      dup2(fds[1], STDOUT_FILENO);
      close(fds[0]);
      close(fds[1]);
      execl(RESONATE_CRASH_WRITER, RESONATE_CRASH_WRITER, database.c_str(), prefix.c_str(), nullptr);
      _exit(127);
    }
    close(fds[1]);
    out_ = fds[0];
  }

  ~Writer() {
    if (pid_ > 0) {
      kill(pid_, SIGKILL);
      waitpid(pid_, nullptr, 0);
    }
    close(out_);
  }

  Writer(const Writer&) = delete;
  Writer& operator=(const Writer&) = delete;

  // The next acknowledged id, or nothing once the child closed its end of the pipe.
  std::optional<std::string> next_ack() {
    for (;;) {
      if (auto newline = buffer_.find('\n'); newline != std::string::npos) {
        std::string id = buffer_.substr(0, newline);
        buffer_.erase(0, newline + 1);
        return id;
      }
      char chunk[4096];
      auto got = read(out_, chunk, sizeof chunk);
      if (got < 0 && errno == EINTR) continue;
      if (got <= 0) return std::nullopt;
      buffer_.append(chunk, static_cast<std::size_t>(got));
    }
  }

  // Kills the child with SIGKILL and returns how it ended.
  int kill_and_wait() {
    REQUIRE(kill(pid_, SIGKILL) == 0);
    int status = 0;
    REQUIRE(waitpid(pid_, &status, 0) == pid_);
    pid_ = -1;
    return status;
  }

 private:
  pid_t pid_ = -1;
  int out_ = -1;
  std::string buffer_;
};

std::string integrity_check(const std::string& path) {
  sqlite3* db = nullptr;
  REQUIRE(sqlite3_open(path.c_str(), &db) == SQLITE_OK);
  sqlite3_stmt* statement = nullptr;
  REQUIRE(sqlite3_prepare_v2(db, "PRAGMA integrity_check", -1, &statement, nullptr) == SQLITE_OK);
  REQUIRE(sqlite3_step(statement) == SQLITE_ROW);
  std::string result = reinterpret_cast<const char*>(sqlite3_column_text(statement, 0));
  sqlite3_finalize(statement);
  sqlite3_close(db);
  return result;
}

}  // namespace

TEST_CASE("every promise acknowledged after commit survives SIGKILL of the writer") {
  resonate::test_support::ScratchDirectory dir{"resonate-store"};
  auto database = (dir.path() / "crash.db").string();
  std::vector<std::string> acknowledged;

  // Each round kills the writer after a different number of acknowledgements.
  for (int round = 0; round < 3; ++round) {
    const std::size_t kill_after = 150 + 100 * static_cast<std::size_t>(round);
    Writer writer(database, "round" + std::to_string(round) + "-");
    std::size_t acks = 0;
    while (acks < kill_after) {
      auto id = writer.next_ack();
      REQUIRE_MESSAGE(id.has_value(), "the writer stopped after ", acks, " acknowledgements");
      acknowledged.push_back(*id);
      ++acks;
    }
    int status = writer.kill_and_wait();
    CHECK(WIFSIGNALED(status));
    CHECK(WTERMSIG(status) == SIGKILL);
    // Ids written between the last read and the kill were acknowledged too.
    while (auto id = writer.next_ack()) acknowledged.push_back(*id);
  }

  CHECK(integrity_check(database) == "ok");
  auto store = make_sqlite_store(database);
  auto transaction = store->begin();
  std::size_t missing = 0;
  for (const auto& id : acknowledged) {
    auto stored = transaction->get_promise(id);
    if (!stored) {
      ++missing;
      continue;
    }
    CHECK(*stored == resonate::test_support::crash_record(id));
  }
  CHECK_MESSAGE(missing == 0, missing, " of ", acknowledged.size(), " acknowledged promises are missing");
  // Every acknowledged promise's outbox message is there too, in commit order; a message
  // committed but not acknowledged before a kill may come between them.
  std::size_t matched = 0;
  for (const auto& message : transaction->all_messages()) {
    if (matched < acknowledged.size() && message.body == acknowledged[matched]) ++matched;
  }
  CHECK(matched == acknowledged.size());
  // The store still takes writes after the crashes.
  transaction->put_promise(resonate::test_support::crash_record("after"));
  CHECK_NOTHROW(transaction->commit());
}
