// Copyright 2026 The conc Authors. Licensed under the Apache License, Version 2.0.
//
// latency_histogram.h: `conc::LatencyHistogram`, an HDR-style histogram of
// non-negative integers (nanoseconds, for the load generator), in fixed memory.
//
// A load test records millions of latencies; keeping them all to sort for the
// p99 costs memory that grows with the run. This histogram keeps counts in
// log-linear buckets instead, as HdrHistogram does: values below 2 * 128 have a
// bucket each; above, every power-of-two range [2^k, 2^(k+1)) is cut into 128
// equal buckets. So a value is known to within 1/128 of itself (0.78%), from
// 1 ns to `kMaxValue` (2^40 - 1 ns, about 18 minutes), in 4,352 counters
// (34 KiB), whatever the number of values. Larger values are recorded as
// kMaxValue (and counted in `saturated()`); negative ones as 0.
//
//   percentile(p)  the smallest recorded-bucket bound v such that at least p%
//                  of the values are <= v: the highest value of the bucket that
//                  holds the value of rank ceil(p/100 * count), capped at the
//                  exact max(). So percentile(50) of {1..1000} is 500 exactly
//                  (small values have exact buckets) and of {1000 ns..1 ms}
//                  within 0.78% above the true one, never below it.
//   min(), max()   exact; mean() from a running sum (a double).
//
// Python: no standard-library counterpart; `statistics.quantiles(samples, n=100)`
// keeps every sample and sorts them.
//
// Example:
//
//   conc::LatencyHistogram h;
//   for (int64_t ns : latencies) h.record(ns);
//   int64_t p99 = h.percentile(99.0);   // within 0.78% above the true p99
//   other.merge(h);                     // per-thread histograms, merged at the end
//
// Thread-safety: none (one per thread, merged after the threads join).

#ifndef MODULES_SOCKETS_LATENCY_HISTOGRAM_H_
#define MODULES_SOCKETS_LATENCY_HISTOGRAM_H_

#include <cstddef>
#include <cstdint>
#include <vector>

namespace conc {

class LatencyHistogram {
 public:
  static constexpr int kSubBucketBits = 7;                         // 128 buckets per power of two.
  static constexpr int64_t kSubBuckets = int64_t{1} << kSubBucketBits;
  static constexpr int kMaxBits = 40;                              // Values up to 2^40 - 1.
  static constexpr int64_t kMaxValue = (int64_t{1} << kMaxBits) - 1;
  static constexpr size_t kBuckets = static_cast<size_t>(2 * kSubBuckets + (kMaxBits - kSubBucketBits - 1) * kSubBuckets);

  LatencyHistogram();

  // Counts one value (negative: 0; above kMaxValue: kMaxValue).
  void record(int64_t value);
  // Adds every count of `other` to this one.
  void merge(const LatencyHistogram& other);
  // Forgets every value.
  void reset();

  // See the top of this file; 0 when empty. p is clamped to [0, 100].
  int64_t percentile(double p) const;
  uint64_t count() const { return count_; }
  int64_t min() const { return count_ == 0 ? 0 : min_; }
  int64_t max() const { return count_ == 0 ? 0 : max_; }
  double mean() const { return count_ == 0 ? 0.0 : sum_ / static_cast<double>(count_); }
  uint64_t saturated() const { return saturated_; }

  // The bucket of `value` and the highest value that bucket holds (for tests
  // and for readers who want the precision spelled out).
  static size_t BucketOf(int64_t value);
  static int64_t HighestInBucket(size_t bucket);

 private:
  std::vector<uint64_t> counts_;  // kBuckets, allocated once.
  uint64_t count_ = 0;
  uint64_t saturated_ = 0;
  int64_t min_ = 0;
  int64_t max_ = 0;
  double sum_ = 0;
};

}  // namespace conc

#endif  // MODULES_SOCKETS_LATENCY_HISTOGRAM_H_
