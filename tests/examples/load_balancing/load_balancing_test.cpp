// The load-balancing example end to end: a resonate-server, two load_balancing_worker
// processes and load_balancing_client calls, each in its own process. The worker that started
// a long call is SIGKILLed in the middle of the call's sleep; the call must finish on the other
// worker at its original deadline, not a full sleep after the kill. (tests/interop's
// two-server test runs the same scenario against a second implementation of the protocol.)
#include <doctest/doctest.h>

#include "fleet.hpp"
#include "load_balancing_calls.hpp"

TEST_CASE("calls spread over the workers; a call whose worker is SIGKILLed mid-sleep ends on time elsewhere") {
  resonate::test_support::Fleet fleet(resonate::test_support::resonate_server(RESONATE_SERVER_PROGRAM),
                                      "resonate-load-balancing");
  load_balancing::Calls calls(fleet, {LOAD_BALANCING_WORKER_PROGRAM, LOAD_BALANCING_CLIENT_PROGRAM});
  load_balancing::crash_mid_sleep(calls);
}
