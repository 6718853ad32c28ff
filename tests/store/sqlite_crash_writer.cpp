// The child of sqlite_crash_test: creates promises in a SQLite store forever and writes
// each id to stdout (a pipe) only after its transaction committed. The parent kills it.
#include <unistd.h>

#include <cstdio>
#include <string>

#include "crash_record.hpp"
#include "store/factories.hpp"

int main(int argc, char** argv) {
  if (argc != 3) {
    std::fprintf(stderr, "usage: %s <database> <id prefix>\n", argv[0]);
    return 2;
  }
  auto store = resonate::store::make_sqlite_store(argv[1]);
  for (long n = 0;; ++n) {
    auto promise = resonate::test_support::crash_record(argv[2] + std::to_string(n));
    auto transaction = store->begin();
    transaction->put_promise(promise);
    transaction->put_message({"unblock:" + promise.id, "poll://any@crash", promise.id});
    transaction->commit();
    // One write() of a short line to a pipe is atomic: the parent never sees half an id.
    std::string line = promise.id + "\n";
    if (write(STDOUT_FILENO, line.data(), line.size()) != static_cast<ssize_t>(line.size())) return 1;
  }
}
