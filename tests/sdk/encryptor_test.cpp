// Payload encryption: with an Encryptor configured, every param and value is stored as the
// Encryptor made it, and read back through it.
#include <doctest/doctest.h>

#include <chrono>
#include <filesystem>
#include <memory>
#include <stdexcept>
#include <string>

#include "local_scenario.hpp"
#include "resonate/encryptor.hpp"
#include "resonate/resonate.hpp"

namespace asio = boost::asio;
using namespace std::chrono_literals;
using resonate::Context;
using resonate::Resonate;

namespace {

// Not encryption, but as visible: "sealed:" + the base64 reversed, and a header saying so.
class Reversing : public resonate::Encryptor {
 public:
  resonate::Payload encrypt(resonate::Payload plain) const override {
    plain.data = "sealed:" + std::string(plain.data.rbegin(), plain.data.rend());
    plain.headers["resonate-test:sealed"] = "reversed";
    return plain;
  }
  resonate::Payload decrypt(resonate::Payload sealed) const override {
    if (sealed.headers["resonate-test:sealed"] != "reversed" || !sealed.data.starts_with("sealed:")) {
      throw std::runtime_error("not sealed by this key");
    }
    const std::string body = sealed.data.substr(7);
    sealed.data.assign(body.rbegin(), body.rend());
    return sealed;
  }
};

struct TempFile {
  std::filesystem::path path = std::filesystem::temp_directory_path() /
                               ("resonate-encryptor-" + std::to_string(std::chrono::steady_clock::now().time_since_epoch().count()) + ".db");
  ~TempFile() {
    for (const auto* suffix : {"", "-wal", "-shm"}) std::filesystem::remove(path.string() + suffix);
  }
};

}  // namespace

TEST_CASE("with an Encryptor, arguments, step results and values are stored sealed and read back in the clear") {
  TempFile file;
  resonate::LocalConfig sealed;
  sealed.tick_interval = 10ms;
  sealed.store_path = file.path.string();
  sealed.encryptor = std::make_shared<Reversing>();
  auto register_shout = [](Resonate& r) {
    r.register_function("shout", [](Context& ctx, std::string secret) -> asio::awaitable<std::string> {
      auto louder = [](std::string text) { return text + "!"; };
      co_return co_await ctx.run(louder, secret);
    });
  };
  resonate::test_support::run_scenario_with(sealed, register_shout, [](Resonate& r) -> asio::awaitable<void> {
    CHECK(co_await r.run<std::string>("enc-1", "shout", "secret") == "secret!");
    auto record = co_await r.promises().get("enc-1");
    CHECK(record.value_as<std::string>() == "secret!");
    CHECK(record.param.at("args").as_array().at(0) == "secret");
  });

  // Without the Encryptor the same store holds nothing readable: the payloads are sealed.
  resonate::LocalConfig plain;
  plain.tick_interval = 10ms;
  plain.store_path = file.path.string();
  resonate::test_support::run_scenario_with(plain, [](Resonate&) {}, [](Resonate& r) -> asio::awaitable<void> {
    CHECK_THROWS_AS(co_await r.promises().get("enc-1"), resonate::DecodeError);
    CHECK_THROWS_AS(co_await r.promises().get("enc-1:0"), resonate::DecodeError);
  });
}

TEST_CASE("a value the Encryptor cannot open is a DecodeError that says so") {
  TempFile file;
  resonate::LocalConfig plain;
  plain.tick_interval = 10ms;
  plain.store_path = file.path.string();
  resonate::test_support::run_scenario_with(plain, [](Resonate&) {}, [](Resonate& r) -> asio::awaitable<void> {
    co_await r.promises().create("plain-1", 1h);
    co_await r.promises().resolve("plain-1", std::string("clear"));
  });
  // A process with the Encryptor reads a value written without it: decrypt refuses it.
  resonate::LocalConfig sealed = plain;
  sealed.encryptor = std::make_shared<Reversing>();
  resonate::test_support::run_scenario_with(sealed, [](Resonate&) {}, [](Resonate& r) -> asio::awaitable<void> {
    auto handle = co_await r.get<std::string>("plain-1");
    CHECK_THROWS_WITH_AS(co_await handle.result(), doctest::Contains("cannot decrypt a stored value: not sealed by this key"),
                         resonate::DecodeError);
  });
}
