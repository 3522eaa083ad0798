// LatencyHistogram: log-linear buckets over nanoseconds (HdrHistogram's
// layout): exact below 64 ns, then 32 buckets per power of two, so any value
// is within ~3% of its bucket. Fixed size: recording never allocates.
#pragma once
#include <algorithm>
#include <array>
#include <bit>
#include <cmath>
#include <cstdint>

namespace wdfio::cli {

class LatencyHistogram {
public:
    static constexpr unsigned kSubBits = 5;
    static constexpr unsigned kSub = 1u << kSubBits;                  // buckets per power of two
    static constexpr unsigned kBuckets = (64 - kSubBits + 1) * kSub;  // covers every uint64

    void record(std::uint64_t ns) noexcept {
        ++counts_[bucket_of(ns)];
        ++count_;
        max_ = std::max(max_, ns);
    }

    void merge(const LatencyHistogram& o) noexcept {
        for (unsigned i = 0; i < kBuckets; ++i) counts_[i] += o.counts_[i];
        count_ += o.count_;
        max_ = std::max(max_, o.max_);
    }

    std::uint64_t count() const noexcept { return count_; }
    std::uint64_t max_ns() const noexcept { return max_; }

    // The value below which `percent` of the recordings fall (bucket midpoint,
    // never above the largest value recorded); 0 when empty.
    double percentile_ns(double percent) const noexcept {
        if (count_ == 0) return 0;
        const auto rank = static_cast<std::uint64_t>(std::ceil(percent / 100.0 * static_cast<double>(count_)));
        std::uint64_t seen = 0;
        for (unsigned b = 0; b < kBuckets; ++b) {
            seen += counts_[b];
            if (seen >= std::max<std::uint64_t>(rank, 1)) return std::min(static_cast<double>(max_), midpoint(b));
        }
        return static_cast<double>(max_);
    }

    static unsigned bucket_of(std::uint64_t v) noexcept {
        if (v < 2 * kSub) return static_cast<unsigned>(v);
        const unsigned shift = static_cast<unsigned>(std::bit_width(v)) - 1 - kSubBits;
        return (shift + 1) * kSub + static_cast<unsigned>(v >> shift) - kSub;
    }

private:
    static double midpoint(unsigned b) noexcept {
        if (b < 2 * kSub) return b;
        const unsigned shift = b / kSub - 1;
        const std::uint64_t low = static_cast<std::uint64_t>(b % kSub + kSub) << shift;
        return static_cast<double>(low) + static_cast<double>((std::uint64_t{1} << shift) - 1) / 2.0;
    }

    std::array<std::uint64_t, kBuckets> counts_{};
    std::uint64_t count_ = 0;
    std::uint64_t max_ = 0;
};

}  // namespace wdfio::cli
