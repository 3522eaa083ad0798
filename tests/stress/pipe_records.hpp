// PipeRecords: the mixed stress model of a pipe. Even slots write numbered
// 64-byte records through the write end's target, odd slots read 64 bytes
// at a time through the read end's. A pipe write of at most PIPE_BUF bytes
// is all or nothing, so the pipe only ever holds whole records, and each read
// that succeeds must bring exactly one, whole. After the run what is left in
// the pipe is drained; then every record written successfully must have been
// read exactly once, and nothing else read but records whose write failed
// (cancelled, timed out: uncertain) — none twice, none torn.
#pragma once
#include "stress/mixed_stress.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <set>

namespace wdfio::stress {

class PipeRecords : public Model {
public:
    static constexpr std::size_t kWriteEnd = 0, kReadEnd = 1;
    static constexpr std::size_t kRecord = 64;

    std::size_t io_size() const override { return kRecord; }
    Op next(std::size_t slot, Memory& buffer, std::minstd_rand&) override {
        Op op;
        if (slot % 2 == 0) {
            op.type = RequestType::Write;
            op.end = kWriteEnd;
            op.key = next_number_.fetch_add(1) + 1;
            fill(buffer.data(), op.key);
        } else {
            op.end = kReadEnd;
        }
        return op;
    }
    void refused(std::size_t, const Op&) override {}
    void finished(std::size_t, const Op& op, Status status, std::uint64_t information, const Memory& buffer) override {
        std::lock_guard lock(mutex_);
        if (op.type == RequestType::Write) {
            if (status.ok() && information == kRecord) acked_.insert(op.key);
            else if (status.ok())
                report("a pipe write of " + std::to_string(kRecord) + " bytes completed with " +
                       std::to_string(information));
            else uncertain_.insert(op.key);
        } else if (status.ok()) {
            if (information != kRecord)
                report("a read brought " + std::to_string(information) + " bytes, not a record");
            else take(buffer.data(), "a read during the run");
        }
    }

    // Reads what is left in the pipe (its read end `fd`, which the test kept).
    void drain(int fd) {
        ::fcntl(fd, F_SETFL, ::fcntl(fd, F_GETFL) | O_NONBLOCK);
        unsigned char record[kRecord];
        ssize_t n;
        std::lock_guard lock(mutex_);
        while ((n = ::read(fd, record, sizeof record)) > 0) {
            if (n != static_cast<ssize_t>(kRecord)) report("the drain found " + std::to_string(n) + " bytes");
            else take(record, "the drain after the run");
        }
    }
    void verify() {
        std::lock_guard lock(mutex_);
        std::size_t lost = 0;
        for (std::uint64_t k : acked_)
            if (!read_.count(k) && ++lost <= 5) ADD_FAILURE() << "record " << k << " was written and never read";
        EXPECT_EQ(lost, 0u) << "records written successfully and lost";
        for (std::uint64_t k : read_)
            if (!acked_.count(k) && !uncertain_.count(k))
                report("record " + std::to_string(k) + " was read, yet no write of it was accepted");
    }
    std::size_t acked_writes() const {
        std::lock_guard lock(mutex_);
        return acked_.size();
    }

private:
    static void fill(void* data, std::uint64_t number) {
        auto* w = static_cast<std::uint64_t*>(data);
        for (std::size_t i = 0; i < kRecord / 8; ++i) w[i] = number * 0x9e3779b97f4a7c15ull + i;
    }
    void take(const void* data, const char* when) {
        const auto* w = static_cast<const std::uint64_t*>(data);
        const std::uint64_t number = w[0] * 0xf1de83e19937733dull;  // the inverse of fill's multiplier
        for (std::size_t i = 0; i < kRecord / 8; ++i)
            if (w[i] != number * 0x9e3779b97f4a7c15ull + i) {
                report(std::string(when) + ": a torn record");
                return;
            }
        if (!read_.insert(number).second)
            report(std::string(when) + ": record " + std::to_string(number) + " read twice");
    }
    void report(const std::string& what) {
        if (++reports_ <= 10) ADD_FAILURE() << what;
    }

    std::atomic<std::uint64_t> next_number_{0};
    mutable std::mutex mutex_;
    std::set<std::uint64_t> acked_, uncertain_, read_;
    int reports_ = 0;
};

}  // namespace wdfio::stress
