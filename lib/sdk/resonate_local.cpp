// Resonate::local, in the embedded library (resonate::embedded) rather than with the rest of
// Resonate in resonate::sdk: it is the one entry point that needs the core and the stores, and
// keeping it apart means a remote-only program links no database client.
#include "network/local_network.hpp"
#include "resonate/resonate.hpp"
#include "sdk/pid.hpp"
#include "sdk/runtime.hpp"
#include "store/factories.hpp"

namespace resonate {

Resonate Resonate::local(boost::asio::any_io_executor executor, LocalConfig config) {
  auto store = config.store_path.empty() ? store::make_memory_store() : store::make_sqlite_store(config.store_path);
  auto network = std::make_shared<network::LocalNetwork>(executor, std::move(store), config.tick_interval);
  detail::RuntimeConfig runtime_config;
  // This process is every worker of every group: nobody else could run an unknown function.
  runtime_config.release_unknown_functions = false;
  runtime_config.hand_back_on_stop = false;
  runtime_config.on_nondeterminism = config.on_nondeterminism;
  runtime_config.encryptor = std::move(config.encryptor);
  runtime_config.tracer = std::move(config.tracer);
  runtime_config.group = config.group;
  runtime_config.pid = config.pid.empty() ? sdk::random_pid() : config.pid;
  runtime_config.ttl = config.ttl;
  runtime_config.logger = detail::effective_logger(std::move(config.logger));
  auto runtime = std::make_shared<detail::Runtime>(std::move(executor), std::move(network), std::move(runtime_config));
  runtime->start();
  return Resonate(std::move(runtime));
}

}  // namespace resonate
