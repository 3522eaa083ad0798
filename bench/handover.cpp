// wdfio_bench_handover: the cost of sending from a thread that is not the
// engine's (issue 5, load 3). 4 KiB random reads from a page-cached, mlocked
// file at QD 32: completion routines (engine thread) pass finished requests
// back through a single-producer ring; the sending thread re-formats and
// re-sends them, so every send crosses the hand-over queue. Against raw
// liburing on one thread, alternating, medians.
//
//   wdfio_bench_handover [--size MiB | --file PATH] [--seconds S] [--rounds N] [--json] [--quick]
//
// --file reads an existing file (bench/compare passes its own page-cached
// one) instead of writing a temporary one of --size MiB.
#include <wdfio/wdfio.hpp>

#include "engine/spin_policy.hpp"  // the engine's own rule for when to spin
#include "resident_region.hpp"
#include "xorshift64.hpp"

#include <liburing.h>

#include <fcntl.h>
#include <linux/futex.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <thread>
#include <vector>

namespace {

using Clock = std::chrono::steady_clock;
using namespace wdfio;
constexpr int kDepth = 32;
constexpr std::size_t kBlock = 4096;

using cli::Xorshift64;

// Finished request indices, from the engine thread to the sender. The sender
// sleeps on a futex when the ring is empty, as a careful user waits: a thread
// that spins or yields while a CPU-bound process shares its core gives that
// process whole time slices (sched_yield) and starves the engine.
struct Ring {
    std::atomic<std::uint32_t> head{0}, tail{0};
    std::atomic<std::uint32_t> sleeping{0};
    int slots[64];
    void push(int v) {
        const auto t = tail.load(std::memory_order_relaxed);
        slots[t % 64] = v;
        tail.store(t + 1, std::memory_order_seq_cst);
        // One wake per sleep: the completions of a batch that follow find it cleared.
        if (sleeping.load(std::memory_order_seq_cst) && sleeping.exchange(0, std::memory_order_acq_rel))
            syscall(SYS_futex, &tail, FUTEX_WAKE_PRIVATE, 1, nullptr, nullptr, 0);
    }
    bool pop(int& v) {
        const auto h = head.load(std::memory_order_relaxed);
        if (h == tail.load(std::memory_order_acquire)) return false;
        v = slots[h % 64];
        head.store(h + 1, std::memory_order_release);
        return true;
    }
    // Spin while the core is ours (a completion is often a few hundred ns
    // away), then sleep until one is pushed.
    void wait_for_push(wdfio::detail::SpinPolicy& policy) {
        const auto h = head.load(std::memory_order_relaxed);
        if (policy.spin([&] { return tail.load(std::memory_order_acquire) != h; }, 1'000'000)) return;
        sleeping.store(1, std::memory_order_seq_cst);
        if (tail.load(std::memory_order_seq_cst) == h)
            syscall(SYS_futex, &tail, FUTEX_WAIT_PRIVATE, h, nullptr, nullptr, 0);
        sleeping.store(0, std::memory_order_relaxed);
    }
};

double run_wdfio(IoTarget& target, std::uint64_t blocks, double seconds) {
    struct Slot {
        Ref<Request> request;
        Ref<Memory> buffer;
    };
    struct Ctx {
        Ring ring;
        std::atomic<long> failures{0};
    } ctx;
    std::vector<Slot> slots(kDepth);
    Xorshift64 rng{0x9E3779B97F4A7C15ull};
    for (int i = 0; i < kDepth; ++i) {
        slots[i].request = Request::create(target).value();
        slots[i].buffer = Memory::allocate(kBlock * kDepth).value();
    }
    long done = 0;
    // The slot index rides in MemoryOffset::offset: each slot reads into its own window.
    auto send_slot = [&](int i) {
        Request& r = *slots[i].request;
        r.format_read(target, slots[i].buffer, MemoryOffset{static_cast<std::size_t>(i) * kBlock, kBlock},
                      static_cast<std::int64_t>(rng.next() % blocks * kBlock));
        r.set_completion(
            [](Request&, IoTarget&, const CompletionParams& p, void* c) {
                auto* x = static_cast<Ctx*>(c);
                if (!p.status.ok() || p.information != kBlock) x->failures.fetch_add(1);
                x->ring.push(static_cast<int>(p.read.offset / kBlock));
            },
            &ctx);
        return r.send(target);
    };
    const auto start = Clock::now();
    const auto end = start + std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(seconds));
    for (int i = 0; i < kDepth; ++i) send_slot(i);
    int in_flight = kDepth;
    bool stopping = false;
    wdfio::detail::SpinPolicy policy;
    while (in_flight > 0) {
        int i;
        if (!ctx.ring.pop(i)) {
            ctx.ring.wait_for_push(policy);
            continue;
        }
        --in_flight;
        ++done;
        if (!stopping && (done & 63) == 0 && Clock::now() >= end) stopping = true;
        if (!stopping) {
            send_slot(i);
            ++in_flight;
        }
    }
    const double elapsed = std::chrono::duration<double>(Clock::now() - start).count();
    if (ctx.failures.load()) {
        std::fprintf(stderr, "wdfio_bench_handover: %ld reads failed\n", ctx.failures.load());
        std::exit(1);
    }
    return done / elapsed;
}

