#include "raw_uring.hpp"

#include "cpu_clock.hpp"
#include "wdfio_load.hpp"

#include <wdfio/ntstatus.hpp>

#include <liburing.h>

#include <fcntl.h>
#include <sys/uio.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <optional>
#include <thread>
#include <vector>

namespace wdfio::cli {

namespace {
using Clock = std::chrono::steady_clock;

constexpr unsigned kRingEntries = 256;     // wdfio's EngineOptions::queue_depth
constexpr unsigned kRingCqEntries = 4096;  // wdfio's UringBackend: entries * 16
constexpr unsigned kReapBatch = 64;
constexpr std::size_t kAlign = 4096;  // as Memory::allocate

struct FreeBuffer {
    void operator()(void* p) const noexcept { std::free(p); }
};

struct RawSlot {
    std::unique_ptr<void, FreeBuffer> buffer;
    bool write = false;
    Clock::time_point sent_at;
};

std::uint64_t nanoseconds(Clock::duration d) noexcept {
    return static_cast<std::uint64_t>(std::chrono::duration_cast<std::chrono::nanoseconds>(d).count());
}

// A result as wdfio reports it: -errno → its status, 0 bytes of a read → end of file.
Status status_of(int res, bool write) noexcept {
    if (res < 0) return Status::from_errno(-res);
    if (res == 0 && !write) return STATUS_END_OF_FILE;
    return STATUS_SUCCESS;
}

class RawRing {
public:
    // index: the wdfio sending thread whose offsets and buffer contents this ring repeats.
    explicit RawRing(unsigned index) noexcept : index_(index) {}
    ~RawRing() {
        if (ready_) io_uring_queue_exit(&ring_);
        if (fd_ >= 0) ::close(fd_);
    }

    std::string open(const LoadPlan& plan, const std::string& path) {
        const int flags = (plan.writes() ? O_RDWR : O_RDONLY) | O_CLOEXEC | (plan.direct ? O_DIRECT : 0);
        fd_ = ::open(path.c_str(), flags);
        if (fd_ < 0) return "open " + path + ": " + std::strerror(errno);
        io_uring_params p{};
        p.flags = IORING_SETUP_CQSIZE;
        p.cq_entries = kRingCqEntries;
        if (const int rc = io_uring_queue_init_params(kRingEntries, &ring_, &p); rc < 0)
            return std::string("io_uring_queue_init_params: ") + std::strerror(-rc);
        ready_ = true;
        // The same ring set-up as wdfio's engine, which registers each file
        // target's descriptor: here the one file, as slot 0.
        fixed_ = io_uring_register_files(&ring_, &fd_, 1) == 0;
        plan_ = &plan;
        make_slots();
        if (plan.fixed_buffers) return register_buffers();
        return {};
    }

    LoadResult run(const LoadPlan& plan) {
        plan_ = &plan;
        stream_.emplace(plan, load_seed(index_), first_block(plan, index_));  // the offsets of wdfio's thread
        LoadResult result;
        const double cpu0 = process_cpu_seconds();
        const auto t0 = Clock::now();
        const auto deadline =
            t0 + std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(plan.seconds));
        for (unsigned i = 0; i < slots_.size(); ++i) {
            slots_[i].sent_at = Clock::now();
            prep(i);
        }
        io_uring_submit(&ring_);

        in_flight_ = static_cast<unsigned>(slots_.size());
        while (in_flight_ > 0) {
            const Clock::time_point now = reap_batch();
            if (!stopping_ && now >= deadline) {  // once per batch: wdfio's deadline is not per request either
                stopping_ = true;
                result.seconds = std::chrono::duration<double>(now - t0).count();
                result.completed = counters_.successes.get();
                result.bytes = counters_.bytes.get();
            }
            if (io_uring_sq_ready(&ring_) > 0) io_uring_submit(&ring_);
        }
        result.cpu_seconds = process_cpu_seconds() - cpu0;
        result.take_counters(counters_);
        return result;
    }

private:
    void make_slots() {
        slots_.resize(plan_->queue_depth);
        const std::size_t bytes = (plan_->block_bytes + kAlign - 1) / kAlign * kAlign;
        for (unsigned i = 0; i < slots_.size(); ++i) {
            slots_[i].buffer.reset(std::aligned_alloc(kAlign, bytes));
            fill_buffer(slots_[i].buffer.get(), bytes, load_seed(index_) + i);
        }
    }

    // Each slot's buffer as the registered buffer of the same index.
    std::string register_buffers() {
        const std::size_t bytes = (plan_->block_bytes + kAlign - 1) / kAlign * kAlign;
        std::vector<iovec> iovs(slots_.size());
        for (std::size_t i = 0; i < slots_.size(); ++i) iovs[i] = {slots_[i].buffer.get(), bytes};
        if (const int rc = io_uring_register_buffers(&ring_, iovs.data(), static_cast<unsigned>(iovs.size())); rc < 0)
            return std::string("io_uring_register_buffers: ") + std::strerror(-rc) +
                   " (raise the locked-memory limit, ulimit -l, or run without --fixedbufs)";
        registered_ = true;
        return {};
    }

