// What the gallery tests share: a scratch directory, a resonate-server on a free port with its
// own SQLite database, and the lines of a program that begin with a prefix.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "child_process.hpp"
#include "scratch_directory.hpp"
#include "server_child.hpp"

namespace gallery {

using resonate::test_support::ScratchDirectory;

// resonate-server on 127.0.0.1 with a port of its choosing and a database in its own scratch
// directory, retrying deliveries every second; started by the constructor, which returns once
// the server listens.
class Server : public resonate::test_support::ServerChild {
 public:
  Server();
};

// The lines of `process` that begin with `prefix`.
std::vector<std::string> lines_starting(const resonate::test_support::ChildProcess& process, std::string_view prefix);

}  // namespace gallery
