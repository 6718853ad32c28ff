// Cron expressions (docs/resonate-protocol.md §3.17, §4.7). All calendar arithmetic is done
// here on proleptic Gregorian UTC dates, so the result never depends on the host's time zone.
#include "wire/cron.hpp"

#include <array>
#include <bitset>
#include <cstdint>
#include <limits>
#include <string>
#include <vector>

namespace resonate::wire {

namespace {

// ---- field grammar -------------------------------------------------------------------------

// The span of values a field may hold, and the names it accepts in place of numbers
// (names[i] stands for the value `min_name + i`).
struct FieldSpec {
  int min;
  int max;
  int open_max;  // where `*` and `a/n` stop; day-of-week stops at 6 because 7 is Sunday again
  std::vector<std::string_view> names = {};
  int min_name = 0;
};

constexpr int first_year = 1970;
constexpr int last_year = 2199;

const FieldSpec seconds_spec{0, 59, 59};
const FieldSpec minutes_spec{0, 59, 59};
const FieldSpec hours_spec{0, 23, 23};
const FieldSpec days_of_month_spec{1, 31, 31};
const FieldSpec months_spec{
    1, 12, 12, {"JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC"}, 1};
const FieldSpec days_of_week_spec{0, 7, 6, {"SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT"}, 0};
const FieldSpec years_spec{first_year, last_year, last_year};

// Values of one field, bit i standing for `spec.min + i`; wide enough for the years field.
using ValueSet = std::bitset<last_year - first_year + 1>;

bool equals_ignoring_case(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i) {
    const auto upper = [](char c) { return (c >= 'a' && c <= 'z') ? static_cast<char>(c - 'a' + 'A') : c; };
    if (upper(a[i]) != upper(b[i])) return false;
  }
  return true;
}

// A decimal number of at most four digits (enough for any year), never overflowing.
std::optional<int> parse_number(std::string_view text) {
  if (text.empty() || text.size() > 4) return std::nullopt;
  int value = 0;
  for (const char c : text) {
    if (c < '0' || c > '9') return std::nullopt;
    value = value * 10 + (c - '0');
  }
  return value;
}

std::optional<int> parse_value(std::string_view text, const FieldSpec& spec) {
  for (std::size_t i = 0; i < spec.names.size(); ++i) {
    if (equals_ignoring_case(text, spec.names[i])) return spec.min_name + static_cast<int>(i);
  }
  const auto value = parse_number(text);
  if (!value || *value < spec.min || *value > spec.max) return std::nullopt;
  return value;
}

// One list element: `*`, `v`, `a-b`, each optionally followed by `/step` (`v/step` runs to the
// end of the field).
bool add_element(std::string_view element, const FieldSpec& spec, ValueSet& values) {
  int step = 1;
  bool stepped = false;
  if (const auto slash = element.find('/'); slash != std::string_view::npos) {
    const auto parsed = parse_number(element.substr(slash + 1));
    if (!parsed || *parsed < 1) return false;
    step = *parsed;
    stepped = true;
    element = element.substr(0, slash);
  }

  int low = spec.min;
  int high = spec.open_max;
  if (element != "*") {
    const auto dash = element.find('-');
    const auto first = parse_value(element.substr(0, dash), spec);
    if (!first) return false;
    low = *first;
    if (dash != std::string_view::npos) {
      const auto last = parse_value(element.substr(dash + 1), spec);
      if (!last || *last < low) return false;
      high = *last;
    } else if (!stepped) {
      high = low;
    } else if (low > high) {
      return false;  // `7/2` in day-of-week: starts past the open end
    }
  }
  for (int value = low; value <= high; value += step) values.set(static_cast<std::size_t>(value - spec.min));
  return true;
}

// A whole field: a comma-separated list of elements, none of them empty.
std::optional<ValueSet> parse_field(std::string_view text, const FieldSpec& spec) {
  ValueSet values;
  while (true) {
    const auto comma = text.find(',');
    if (!add_element(text.substr(0, comma), spec, values)) return std::nullopt;
    if (comma == std::string_view::npos) return values;
    text.remove_prefix(comma + 1);
  }
}

std::vector<std::string_view> split_on_blanks(std::string_view text) {
  std::vector<std::string_view> words;
  std::size_t i = 0;
  while (i < text.size()) {
    if (text[i] == ' ' || text[i] == '\t') {
      ++i;
      continue;
    }
    const auto end = text.find_first_of(" \t", i);
    words.push_back(text.substr(i, end == std::string_view::npos ? std::string_view::npos : end - i));
    if (end == std::string_view::npos) break;
    i = end;
  }
  return words;
}

// ---- UTC calendar ----------------------------------------------------------------------------

std::int64_t floor_div(std::int64_t a, std::int64_t b) { return a / b - ((a % b != 0) && ((a < 0) != (b < 0))); }

// Days since 1970-01-01 of a proleptic Gregorian date (the classic era-based algorithm).
std::int64_t days_from_civil(std::int64_t year, int month, int day) {
  year -= month <= 2;
  const std::int64_t era = floor_div(year, 400);
  const std::int64_t year_of_era = year - era * 400;
  const std::int64_t day_of_year = (153 * (month + (month > 2 ? -3 : 9)) + 2) / 5 + day - 1;
  const std::int64_t day_of_era = year_of_era * 365 + year_of_era / 4 - year_of_era / 100 + day_of_year;
  return era * 146097 + day_of_era - 719468;
}

struct CivilDate {
  std::int64_t year;
  int month;
  int day;
};

CivilDate civil_from_days(std::int64_t days) {
  days += 719468;
  const std::int64_t era = floor_div(days, 146097);
  const std::int64_t day_of_era = days - era * 146097;
  const std::int64_t year_of_era = (day_of_era - day_of_era / 1460 + day_of_era / 36524 - day_of_era / 146096) / 365;
  const std::int64_t day_of_year = day_of_era - (365 * year_of_era + year_of_era / 4 - year_of_era / 100);
  const std::int64_t shifted_month = (5 * day_of_year + 2) / 153;  // March = 0
  const int day = static_cast<int>(day_of_year - (153 * shifted_month + 2) / 5 + 1);
  const int month = static_cast<int>(shifted_month < 10 ? shifted_month + 3 : shifted_month - 9);
  return {year_of_era + era * 400 + (month <= 2), month, day};
}

bool is_leap_year(std::int64_t year) { return year % 4 == 0 && (year % 100 != 0 || year % 400 == 0); }

int days_in_month(std::int64_t year, int month) {
  static constexpr std::array<int, 12> lengths{31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  return month == 2 && is_leap_year(year) ? 29 : lengths[static_cast<std::size_t>(month - 1)];
}

// 0 = Sunday; 1970-01-01 was a Thursday.
int day_of_week(std::int64_t days_since_epoch) {
  return static_cast<int>(days_since_epoch - floor_div(days_since_epoch + 4, 7) * 7 + 4);
}

// Without a year field, every month/day combination recurs within 8 years (Feb 29 across a
// skipped century leap year, e.g. 2096 → 2104); a search longer than this cannot succeed.
constexpr std::int64_t open_search_years = 10;

}  // namespace

struct Cron::Fields {
  ValueSet seconds;
  ValueSet minutes;
  ValueSet hours;
  ValueSet days_of_month;
  ValueSet months;
  ValueSet days_of_week;  // 0..6, Sunday = 0
  std::optional<ValueSet> years;  // absent: every year
  bool day_of_month_restricted = false;
  bool day_of_week_restricted = false;

