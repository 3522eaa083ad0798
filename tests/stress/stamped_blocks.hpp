// StampedBlocks: the mixed stress model of a block target (a file, a loop
// device, a RAM disk, an NBD disk). Each slot owns its blocks, so a block has
// at most one write in flight. Every write stamps its block with the block's
// number and a new version in every word; a write completed successfully is
// that block's acknowledged version. A write that failed (cancelled, timed
// out, failed by a fault) is uncertain: it may or may not have reached the
// medium. Every successful read, and the final read-back, must find a whole
// stamp of that block (never torn, never another block's) and a version that
// could be there: the acknowledged one, or an uncertain one written after it
// — or any uncertain one where a failed write may still land later (NBD: the
// server may carry out a write whose reply was given up on).
#pragma once
#include "stress/mixed_stress.hpp"

#include <algorithm>
#include <cstring>
#include <optional>

namespace wdfio::stress {

class StampedBlocks : public Model {
public:
    StampedBlocks(std::size_t slots, std::size_t blocks_per_slot, std::size_t block_size, bool late_landing)
        : slots_(slots), block_size_(block_size), late_landing_(late_landing), blocks_(slots * blocks_per_slot) {}

    std::uint64_t size() const { return blocks_.size() * block_size_; }
    std::size_t io_size() const override { return block_size_; }

    Op next(std::size_t slot, Memory& buffer, std::minstd_rand& rng) override {
        const std::size_t block = slot + slots_ * (rng() % (blocks_.size() / slots_));
        Op op;
        op.key = block;
        op.offset = static_cast<std::int64_t>(block * block_size_);
        if (rng() % 2) {
            op.type = RequestType::Write;
            op.version = ++blocks_[block].issued;
            stamp(buffer.data(), block, op.version);
        }
        return op;
    }
    void refused(std::size_t, const Op&) override {}  // never happened: its version may never be found
    void finished(std::size_t, const Op& op, Status status, std::uint64_t information, const Memory& buffer) override {
        Block& b = blocks_[op.key];
        if (op.type == RequestType::Write) {
            if (status.ok() && information == block_size_) {
                b.acked = op.version;
                acked_writes_.fetch_add(1);
            } else {
                b.uncertain.push_back(op.version);
            }
        } else if (status.ok()) {
            if (information != block_size_)
                report("block " + std::to_string(op.key) + ": a read completed successfully with " +
                       std::to_string(information) + " of " + std::to_string(block_size_) + " bytes");
            else check(op.key, buffer.data(), "a read during the run");
            reads_checked_.fetch_add(1);
        }
    }

    // Reads every block back through `t` (synchronously, after the run) and
    // checks it as a read during the run is checked.
    void verify(IoTarget& t) {
        auto m = Memory::allocate(block_size_).value();
        for (std::size_t block = 0; block < blocks_.size(); ++block) {
            std::uint64_t bytes = 0;
            const Status st =
                send_read_synchronously(t, nullptr, m, {}, static_cast<std::int64_t>(block * block_size_), {}, &bytes);
            if (!st.ok() || bytes != block_size_) {
                ADD_FAILURE() << "reading block " << block << " back: " << st << ", " << bytes << " bytes";
                continue;
            }
            check(block, m->data(), "the read-back after the run");
        }
    }
    long acked_writes() const { return acked_writes_.load(); }
    long reads_checked() const { return reads_checked_.load(); }

private:
    struct Block {
        std::uint64_t issued = 0;  // versions handed out
        std::uint64_t acked = 0;   // 0: never written successfully (all zeros)
        std::vector<std::uint64_t> uncertain;
    };
    static constexpr std::uint64_t kMagic = 0x5354414d00000000ull;  // "STAM", then the block number
    static std::uint64_t word(std::uint64_t block, std::uint64_t version, std::size_t i) {
        std::uint64_t z = (block << 40) ^ (version << 8) ^ i ^ 0x9e3779b97f4a7c15ull;  // splitmix64
        z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
        z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
        return z ^ (z >> 31);
    }
    void stamp(void* data, std::uint64_t block, std::uint64_t version) const {
        auto* w = static_cast<std::uint64_t*>(data);
        w[0] = kMagic ^ block;
        w[1] = version;
        for (std::size_t i = 2; i < block_size_ / 8; ++i) w[i] = word(block, version, i);
    }
    // The version `data` holds for `block` (0: zeros), or why it holds none.
    std::optional<std::uint64_t> decode(const void* data, std::uint64_t block, std::string& why) const {
        const auto* w = static_cast<const std::uint64_t*>(data);
        const std::size_t n = block_size_ / 8;
        if (std::all_of(w, w + n, [](std::uint64_t x) { return x == 0; })) return 0;
        if ((w[0] & ~0xffffffffull) != kMagic) {
            why = "no stamp";
            return std::nullopt;
        }
        if (w[0] != (kMagic ^ block)) {
            why = "block " + std::to_string(w[0] ^ kMagic) + "'s data";
            return std::nullopt;
        }
        for (std::size_t i = 2; i < n; ++i)
            if (w[i] != word(block, w[1], i)) {
                why = "version " + std::to_string(w[1]) + ", torn at byte " + std::to_string(i * 8);
                return std::nullopt;
            }
        return w[1];
    }
    bool possible(const Block& b, std::uint64_t version) const {
        if (version == b.acked) return true;
        const bool uncertain = std::find(b.uncertain.begin(), b.uncertain.end(), version) != b.uncertain.end();
        return uncertain && (late_landing_ || version > b.acked);
    }
    void check(std::uint64_t block, const void* data, const char* when) {
        const Block& b = blocks_[block];
        std::string why;
        const auto version = decode(data, block, why);
        if (!version) report(std::string(when) + ": block " + std::to_string(block) + " holds " + why);
        else if (!possible(b, *version))
            report(std::string(when) + ": block " + std::to_string(block) + " holds version " +
                   std::to_string(*version) + "; acknowledged " + std::to_string(b.acked) + ", " +
                   std::to_string(b.uncertain.size()) + " uncertain, " + std::to_string(b.issued) + " issued");
    }
    void report(const std::string& what) {
        if (reports_.fetch_add(1) < 10) ADD_FAILURE() << what;
    }

    const std::size_t slots_;
    const std::size_t block_size_;
    const bool late_landing_;
    std::vector<Block> blocks_;  // block k belongs to slot k % slots_, which alone touches it
    std::atomic<long> acked_writes_{0}, reads_checked_{0};
    std::atomic<int> reports_{0};
};

}  // namespace wdfio::stress
