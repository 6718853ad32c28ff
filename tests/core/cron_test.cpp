// Cron parsing and next-instant search (docs/resonate-protocol.md §3.17, §4.7, scenario 36).
#include "wire/cron.hpp"

#include <doctest/doctest.h>

#include <ctime>
#include <functional>
#include <limits>
#include <string>
#include <vector>

namespace {

using resonate::wire::Cron;
using resonate::wire::Millis;

// The C library's own UTC conversion, so the expected values do not share code with cron.cpp.
Millis utc(int year, int month, int day, int hour = 0, int minute = 0, int second = 0) {
  std::tm fields{};
  fields.tm_year = year - 1900;
  fields.tm_mon = month - 1;
  fields.tm_mday = day;
  fields.tm_hour = hour;
  fields.tm_min = minute;
  fields.tm_sec = second;
  return static_cast<Millis>(timegm(&fields)) * 1000;
}

std::optional<Millis> next(std::string_view expression, Millis after) {
  const auto cron = Cron::parse(expression);
  REQUIRE_MESSAGE(cron.has_value(), expression);
  return cron->next_after(after);
}

constexpr Millis T = 1700000000000;  // 2023-11-14 22:13:20 UTC, a Tuesday

}  // namespace

TEST_CASE("every minute: the next whole minute strictly after (scenario 36)") {
  CHECK(next("* * * * *", T) == 1700000040000);
  CHECK(next("* * * * *", 1700000040000) == 1700000100000);  // on the boundary: the one after
  CHECK(next("* * * * *", 1700000039999) == 1700000040000);
}

TEST_CASE("hourly, daily and stepped minutes") {
  CHECK(next("0 * * * *", T) == utc(2023, 11, 14, 23));
  CHECK(next("0 3 * * *", T) == utc(2023, 11, 15, 3));
  CHECK(next("0 3 * * *", utc(2023, 11, 15, 3)) == utc(2023, 11, 16, 3));
  CHECK(next("*/15 * * * *", T) == utc(2023, 11, 14, 22, 15));
  CHECK(next("*/15 * * * *", utc(2023, 11, 14, 23, 45)) == utc(2023, 11, 15, 0, 0));
  CHECK(next("10-40/10 * * * *", T) == utc(2023, 11, 14, 22, 20));
  CHECK(next("50/5 * * * *", T) == utc(2023, 11, 14, 22, 50));
  CHECK(next("5,55 22 * * *", T) == utc(2023, 11, 14, 22, 55));
}

TEST_CASE("rolls over month and year ends") {
  CHECK(next("0 0 1 * *", T) == utc(2023, 12, 1));
  CHECK(next("0 0 1 1 *", T) == utc(2024, 1, 1));
  CHECK(next("59 23 31 12 *", utc(2023, 12, 31, 23, 59)) == utc(2024, 12, 31, 23, 59));
  CHECK(next("0 0 31 * *", utc(2024, 1, 31)) == utc(2024, 3, 31));  // February has no 31st
}

TEST_CASE("February 29 only in leap years") {
  CHECK(next("0 0 29 2 *", T) == utc(2024, 2, 29));
  CHECK(next("0 0 29 2 *", utc(2024, 2, 29)) == utc(2028, 2, 29));
  CHECK(next("0 0 29 2 *", utc(2096, 3, 1)) == utc(2104, 2, 29));  // 2100 is not a leap year
}

TEST_CASE("day of month and day of week: either when both are restricted, else both") {
  // 2023-11-17 is the next Friday; 2023-12-13 the next 13th.
  CHECK(next("0 0 13 * FRI", T) == utc(2023, 11, 17));
  CHECK(next("0 0 13 * FRI", utc(2023, 12, 8)) == utc(2023, 12, 13));
  CHECK(next("0 0 * * FRI", T) == utc(2023, 11, 17));
  CHECK(next("0 0 ? * FRI", T) == utc(2023, 11, 17));
  CHECK(next("0 0 13 * *", T) == utc(2023, 12, 13));
  CHECK(next("0 0 13 * ?", T) == utc(2023, 12, 13));
}

TEST_CASE("weekday numbers and names; 7 is Sunday") {
  const Millis sunday = utc(2023, 11, 19);
  CHECK(next("0 0 * * 0", T) == sunday);
  CHECK(next("0 0 * * 7", T) == sunday);
  CHECK(next("0 0 * * sun", T) == sunday);
  CHECK(next("0 0 * * 6-7", T) == utc(2023, 11, 18));
  CHECK(next("0 0 * * MON-FRI", utc(2023, 11, 17, 12)) == utc(2023, 11, 20));
  CHECK(next("0 0 * * Mon-Fri/2", utc(2023, 11, 15, 12)) == utc(2023, 11, 17));  // Mon, Wed, Fri
}

TEST_CASE("month names, case-insensitive, in lists and ranges") {
  CHECK(next("0 0 1 jan,Jul *", T) == utc(2024, 1, 1));
  CHECK(next("0 0 1 JAN,JUL *", utc(2024, 1, 1)) == utc(2024, 7, 1));
  CHECK(next("0 0 1 MAR-may *", T) == utc(2024, 3, 1));
}