  static bool has(const ValueSet& set, const FieldSpec& spec, std::int64_t value) {
    return value >= spec.min && value <= spec.max && set.test(static_cast<std::size_t>(value - spec.min));
  }

  bool matches_year(std::int64_t year) const { return !years || has(*years, years_spec, year); }

  // Standard cron: when both day fields are restricted either may match; otherwise the
  // unrestricted one matches everything and the restricted one decides.
  bool matches_day(std::int64_t year, int month, int day) const {
    const bool by_month = has(days_of_month, days_of_month_spec, day);
    const bool by_week = has(days_of_week, days_of_week_spec, day_of_week(days_from_civil(year, month, day)));
    if (day_of_month_restricted && day_of_week_restricted) return by_month || by_week;
    return by_month && by_week;
  }

  std::int64_t search_end_year(std::int64_t start_year) const {
    if (!years) return start_year + open_search_years;
    for (int year = last_year; year >= first_year; --year) {
      if (has(*years, years_spec, year)) return year;
    }
    return first_year - 1;
  }
};

std::optional<Cron> Cron::parse(std::string_view expression) {
  const auto words = split_on_blanks(expression);
  if (words.size() < 5 || words.size() > 7) return std::nullopt;
  const std::size_t first = words.size() == 5 ? 0 : 1;  // index of the minutes field

  auto fields = std::make_unique<Fields>();
  const auto parse_into = [](std::string_view text, const FieldSpec& spec, ValueSet& out) {
    auto values = parse_field(text, spec);
    if (values) out = *values;
    return values.has_value();
  };
  // `?` means "no restriction" and only makes sense in the two day fields.
  const auto parse_day_field = [&](std::string_view text, const FieldSpec& spec, ValueSet& out, bool& restricted) {
    restricted = text != "*" && text != "?";
    return parse_into(text == "?" ? "*" : text, spec, out);
  };

  if (first == 0) {
    fields->seconds.set(0);
  } else if (!parse_into(words[0], seconds_spec, fields->seconds)) {
    return std::nullopt;
  }
  if (!parse_into(words[first], minutes_spec, fields->minutes) ||
      !parse_into(words[first + 1], hours_spec, fields->hours) ||
      !parse_day_field(words[first + 2], days_of_month_spec, fields->days_of_month, fields->day_of_month_restricted) ||
      !parse_into(words[first + 3], months_spec, fields->months) ||
      !parse_day_field(words[first + 4], days_of_week_spec, fields->days_of_week, fields->day_of_week_restricted)) {
    return std::nullopt;
  }
  if (fields->days_of_week.test(7)) {
    fields->days_of_week.reset(7);
    fields->days_of_week.set(0);
  }
  if (words.size() == 7) {
    ValueSet years;
    if (!parse_into(words[6], years_spec, years)) return std::nullopt;
    fields->years = years;
  }
  return Cron(std::move(fields));
}

// Walks forward field by field, largest first: a field that does not match advances itself and
// resets every smaller field, so the cost is bounded by the number of candidate
// months/days/hours/minutes/seconds, never by the number of seconds elapsed.
std::optional<Millis> Cron::next_after(Millis after) const {
  const std::int64_t start = floor_div(after, 1000) + 1;
  const std::int64_t start_days = floor_div(start, 86400);
  const std::int64_t second_of_day = start - start_days * 86400;
  // Plain variables, not a structured binding: the lambdas below capture them, which clang 14
  // (the fuzzing build) does not allow for bindings.
  const CivilDate start_date = civil_from_days(start_days);
  std::int64_t year = start_date.year;
  int month = start_date.month;
  int day = start_date.day;
  int hour = static_cast<int>(second_of_day / 3600);
  int minute = static_cast<int>(second_of_day / 60 % 60);
  int second = static_cast<int>(second_of_day % 60);
  const std::int64_t end_year = fields_->search_end_year(year);

  const auto next_year = [&] { ++year, month = 1, day = 1, hour = 0, minute = 0, second = 0; };
  const auto next_month = [&] {
    if (++month > 12) return next_year();
    day = 1, hour = 0, minute = 0, second = 0;
  };
  const auto next_day = [&] {
    if (++day > days_in_month(year, month)) return next_month();
    hour = 0, minute = 0, second = 0;
  };
  const auto next_hour = [&] {
    if (++hour > 23) return next_day();
    minute = 0, second = 0;
  };
  const auto next_minute = [&] {
    if (++minute > 59) return next_hour();
    second = 0;
  };

  while (year <= end_year) {
    if (fields_->years && year < first_year) {
      year = first_year - 1;  // jump straight to the first year a year field can name
      next_year();
    } else if (!fields_->matches_year(year)) {
      next_year();
    } else if (!Fields::has(fields_->months, months_spec, month)) {
      next_month();
    } else if (!fields_->matches_day(year, month, day)) {
      next_day();
    } else if (!Fields::has(fields_->hours, hours_spec, hour)) {
      next_hour();
    } else if (!Fields::has(fields_->minutes, minutes_spec, minute)) {
      next_minute();
    } else if (!Fields::has(fields_->seconds, seconds_spec, second)) {
      if (++second > 59) next_minute();
    } else {
      const std::int64_t seconds =
          days_from_civil(year, month, day) * 86400 + hour * 3600 + minute * 60 + second;
      if (seconds > std::numeric_limits<Millis>::max() / 1000) return std::nullopt;
      return seconds * 1000;
    }
  }
  return std::nullopt;
}

Cron::Cron(std::unique_ptr<Fields> fields) : fields_(std::move(fields)) {}
Cron::~Cron() = default;
Cron::Cron(const Cron& other) : fields_(other.fields_ ? std::make_unique<Fields>(*other.fields_) : nullptr) {}
Cron::Cron(Cron&&) noexcept = default;
Cron& Cron::operator=(const Cron& other) {
  if (this != &other) fields_ = other.fields_ ? std::make_unique<Fields>(*other.fields_) : nullptr;
  return *this;
}
Cron& Cron::operator=(Cron&&) noexcept = default;

}  // namespace resonate::wire
