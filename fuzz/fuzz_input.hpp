// FuzzInput: libFuzzer's bytes read as a stream of small decisions. Reads past
// the end give zeros, so every input decodes to something (and a short input
// to a short run). fuzz_expect(): a broken promise is a crash, so that
// libFuzzer keeps the input that caused it.
#pragma once
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>

namespace wdfio::fuzz {

class FuzzInput {
public:
    FuzzInput(const std::uint8_t* data, std::size_t size) : data_(data), size_(size) {}

    bool empty() const noexcept { return pos_ >= size_; }

    template <class T>
    T take() noexcept {
        T value{};
        const std::size_t n = pos_ < size_ ? (size_ - pos_ < sizeof(T) ? size_ - pos_ : sizeof(T)) : 0;
        if (n) std::memcpy(&value, data_ + pos_, n);
        pos_ += sizeof(T);
        return value;
    }
    std::uint8_t byte() noexcept { return take<std::uint8_t>(); }
    bool flag() noexcept { return (byte() & 1) != 0; }
    // 0 .. n-1 (n > 0).
    unsigned below(unsigned n) noexcept { return byte() % n; }

    // A size or offset near `scale` most of the time, sometimes at the edges
    // that validation must catch: 0, scale ± 1, and values that overflow.
    std::uint64_t edgy(std::uint64_t scale) noexcept {
        switch (byte() % 8) {
        case 0: return 0;
        case 1: return scale;
        case 2: return scale + 1;
        case 3: return scale ? scale - 1 : 0;
        case 4: return take<std::uint64_t>();  // anything, overflow included
        case 5: return ~std::uint64_t{0} - byte();
        default: return scale ? take<std::uint32_t>() % (scale + 2) : 0;
        }
    }

private:
    const std::uint8_t* data_;
    std::size_t size_;
    std::size_t pos_ = 0;
};

// Aborts with `what` when `ok` is false.
inline void fuzz_expect(bool ok, const char* fuzzer, const char* what) {
    if (ok) return;
    std::fprintf(stderr, "%s: %s\n", fuzzer, what);
    std::abort();
}

}  // namespace wdfio::fuzz
