// Copyright 2026 The conc Authors. Licensed under the Apache License, Version 2.0.
//
// internal/map_args.h: what the executors' map(fn, *iterables, timeout=)
// overloads need to tell their trailing arguments apart: input ranges, then
// maybe a timeout (ThreadPoolExecutor::map and ProcessPoolExecutor::map).

#ifndef MODULES_THREADS_INTERNAL_MAP_ARGS_H_
#define MODULES_THREADS_INTERNAL_MAP_ARGS_H_

#include <cstddef>
#include <optional>
#include <ranges>
#include <tuple>
#include <type_traits>
#include <utility>

#include "absl/time/time.h"

namespace conc::internal {

template <class... T>
using LastOf = std::tuple_element_t<sizeof...(T) - 1, std::tuple<T...>>;

// The trailing arguments of map(fn, r1, r2, rest...) (both pools' map over
// several ranges):
// input ranges, the last one maybe a timeout.
template <class... T>
constexpr bool RangesThenTimeoutImpl() {
  if constexpr (sizeof...(T) == 0) {
    return true;
  } else {
    return []<std::size_t... I>(std::index_sequence<I...>) {
      using Tuple = std::tuple<T...>;
      return (std::ranges::input_range<std::tuple_element_t<I, Tuple>> && ...) &&
             (std::ranges::input_range<LastOf<T...>> ||
              std::is_convertible_v<LastOf<T...>, std::optional<absl::Duration>>);
    }(std::make_index_sequence<sizeof...(T) - 1>{});
  }
}
template <class... T>
concept RangesThenTimeout = RangesThenTimeoutImpl<T...>();

// True if the last of T... is the timeout (not a range).
template <class... T>
constexpr bool EndsWithTimeout() {
  if constexpr (sizeof...(T) == 0) {
    return false;
  } else {
    return !std::ranges::input_range<LastOf<T...>>;
  }
}

}  // namespace conc::internal

#endif  // MODULES_THREADS_INTERNAL_MAP_ARGS_H_
