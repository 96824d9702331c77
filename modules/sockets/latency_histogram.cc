// Copyright 2026 The conc Authors. Licensed under the Apache License, Version 2.0.
//
// The bucket layout (S = kSubBuckets = 128, k = kSubBucketBits = 7):
//   values [0, 2S)                      buckets 0 .. 2S-1, one value each;
//   values [S * 2^g, S * 2^(g+1)), g>=1 buckets g*S + (v >> g): S buckets of width 2^g.
// For v >= 2S, g = msb(v) - k, so (v >> g) is in [S, 2S) and the groups follow one
// another without a gap: group 1 starts at 2S.

#include "modules/sockets/latency_histogram.h"

#include <algorithm>
#include <bit>
#include <cmath>

namespace conc {

LatencyHistogram::LatencyHistogram() : counts_(kBuckets, 0) {}

size_t LatencyHistogram::BucketOf(int64_t value) {
  value = std::clamp<int64_t>(value, 0, kMaxValue);
  if (value < 2 * kSubBuckets) return static_cast<size_t>(value);
  const int msb = 63 - std::countl_zero(static_cast<uint64_t>(value));
  const int g = msb - kSubBucketBits;
  return static_cast<size_t>(g * kSubBuckets + (value >> g));
}

int64_t LatencyHistogram::HighestInBucket(size_t bucket) {
  const int64_t b = static_cast<int64_t>(bucket);
  if (b < 2 * kSubBuckets) return b;
  const int g = static_cast<int>(b / kSubBuckets) - 1;
  const int64_t m = b - g * kSubBuckets;
  return ((m + 1) << g) - 1;
}

void LatencyHistogram::record(int64_t value) {
  if (value < 0) value = 0;
  if (value > kMaxValue) {
    value = kMaxValue;
    ++saturated_;
  }
  ++counts_[BucketOf(value)];
  if (count_ == 0 || value < min_) min_ = value;
  if (count_ == 0 || value > max_) max_ = value;
  ++count_;
  sum_ += static_cast<double>(value);
}

void LatencyHistogram::merge(const LatencyHistogram& other) {
  if (other.count_ == 0) return;
  for (size_t i = 0; i < kBuckets; ++i) counts_[i] += other.counts_[i];
  min_ = count_ == 0 ? other.min_ : std::min(min_, other.min_);
  max_ = count_ == 0 ? other.max_ : std::max(max_, other.max_);
  count_ += other.count_;
  saturated_ += other.saturated_;
  sum_ += other.sum_;
}

void LatencyHistogram::reset() {
  std::fill(counts_.begin(), counts_.end(), 0);
  count_ = saturated_ = 0;
  min_ = max_ = 0;
  sum_ = 0;
}

int64_t LatencyHistogram::percentile(double p) const {
  if (count_ == 0) return 0;
  p = std::clamp(p, 0.0, 100.0);
  if (p == 0.0) return min_;
  // The rank of the value asked for, 1-based: at least p% of the values are at or below it.
  const uint64_t rank =
      std::clamp<uint64_t>(static_cast<uint64_t>(std::ceil(p * static_cast<double>(count_) / 100.0 - 1e-9)), 1, count_);
  uint64_t seen = 0;
  for (size_t i = 0; i < kBuckets; ++i) {
    seen += counts_[i];
    if (seen >= rank) return std::min(HighestInBucket(i), max_);
  }
  return max_;
}

}  // namespace conc