    // Up to kReapBatch completions: each is accounted and, before the
    // deadline, replaced by the next request of its slot. Returns the time of
    // the last one (or now, after waiting, if there was none).
    Clock::time_point reap_batch() {
        io_uring_cqe* cqes[kReapBatch];
        const unsigned n = io_uring_peek_batch_cqe(&ring_, cqes, kReapBatch);
        if (n == 0) {
            io_uring_submit_and_wait(&ring_, 1);
            return Clock::now();
        }
        Clock::time_point now;
        for (unsigned i = 0; i < n; ++i) {
            const auto index = static_cast<unsigned>(io_uring_cqe_get_data64(cqes[i]));
            RawSlot& slot = slots_[index];
            const int res = cqes[i]->res;
            now = Clock::now();
            const Status st = status_of(res, slot.write);
            counters_.account(st, st.ok() ? static_cast<std::uint64_t>(res) : 0, plan_->block_bytes,
                              nanoseconds(now - slot.sent_at));
            if (stopping_) {
                --in_flight_;
                continue;
            }
            slot.sent_at = now;
            prep(index);
        }
        io_uring_cq_advance(&ring_, n);
        return now;
    }

    // An SQE, handing queued ones to the kernel when the ring is full (depths above 256).
    io_uring_sqe* sqe() {
        io_uring_sqe* s = io_uring_get_sqe(&ring_);
        while (!s) {
            io_uring_submit(&ring_);
            s = io_uring_get_sqe(&ring_);
        }
        return s;
    }

    void prep(unsigned index) {
        RawSlot& slot = slots_[index];
        const NextIo io = stream_->next();
        io_uring_sqe* s = sqe();
        const auto len = static_cast<unsigned>(plan_->block_bytes);
        const auto offset = static_cast<__u64>(io.offset);
        const int file = fixed_ ? 0 : fd_;
        if (registered_) {
            if (io.write) io_uring_prep_write_fixed(s, file, slot.buffer.get(), len, offset, static_cast<int>(index));
            else io_uring_prep_read_fixed(s, file, slot.buffer.get(), len, offset, static_cast<int>(index));
        } else if (io.write) io_uring_prep_write(s, file, slot.buffer.get(), len, offset);
        else io_uring_prep_read(s, file, slot.buffer.get(), len, offset);
        if (fixed_) s->flags |= IOSQE_FIXED_FILE;
        io_uring_sqe_set_data64(s, index);
        slot.write = io.write;
    }

    unsigned index_;
    io_uring ring_{};
    bool ready_ = false;
    int fd_ = -1;
    bool fixed_ = false;       // fd_ registered as file slot 0
    bool registered_ = false;  // slot i's buffer is registered buffer i
    const LoadPlan* plan_ = nullptr;
    std::optional<IoStream> stream_;
    std::vector<RawSlot> slots_;
    LoadCounters counters_;
    unsigned in_flight_ = 0;
    bool stopping_ = false;
};

// The rings' results as one: counts summed, the time and CPU (the whole
// process's, measured by each ring over the same span) the longest.
void add_ring(LoadResult& sum, const LoadResult& ring) {
    sum.seconds = std::max(sum.seconds, ring.seconds);
    sum.completed += ring.completed;
    sum.bytes += ring.bytes;
    sum.read_completed += ring.read_completed;
    sum.read_bytes += ring.read_bytes;
    sum.requests += ring.requests;
    sum.errors += ring.errors;
    sum.short_transfers += ring.short_transfers;
    if (sum.first_failure.ok()) sum.first_failure = ring.first_failure;
    sum.latency.merge(ring.latency);
    sum.cpu_seconds = std::max(sum.cpu_seconds, ring.cpu_seconds);
}
}  // namespace

Checked<LoadResult> run_raw_load(const LoadPlan& plan, const std::string& path) {
    std::vector<std::unique_ptr<RawRing>> rings;
    for (unsigned i = 0; i < plan.threads; ++i) {
        rings.push_back(std::make_unique<RawRing>(i));
        if (std::string error = rings.back()->open(plan, path); !error.empty())
            return run_failure("raw liburing: " + error);
    }
    if (rings.size() == 1) return rings.front()->run(plan);
    std::vector<LoadResult> results(rings.size());
    std::vector<std::thread> threads;
    for (std::size_t i = 0; i < rings.size(); ++i) threads.emplace_back([&, i] { results[i] = rings[i]->run(plan); });
    for (auto& t : threads) t.join();
    LoadResult sum;
    for (const LoadResult& r : results) add_ring(sum, r);
    return sum;
}

}  // namespace wdfio::cli
