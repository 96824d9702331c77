// Copyright 2026 The conc Authors. Licensed under the Apache License, Version 2.0.

#include "modules/generators/zip_longest.h"

#include <optional>
#include <string>
#include <tuple>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "modules/generators/generator.h"

namespace conc {
namespace {

using ::testing::ElementsAre;

// Appends "<name><i>" to a log at each step, as the course's foo/bar print.
Generator<int> counter(std::string name, int n, std::vector<std::string>* log) {
  for (int i = 0; i < n; ++i) {
    log->push_back(name + std::to_string(i));
    co_yield i;
  }
  log->push_back(name + " done");
}

TEST(ZipLongestTest, InterleavesAndTheLongerContinues) {
  std::vector<std::string> log;
  auto g1 = counter("foo", 4, &log);
  auto g2 = counter("bar", 2, &log);
  std::vector<std::tuple<std::optional<int>, std::optional<int>>> rows;
  for (auto&& row : zip_longest(g1, g2)) rows.push_back(row);
  EXPECT_THAT(log, ElementsAre("foo0", "bar0", "foo1", "bar1", "foo2", "bar done", "foo3",
                               "foo done"));
  using R = std::tuple<std::optional<int>, std::optional<int>>;
  EXPECT_THAT(rows, ElementsAre(R{0, 0}, R{1, 1}, R{2, std::nullopt}, R{3, std::nullopt}));
}

TEST(ZipLongestTest, MixedRangesAndTypes) {
  std::vector<std::string> words = {"a", "b", "c"};
  std::vector<int> nums = {1};
  std::vector<std::string> out;
  for (auto&& [w, n] : zip_longest(words, nums)) {
    out.push_back(*w + (n ? std::to_string(*n) : "-"));
  }
  EXPECT_THAT(out, ElementsAre("a1", "b-", "c-"));
}

TEST(ZipLongestTest, AllEmpty) {
  std::vector<int> a, b;
  int rows = 0;
  for (auto&& row : zip_longest(a, b)) {
    (void)row;
    ++rows;
  }
  EXPECT_EQ(rows, 0);
}

TEST(ZipLongestTest, ReadsLazily) {
  std::vector<std::string> log;
  auto g1 = counter("foo", 3, &log);
  auto z = zip_longest(g1);
  EXPECT_TRUE(log.empty());
  auto it = z.begin();
  EXPECT_THAT(log, ElementsAre("foo0"));
  ++it;
  EXPECT_THAT(log, ElementsAre("foo0", "foo1"));
}

}  // namespace
}  // namespace conc