double run_raw(int fd, std::uint64_t blocks, double seconds) {
    io_uring ring;
    io_uring_params p{};
    p.flags = IORING_SETUP_CQSIZE;
    p.cq_entries = 4096;
    if (io_uring_queue_init_params(256, &ring, &p) < 0) return -1;
    // The same set-up as wdfio's engine, which registers each file target's descriptor.
    const bool fixed = io_uring_register_files(&ring, &fd, 1) == 0;
    std::vector<char> bufs(kBlock * kDepth);
    Xorshift64 rng{0x9E3779B97F4A7C15ull};
    auto prep = [&](int i) {
        io_uring_sqe* s = io_uring_get_sqe(&ring);
        io_uring_prep_read(s, fixed ? 0 : fd, bufs.data() + i * kBlock, kBlock, rng.next() % blocks * kBlock);
        if (fixed) s->flags |= IOSQE_FIXED_FILE;
        io_uring_sqe_set_data64(s, static_cast<std::uint64_t>(i));
    };
    for (int i = 0; i < kDepth; ++i) prep(i);
    long done = 0;
    const auto start = Clock::now();
    const auto end = start + std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(seconds));
    int in_flight = kDepth;
    bool stopping = false;
    while (in_flight > 0) {
        io_uring_submit_and_wait(&ring, 1);
        io_uring_cqe* cqe;
        unsigned head, n = 0;
        io_uring_for_each_cqe(&ring, head, cqe) {
            ++n;
            --in_flight;
            ++done;
            if (cqe->res != static_cast<int>(kBlock)) std::exit(1);
            if (!stopping) {
                prep(static_cast<int>(cqe->user_data));
                ++in_flight;
            }
        }
        io_uring_cq_advance(&ring, n);
        if (!stopping && Clock::now() >= end) stopping = true;
    }
    io_uring_queue_exit(&ring);
    return done / std::chrono::duration<double>(Clock::now() - start).count();
}

double median(std::vector<double> v) {
    std::sort(v.begin(), v.end());
    return v[v.size() / 2];
}

}  // namespace

int main(int argc, char** argv) {
    std::size_t mib = 128;
    double seconds = 2;
    int rounds = 3;
    bool json = false;
    std::string file;
    for (int i = 1; i < argc; ++i) {
        const std::string a = argv[i];
        if (a == "--size" && i + 1 < argc) mib = std::strtoul(argv[++i], nullptr, 10);
        else if (a == "--file" && i + 1 < argc) file = argv[++i];
        else if (a == "--seconds" && i + 1 < argc) seconds = std::atof(argv[++i]);
        else if (a == "--rounds" && i + 1 < argc) rounds = std::atoi(argv[++i]);
        else if (a == "--json") json = true;
        else if (a == "--quick") mib = 32, seconds = 0.3, rounds = 1;
        else {
            std::fprintf(stderr, "usage: %s [--size MiB | --file PATH] [--seconds S] [--rounds N] [--json] [--quick]\n",
                         argv[0]);
            return 2;
        }
    }
    if (mib == 0 || seconds <= 0 || rounds < 1) return 2;
    std::string path = file;
    int fd;
    std::size_t size;
    if (!file.empty()) {
        fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
        struct stat st {};
        if (fd < 0 || fstat(fd, &st) != 0) {
            std::fprintf(stderr, "wdfio_bench_handover: cannot open %s: %s\n", path.c_str(), std::strerror(errno));
            return 1;
        }
        size = static_cast<std::size_t>(st.st_size) / kBlock * kBlock;
        if (size == 0) {
            std::fprintf(stderr, "wdfio_bench_handover: %s is smaller than 4 KiB: give a larger file\n", path.c_str());
            return 1;
        }
    } else {
        const char* dir = std::getenv("TMPDIR");
        path = std::string(dir && *dir ? dir : "/tmp") + "/wdfio-handover-XXXXXX";
        fd = mkstemp(path.data());
        if (fd < 0) return 1;
        size = mib << 20;
        std::vector<char> chunk(1 << 20, 'h');
        for (std::size_t off = 0; off < size; off += chunk.size())
            if (pwrite(fd, chunk.data(), chunk.size(), static_cast<off_t>(off)) < 0) return 1;
    }
    // Kept in the page cache for the whole run (the reclaimer evicts idle pages).
    const auto resident = cli::ResidentRegion::pin(path, size);
    const std::uint64_t blocks = size / kBlock;

    Engine engine;
    auto target = IoTarget::open(engine, path, OpenOptions::read_only()).value();
    std::vector<double> raw, wdf;
    run_wdfio(*target, blocks, 0.1);  // warm-up
    for (int r = 0; r < rounds; ++r) {
        if (resident) resident->warn_if_not_resident("raw liburing");
        raw.push_back(run_raw(fd, blocks, seconds));
        if (resident) resident->warn_if_not_resident("wdfio hand-over");
        wdf.push_back(run_wdfio(*target, blocks, seconds));
    }
    const double rm = median(raw), wm = median(wdf);
    if (json) {
        std::printf("{\"depth\":%d,\"raw_iops\":%.0f,\"handover_iops\":%.0f,\"ratio\":%.3f}\n", kDepth, rm, wm,
                    wm / rm);
    } else {
        std::printf("4 KiB cached random reads, QD %d, %d round(s) of %.1f s\n", kDepth, rounds, seconds);
        std::printf("raw liburing, one thread:        %10.0f IOPS\n", rm);
        std::printf("wdfio, sends from another thread: %9.0f IOPS\n", wm);
        std::printf("ratio: %.3f\n", wm / rm);
    }
    target->close();
    ::close(fd);
    if (file.empty()) ::unlink(path.c_str());
    return 0;
}
