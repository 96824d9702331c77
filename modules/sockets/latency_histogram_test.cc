// Copyright 2026 The conc Authors. Licensed under the Apache License, Version 2.0.

#include "modules/sockets/latency_histogram.h"

#include <cstdint>
#include <random>

#include "gtest/gtest.h"

namespace conc {
namespace {

constexpr double kPrecision = 1.0 / LatencyHistogram::kSubBuckets;

TEST(LatencyHistogramTest, EmptyIsZero) {
  LatencyHistogram h;
  EXPECT_EQ(h.count(), 0u);
  EXPECT_EQ(h.percentile(50), 0);
  EXPECT_EQ(h.min(), 0);
  EXPECT_EQ(h.max(), 0);
  EXPECT_EQ(h.mean(), 0.0);
}

TEST(LatencyHistogramTest, SmallValuesAreExact) {
  LatencyHistogram h;
  for (int64_t v = 1; v <= 100; ++v) h.record(v);
  EXPECT_EQ(h.count(), 100u);
  EXPECT_EQ(h.percentile(50), 50);
  EXPECT_EQ(h.percentile(99), 99);
  EXPECT_EQ(h.percentile(99.9), 100);
  EXPECT_EQ(h.percentile(100), 100);
  EXPECT_EQ(h.percentile(0), 1);
  EXPECT_EQ(h.min(), 1);
  EXPECT_EQ(h.max(), 100);
  EXPECT_DOUBLE_EQ(h.mean(), 50.5);
}

TEST(LatencyHistogramTest, BucketsCoverEveryValueOnceAndInOrder) {
  // Consecutive buckets tile [0, kMaxValue] with no gap and no overlap, and each
  // bucket's width is within the stated precision of its values.
  int64_t next = 0;
  for (size_t b = 0; b < LatencyHistogram::kBuckets; ++b) {
    ASSERT_EQ(LatencyHistogram::BucketOf(next), b) << "value " << next;
    const int64_t high = LatencyHistogram::HighestInBucket(b);
    ASSERT_GE(high, next);
    ASSERT_EQ(LatencyHistogram::BucketOf(high), b);
    ASSERT_LE(static_cast<double>(high - next), kPrecision * static_cast<double>(next) + 1e-9) << "bucket " << b;
    next = high + 1;
  }
  EXPECT_EQ(next, LatencyHistogram::kMaxValue + 1);
}

TEST(LatencyHistogramTest, KnownPercentilesWithinPrecision) {
  // 1 µs .. 1 ms in 1 µs steps: the p-th percentile is p * 10 µs.
  LatencyHistogram h;
  for (int64_t us = 1; us <= 1000; ++us) h.record(us * 1000);
  for (double p : {50.0, 90.0, 99.0, 99.9}) {
    const double want = p * 10'000;
    const double got = static_cast<double>(h.percentile(p));
    EXPECT_GE(got, want) << "p" << p;  // Never below: the bucket's highest value.
    EXPECT_LE(got, want * (1 + kPrecision)) << "p" << p;
  }
  EXPECT_EQ(h.percentile(100), 1'000'000);  // Capped at the exact max.
  EXPECT_EQ(h.min(), 1000);
}

TEST(LatencyHistogramTest, OneOutlierIsTheP999OfAThousand) {
  LatencyHistogram h;
  for (int i = 0; i < 999; ++i) h.record(20'000);
  h.record(5'000'000);
  EXPECT_LE(h.percentile(99), 20'000 * (1 + kPrecision));
  EXPECT_LE(h.percentile(99.9), 20'000 * (1 + kPrecision));
  EXPECT_EQ(h.percentile(99.95), 5'000'000);
  EXPECT_EQ(h.max(), 5'000'000);
}

TEST(LatencyHistogramTest, MergeEqualsRecordingEverythingInOne) {
  std::mt19937_64 rng(42);
  std::lognormal_distribution<double> latency(11.0, 1.0);  // around 60 µs
  LatencyHistogram a, b, all;
  for (int i = 0; i < 20000; ++i) {
    const auto v = static_cast<int64_t>(latency(rng));
    (i % 2 == 0 ? a : b).record(v);
    all.record(v);
  }
  a.merge(b);
  EXPECT_EQ(a.count(), all.count());
  EXPECT_EQ(a.min(), all.min());
  EXPECT_EQ(a.max(), all.max());
  for (double p : {1.0, 50.0, 99.0, 99.9, 100.0}) EXPECT_EQ(a.percentile(p), all.percentile(p)) << p;
  LatencyHistogram empty;
  all.merge(empty);
  EXPECT_EQ(all.count(), a.count());
  empty.merge(a);
  EXPECT_EQ(empty.min(), a.min());
}

TEST(LatencyHistogramTest, OutOfRangeValuesAreClampedAndCounted) {
  LatencyHistogram h;
  h.record(-5);
  h.record(LatencyHistogram::kMaxValue + 1000);
  EXPECT_EQ(h.count(), 2u);
  EXPECT_EQ(h.saturated(), 1u);
  EXPECT_EQ(h.min(), 0);
  EXPECT_EQ(h.max(), LatencyHistogram::kMaxValue);
  h.reset();
  EXPECT_EQ(h.count(), 0u);
  EXPECT_EQ(h.percentile(99), 0);
}

}  // namespace
}  // namespace conc