TEST_CASE("six fields start with seconds, a seventh restricts the year") {
  CHECK(next("30 * * * * *", T) == utc(2023, 11, 14, 22, 13, 30));
  CHECK(next("*/10 * * * * *", T) == utc(2023, 11, 14, 22, 13, 30));
  CHECK(next("* * * * * *", T) == T + 1000);
  CHECK(next("* * * * * ?", T + 1) == T + 1000);  // sub-second input: the next whole second
  CHECK(next("0 0 0 1 1 *", T) == utc(2024, 1, 1));
  CHECK(next("0 0 0 1 1 * 2030", T) == utc(2030, 1, 1));
  CHECK(next("0 0 0 1 1 * 2030", utc(2030, 1, 1)) == std::nullopt);
  CHECK(next("0 0 0 1 1 * 2025-2030/5", T) == utc(2025, 1, 1));
}

TEST_CASE("no instant at all: nullopt instead of an endless search") {
  CHECK(next("0 0 30 2 *", T) == std::nullopt);
  CHECK(next("0 0 31 4,6,9,11 *", T) == std::nullopt);
  CHECK(next("0 0 0 1 1 * 2020", T) == std::nullopt);
  CHECK(next("* * * * *", std::numeric_limits<Millis>::max()) == std::nullopt);
}

TEST_CASE("times before the epoch") {
  CHECK(next("* * * * *", -1) == 0);
  CHECK(next("0 0 1 1 *", -1000) == 0);
  CHECK(next("0 0 0 1 1 * 1970", std::numeric_limits<Millis>::min()) == 0);
  CHECK(next("0 0 * * THU", utc(1969, 12, 28)) == 0);  // 1970-01-01 was a Thursday
}

TEST_CASE("copies are independent of their source") {
  auto cron = Cron::parse("0 3 * * *");
  REQUIRE(cron);
  Cron copy = *cron;
  cron = Cron::parse("0 4 * * *");
  REQUIRE(cron);
  CHECK(copy.next_after(T) == utc(2023, 11, 15, 3));
  Cron assigned = *cron;
  assigned = copy;
  CHECK(assigned.next_after(T) == utc(2023, 11, 15, 3));
  Cron moved = std::move(assigned);
  CHECK(moved.next_after(T) == utc(2023, 11, 15, 3));
}

TEST_CASE("agrees with a minute-by-minute scan over a year") {
  struct Case {
    std::string expression;
    std::function<bool(const std::tm&)> matches;
  };
  const std::vector<Case> cases = {
      {"*/7 3-5,22 13 * FRI",
       [](const std::tm& t) {
         return t.tm_min % 7 == 0 && ((t.tm_hour >= 3 && t.tm_hour <= 5) || t.tm_hour == 22) &&
                (t.tm_mday == 13 || t.tm_wday == 5);
       }},
      {"15 12 * FEB,aug 1-3",
       [](const std::tm& t) {
         return t.tm_min == 15 && t.tm_hour == 12 && (t.tm_mon == 1 || t.tm_mon == 7) && t.tm_wday >= 1 &&
                t.tm_wday <= 3;
       }},
      {"0 0 29-31 * ?", [](const std::tm& t) { return t.tm_min == 0 && t.tm_hour == 0 && t.tm_mday >= 29; }},
  };
  const Millis start = utc(2023, 11, 14, 22, 13, 20);
  const Millis end = utc(2024, 12, 1);
  for (const auto& c : cases) {
    CAPTURE(c.expression);
    const auto cron = Cron::parse(c.expression);
    REQUIRE(cron);
    std::vector<Millis> expected;
    for (Millis minute = utc(2023, 11, 14, 22, 14); minute < end; minute += 60000) {
      const std::time_t seconds = static_cast<std::time_t>(minute / 1000);
      std::tm fields{};
      gmtime_r(&seconds, &fields);
      if (c.matches(fields)) expected.push_back(minute);
    }
    std::vector<Millis> actual;
    for (auto at = cron->next_after(start); at && *at < end; at = cron->next_after(*at)) actual.push_back(*at);
    CHECK_FALSE(expected.empty());
    CHECK(actual.size() == expected.size());
    CHECK(actual == expected);
  }
}

TEST_CASE("malformed expressions are rejected") {
  const std::vector<std::string> invalid = {
      "",
      "   ",
      "not cron",
      "* * * *",
      "* * * * * * * *",
      "60 * * * *",
      "-1 * * * *",
      "* 24 * * *",
      "* * 0 * *",
      "* * 32 * *",
      "* * * 0 *",
      "* * * 13 *",
      "* * * * 8",
      "60 * * * * *",
      "* * * * * * 1969",
      "* * * * * * 2200",
      "*/0 * * * *",
      "/5 * * * *",
      "5/ * * * *",
      "1/2/3 * * * *",
      "1,,2 * * * *",
      "1, * * * *",
      ",1 * * * *",
      "5-1 * * * *",
      "1-2-3 * * * *",
      "-5 * * * *",
      "5- * * * *",
      "*-5 * * * *",
      "a * * * *",
      "? * * * *",
      "* * ?/2 * *",
      "* * ?,1 * *",
      "* * * FOO *",
      "* * * JANUARY *",
      "* * * * MONDAY",
      "* * * MON *",
      "* * * * JAN",
      "* * L * *",
      "0 0 * * 1#2",
      "00000 * * * *",
      "* * * * *\n",
  };
  for (const auto& expression : invalid) {
    CAPTURE(expression);
    CHECK_FALSE(Cron::parse(expression).has_value());
  }
}

TEST_CASE("blanks between fields may be repeated, tabs included") {
  CHECK(next("  0\t3  * * *  ", T) == utc(2023, 11, 15, 3));
}
