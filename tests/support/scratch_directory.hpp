// A fresh directory under the system's temporary directory, removed with its contents.
#pragma once

#include <filesystem>
#include <string>

namespace resonate::test_support {

class ScratchDirectory {
 public:
  // Creates `<temp>/<prefix>-XXXXXX`; throws std::runtime_error when it cannot.
  explicit ScratchDirectory(const std::string& prefix = "resonate-test");
  ~ScratchDirectory();
  ScratchDirectory(const ScratchDirectory&) = delete;
  ScratchDirectory& operator=(const ScratchDirectory&) = delete;

  const std::filesystem::path& path() const { return path_; }

 private:
  std::filesystem::path path_;
};

}  // namespace resonate::test_support
