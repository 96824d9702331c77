// Copyright 2026 The conc Authors. Licensed under the Apache License, Version 2.0.
//
// zip_longest.h: conc::zip_longest, Python's itertools.zip_longest as a generator.
//
// `zip_longest(a, b, ...)` yields one tuple per round: round k holds the k-th
// element of every range, or std::nullopt (Python: the fillvalue None) for a
// range that is already exhausted. It stops when every range is exhausted.
//
// With generators as the ranges, this is cooperative round-robin scheduling, the
// course's "concurrent execution using generators": each round resumes every
// unfinished generator once, in argument order, so their bodies interleave on one
// thread, and a short one finishing does not stop the others.
//
//   conc::Generator<int> foo();  // prints "foo: counting i", yields
//   conc::Generator<int> bar();
//   auto g1 = foo();
//   auto g2 = bar();
//   for (auto&& row : conc::zip_longest(g1, g2)) {}  // foo 0, bar 0, foo 1, ...
//
// Where it differs from Python: elements are std::optional<range_value_t<R>>
// (no fillvalue argument); the ranges are taken by lvalue reference and must
// outlive the returned Generator (pass named generators, not temporaries).
// Like Python, it advances an exhausted range no further and reads the ranges
// lazily: round k+1 starts only when the consumer asks for it. Not thread-safe.

#ifndef MODULES_GENERATORS_ZIP_LONGEST_H_
#define MODULES_GENERATORS_ZIP_LONGEST_H_

#include <cstddef>
#include <optional>
#include <ranges>
#include <tuple>
#include <utility>

#include "modules/generators/generator.h"

namespace conc {

// Yields tuples of the ranges' elements, round by round, until all are
// exhausted (see the top of this file). Exceptions thrown while advancing a
// range propagate to the consumer.
template <std::ranges::input_range... Rs>
  requires(sizeof...(Rs) > 0)
Generator<std::tuple<std::optional<std::ranges::range_value_t<Rs>>...>> zip_longest(
    Rs&... ranges) {
  using Row = std::tuple<std::optional<std::ranges::range_value_t<Rs>>...>;
  constexpr auto kIndices = std::index_sequence_for<Rs...>{};
  // Braced initialisation evaluates left to right: the first range starts first.
  std::tuple<std::ranges::iterator_t<Rs>...> its{std::ranges::begin(ranges)...};
  std::tuple<std::ranges::sentinel_t<Rs>...> ends{std::ranges::end(ranges)...};

  for (bool first = true;; first = false) {
    // Advance every unfinished range once, in order (round 0 was begin()).
    if (!first) {
      [&]<std::size_t... I>(std::index_sequence<I...>) {
        ((std::get<I>(its) != std::get<I>(ends) ? void(++std::get<I>(its)) : void()), ...);
      }(kIndices);
    }
    Row row;
    bool any = false;
    [&]<std::size_t... I>(std::index_sequence<I...>) {
      ((std::get<I>(its) != std::get<I>(ends)
            ? void((any = true, std::get<I>(row).emplace(*std::get<I>(its))))
            : void()),
       ...);
    }(kIndices);
    if (!any) co_return;
    co_yield std::move(row);
  }
}

}  // namespace conc

#endif  // MODULES_GENERATORS_ZIP_LONGEST_H_
