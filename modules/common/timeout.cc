// Copyright 2026 The conc Authors. Licensed under the Apache License, Version 2.0.

#include "modules/common/timeout.h"

#include <climits>
#include <cstdint>
#include <limits>
#include <type_traits>

namespace conc {
namespace {

using Nanos = std::chrono::nanoseconds;

constexpr int64_t kNanosPerSecond = 1'000'000'000;
constexpr int64_t kNanosPerMilli = 1'000'000;

timespec ToTimespec(int64_t nanos) {
  timespec ts;
  ts.tv_sec = static_cast<time_t>(nanos / kNanosPerSecond);
  ts.tv_nsec = static_cast<long>(nanos % kNanosPerSecond);
  return ts;
}

}  // namespace

Deadline Deadline::FromTimeout(std::optional<absl::Duration> timeout) {
  if (!timeout.has_value() || *timeout > TIMEOUT_MAX) return Infinite();
  const Clock::time_point now = Clock::now();
  if (*timeout <= absl::ZeroDuration()) return At(now);
  // Round up: a wait of 0.3 ns must not become a poll. No saturation here:
  // 0 < *timeout <= TIMEOUT_MAX, so its ceiling is at most TIMEOUT_MAX.
  const int64_t nanos = absl::ToInt64Nanoseconds(absl::Ceil(*timeout, absl::Nanoseconds(1)));
  // Unreachable unless the machine has been up ~146 years (see TIMEOUT_MAX).
  const int64_t room = std::chrono::duration_cast<Nanos>(Clock::time_point::max() - now).count();
  if (nanos >= room) return Infinite();
  return At(now + std::chrono::duration_cast<Clock::duration>(Nanos(nanos)));
}

Deadline Deadline::Infinite() { return Deadline(/*infinite=*/true, Clock::time_point::max()); }

Deadline Deadline::At(Clock::time_point when) { return Deadline(/*infinite=*/false, when); }

bool Deadline::expired() const { return !infinite_ && Clock::now() >= when_; }

absl::Duration Deadline::remaining() const {
  if (infinite_) return absl::InfiniteDuration();
  const Clock::duration left = when_ - Clock::now();
  if (left <= Clock::duration::zero()) return absl::ZeroDuration();
  return absl::FromChrono(std::chrono::duration_cast<Nanos>(left));
}

Deadline::Clock::time_point Deadline::to_steady_time_point() const {
  return infinite_ ? Clock::time_point::max() : when_;
}

std::optional<timespec> Deadline::remaining_timespec() const {
  if (infinite_) return std::nullopt;
  const Clock::duration left = when_ - Clock::now();
  if (left <= Clock::duration::zero()) return ToTimespec(0);
  // ceil: steady_clock's tick may in principle be finer than a nanosecond.
  return ToTimespec(std::chrono::ceil<Nanos>(left).count());
}

std::optional<timespec> Deadline::to_monotonic_timespec() const {
  if (infinite_) return std::nullopt;
  // libstdc++'s steady_clock reads CLOCK_MONOTONIC, so its epoch is the same.
  static_assert(std::is_same_v<Clock::duration, Nanos> || Clock::period::den <= Nanos::period::den,
                "steady_clock finer than a nanosecond is not supported");
  const int64_t nanos = std::chrono::ceil<Nanos>(when_.time_since_epoch()).count();
  return ToTimespec(nanos < 0 ? 0 : nanos);
}

int Deadline::remaining_poll_milliseconds() const {
  if (infinite_) return -1;
  const Clock::duration left = when_ - Clock::now();
  if (left <= Clock::duration::zero()) return 0;
  const int64_t nanos = std::chrono::ceil<Nanos>(left).count();
  const int64_t millis = nanos / kNanosPerMilli + (nanos % kNanosPerMilli != 0);
  return millis >= INT_MAX ? INT_MAX : static_cast<int>(millis);
}

}  // namespace conc
