// wdfio_bench_read: what does wdfio's request model cost over raw liburing?
//
// Async 4 KiB random reads from a page-cached (mlocked) file, at queue depth 1
// and 32, through wdfio (Request/IoTarget, completion routines that re-send)
// and through a raw io_uring set up the way wdfio's backend sets up its ring.
// Runs alternate raw, wdfio, raw, wdfio ... so that drift hits both sides
// alike; the table gives medians and the ratio median wdfio / median raw.
//
//   wdfio_bench_read [--size MiB] [--seconds S] [--rounds N] [--json] [--quick]
#include <wdfio/wdfio.hpp>

#include "xorshift64.hpp"

#include <liburing.h>

#include <fcntl.h>
#include <sys/mman.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <string>
#include <thread>
#include <vector>

namespace {

using Clock = std::chrono::steady_clock;

constexpr std::size_t kBlock = 4096;
constexpr unsigned kRingEntries = 256;      // as wdfio's default EngineOptions::queue_depth
constexpr unsigned kRingCqEntries = 4096;   // as UringBackend: entries * 16
constexpr unsigned kReapBatch = 64;
constexpr int kDepths[] = {1, 32};

// ------------------------------------------------------------------ options

struct Options {
    std::size_t size_mib = 256;
    double seconds = 3.0;
    int rounds = 3;
    bool json = false;
    bool quick = false;
};

[[noreturn]] void usage(const char* argv0) {
    std::fprintf(stderr,
                 "usage: %s [--size MiB] [--seconds S] [--rounds N] [--json] [--quick]\n"
                 "  --size MiB    file size (default 256)\n"
                 "  --seconds S   duration of each measured run (default 3)\n"
                 "  --rounds N    raw/wdfio alternations per depth (default 3)\n"
                 "  --json        print one JSON object instead of the table\n"
                 "  --quick       smoke run: 32 MiB, 0.3 s, 1 round (explicit flags still win)\n",
                 argv0);
    std::exit(2);
}

Options parse_options(int argc, char** argv) {
    Options o;
    bool size_set = false, seconds_set = false, rounds_set = false;
    for (int i = 1; i < argc; ++i) {
        const std::string a = argv[i];
        const bool has_value = i + 1 < argc;
        if (a == "--json") o.json = true;
        else if (a == "--quick") o.quick = true;
        else if (a == "--size" && has_value) o.size_mib = std::strtoull(argv[++i], nullptr, 10), size_set = true;
        else if (a == "--seconds" && has_value) o.seconds = std::strtod(argv[++i], nullptr), seconds_set = true;
        else if (a == "--rounds" && has_value) o.rounds = std::atoi(argv[++i]), rounds_set = true;
        else usage(argv[0]);
    }
    if (o.quick) {
        if (!size_set) o.size_mib = 32;
        if (!seconds_set) o.seconds = 0.3;
        if (!rounds_set) o.rounds = 1;
    }
    if (o.size_mib == 0 || o.seconds <= 0 || o.rounds < 1) usage(argv[0]);
    return o;
}

// ------------------------------------------------------------------ random offsets

// Both sides draw offsets from the same generator, seeded alike.
using wdfio::cli::Xorshift64;

// A random 4 KiB-aligned offset below blocks * 4 KiB (multiply-shift instead of %).
std::int64_t random_offset(Xorshift64& rng, std::uint64_t blocks) noexcept {
    const std::uint64_t block = ((rng.next() >> 32) * blocks) >> 32;
    return static_cast<std::int64_t>(block * kBlock);
}

// ------------------------------------------------------------------ the file

// A temp file held in the page cache for the whole run: the mapping is
// mlocked, because a reclaimer here evicts idle page cache within minutes.
class CachedFile {
public:
    explicit CachedFile(std::size_t bytes) : size_(bytes) {
        const char* dir = std::getenv("TMPDIR");
        path_ = std::string(dir && *dir ? dir : "/tmp") + "/wdfio-bench-XXXXXX";
        fd_ = mkstemp(path_.data());
        if (fd_ < 0) die("mkstemp");
        fill();
        map_ = mmap(nullptr, size_, PROT_READ, MAP_SHARED, fd_, 0);
        if (map_ == MAP_FAILED) die("mmap");
        if (mlock(map_, size_) != 0) die("mlock (run as root or raise RLIMIT_MEMLOCK)");
    }
    ~CachedFile() {
        munmap(map_, size_);
        ::close(fd_);
        ::unlink(path_.c_str());
    }
    CachedFile(const CachedFile&) = delete;
    CachedFile& operator=(const CachedFile&) = delete;

    const std::string& path() const noexcept { return path_; }
    std::uint64_t blocks() const noexcept { return size_ / kBlock; }

    // Pages of the file not in memory right now (mincore), or -1 if unknown.
    long nonresident_pages() const {
        const long page = sysconf(_SC_PAGESIZE);
        std::vector<unsigned char> vec((size_ + page - 1) / page);
        if (mincore(map_, size_, vec.data()) != 0) return -1;
        return std::count_if(vec.begin(), vec.end(), [](unsigned char v) { return (v & 1) == 0; });
    }

private:
    [[noreturn]] void die(const char* what) {
        std::fprintf(stderr, "%s: %s\n", what, std::strerror(errno));
        if (!path_.empty()) ::unlink(path_.c_str());
        std::exit(1);
    }

    // Non-zero data, and flushed, so that writeback does not run during the measurements.
    void fill() {
        std::vector<std::uint64_t> chunk((1u << 20) / sizeof(std::uint64_t));
        Xorshift64 rng{0x9E3779B97F4A7C15ull};
        for (std::size_t done = 0; done < size_;) {
            for (auto& w : chunk) w = rng.next();
            const std::size_t n = std::min(size_ - done, chunk.size() * sizeof(std::uint64_t));
            if (::write(fd_, chunk.data(), n) != static_cast<ssize_t>(n)) die("write");
            done += n;
        }
        if (fdatasync(fd_) != 0) die("fdatasync");
    }

    std::size_t size_;
    std::string path_;
    int fd_ = -1;
    void* map_ = nullptr;
};

void warn_if_evicted(const CachedFile& file, const char* side, int depth) {
    const long missing = file.nonresident_pages();
    if (missing < 0)
        std::fprintf(stderr, "warning: mincore failed (%s); residency before the %s run at depth %d unknown\n",
                     std::strerror(errno), side, depth);
    else if (missing > 0)
        std::fprintf(stderr, "warning: %ld pages of %s not resident before the %s run at depth %d\n", missing,
                     file.path().c_str(), side, depth);
}

// ------------------------------------------------------------------ results

struct RunResult {
    std::uint64_t completions = 0;  // counted until the deadline
    double seconds = 0;
    std::uint64_t errors = 0;       // wrong status or short reads, drain included
    double iops() const { return seconds > 0 ? completions / seconds : 0; }
};

double seconds_since(Clock::time_point t0) { return std::chrono::duration<double>(Clock::now() - t0).count(); }

// ------------------------------------------------------------------ raw liburing

// The baseline: one thread, one ring, QD reads in flight, a new read per completion.
class RawReader {
public:
    RawReader(const std::string& path, std::uint64_t blocks) : blocks_(blocks) {
        fd_ = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
        if (fd_ < 0) fail("open", errno);
        // The same setup as wdfio's UringBackend: CQSIZE, no registered files or buffers.
        io_uring_params p{};
        p.flags = IORING_SETUP_CQSIZE;
        p.cq_entries = kRingCqEntries;
        if (const int rc = io_uring_queue_init_params(kRingEntries, &ring_, &p); rc < 0) fail("io_uring", -rc);
    }
    ~RawReader() {
        io_uring_queue_exit(&ring_);
        ::close(fd_);
    }
    RawReader(const RawReader&) = delete;
    RawReader& operator=(const RawReader&) = delete;

    RunResult run(int depth, double seconds, std::uint64_t seed) {
        Xorshift64 rng{seed};
        std::vector<Buffer> buffers(depth);
        RunResult result;
        const auto t0 = Clock::now();
        const auto deadline = t0 + std::chrono::duration<double>(seconds);
        for (int i = 0; i < depth; ++i) prep_read(buffers[i].get(), i, rng);
        io_uring_submit(&ring_);

        int in_flight = depth;
        bool stopping = false;
        std::uint64_t completed = 0;
        io_uring_cqe* cqes[kReapBatch];
        while (in_flight > 0) {
            const unsigned n = io_uring_peek_batch_cqe(&ring_, cqes, kReapBatch);
            if (n == 0) {
                io_uring_submit_and_wait(&ring_, 1);
                continue;
            }
            if (!stopping && Clock::now() >= deadline) {  // once per batch: clock reads are not free
                stopping = true;
                result.seconds = seconds_since(t0);
                result.completions = completed;
            }
            for (unsigned i = 0; i < n; ++i) {
                ++completed;
                if (cqes[i]->res != static_cast<int>(kBlock)) ++result.errors;
                const auto slot = static_cast<unsigned>(io_uring_cqe_get_data64(cqes[i]));
                if (stopping) --in_flight;
                else prep_read(buffers[slot].get(), slot, rng);
            }
            io_uring_cq_advance(&ring_, n);
            if (io_uring_sq_ready(&ring_) > 0) io_uring_submit(&ring_);
        }
        return result;
    }

private:
    struct FreeBuffer {
        void operator()(void* p) const noexcept { std::free(p); }
    };
    // 4 KiB-aligned, as Memory::allocate gives wdfio.
    struct Buffer : std::unique_ptr<void, FreeBuffer> {
        Buffer() : std::unique_ptr<void, FreeBuffer>(std::aligned_alloc(kBlock, kBlock)) {}
    };

    void prep_read(void* buffer, unsigned slot, Xorshift64& rng) {
        io_uring_sqe* sqe = io_uring_get_sqe(&ring_);  // never null: depth <= kRingEntries
        io_uring_prep_read(sqe, fd_, buffer, kBlock, static_cast<__u64>(random_offset(rng, blocks_)));
        io_uring_sqe_set_data64(sqe, slot);
    }

    [[noreturn]] static void fail(const char* what, int err) {
        std::fprintf(stderr, "raw liburing: %s: %s\n", what, std::strerror(err));
        std::exit(1);
    }

    std::uint64_t blocks_;
    int fd_ = -1;
    io_uring ring_{};
};

// ------------------------------------------------------------------ wdfio

// What the completion routines share. They all run on the engine thread, so
// the PRNG needs no lock; the counters are read by the main thread.
struct WdfioRunState {
    wdfio::IoTarget* target = nullptr;
    std::uint64_t blocks = 0;
    Xorshift64 rng{1};
    std::atomic<bool> stop{false};
    std::atomic<std::uint64_t> completed{0};
    std::atomic<std::uint64_t> errors{0};
    std::atomic<int> in_flight{0};
};

// One request with its own buffer, created once and re-sent for the whole run.
struct WdfioSlot {
    wdfio::Ref<wdfio::Request> request;
    wdfio::Ref<wdfio::Memory> memory;
    WdfioRunState* state = nullptr;
};

void on_read_done(WdfioSlot& slot, const wdfio::CompletionParams& p);

// Format for a fresh random offset and arm the (one-shot) routine; does not send.
bool format_next(WdfioSlot& slot) {
    WdfioRunState& s = *slot.state;
    wdfio::Request& r = *slot.request;
    if (!r.format_read(*s.target, slot.memory, {}, random_offset(s.rng, s.blocks)).ok()) return false;
    r.set_completion([p = &slot](wdfio::Request&, wdfio::IoTarget&, const wdfio::CompletionParams& params) {
        on_read_done(*p, params);
    });
    return true;
}

void slot_finished(WdfioRunState& s) {
    if (s.in_flight.fetch_sub(1, std::memory_order_acq_rel) == 1) s.in_flight.notify_all();
}

void on_read_done(WdfioSlot& slot, const wdfio::CompletionParams& p) {
    WdfioRunState& s = *slot.state;
    // Checked before re-formatting: p belongs to the request and format resets it.
    if (!p.status.ok() || p.information != kBlock) s.errors.fetch_add(1, std::memory_order_relaxed);
    s.completed.fetch_add(1, std::memory_order_relaxed);
    if (s.stop.load(std::memory_order_relaxed)) {
        slot_finished(s);
        return;
    }
    if (!format_next(slot) || !slot.request->send(*s.target)) {
        s.errors.fetch_add(1, std::memory_order_relaxed);
        slot_finished(s);
    }
}

class WdfioReader {
public:
    WdfioReader(wdfio::Engine& engine, const std::string& path, std::uint64_t blocks, int max_depth) {
        slots_.reserve(max_depth);  // never reallocated: routines hold pointers into it
        auto target = wdfio::IoTarget::open(engine, path, wdfio::OpenOptions::read_only());
        if (!target) fail("IoTarget::open", target.status());
        target_ = std::move(target).value();
        state_.target = target_.get();
        state_.blocks = blocks;
    }
    ~WdfioReader() { target_->close(); }
    WdfioReader(const WdfioReader&) = delete;
    WdfioReader& operator=(const WdfioReader&) = delete;

    RunResult run(int depth, double seconds, std::uint64_t seed) {
        make_slots(depth);
        state_.rng = Xorshift64{seed};
        state_.stop.store(false);
        state_.completed.store(0);
        state_.errors.store(0);
        state_.in_flight.store(depth);
        // Format every slot before the first send: once one is sent, its routine
        // may use the PRNG on the engine thread.
        for (int i = 0; i < depth; ++i)
            if (!format_next(slots_[i])) fail("format_read", slots_[i].request->status());

        const auto t0 = Clock::now();
        for (int i = 0; i < depth; ++i)
            if (!slots_[i].request->send(*target_)) fail("send", slots_[i].request->status());
        std::this_thread::sleep_until(t0 + std::chrono::duration<double>(seconds));
        state_.stop.store(true, std::memory_order_relaxed);
        RunResult result;
        result.seconds = seconds_since(t0);
        result.completions = state_.completed.load(std::memory_order_relaxed);

        for (int n = state_.in_flight.load(); n > 0; n = state_.in_flight.load()) state_.in_flight.wait(n);
        result.errors = state_.errors.load();
        return result;
    }

private:
    void make_slots(int depth) {
        while (static_cast<int>(slots_.size()) < depth) {  // within the reserved capacity
            auto request = wdfio::Request::create(*target_);
            if (!request) fail("Request::create", request.status());
            auto memory = wdfio::Memory::allocate(kBlock);
            if (!memory) fail("Memory::allocate", memory.status());
            slots_.push_back({std::move(request).value(), std::move(memory).value(), &state_});
        }
    }

    [[noreturn]] static void fail(const char* what, wdfio::Status st) {
        std::fprintf(stderr, "wdfio: %s: %s\n", what, st.to_string().c_str());
        std::exit(1);
    }

    wdfio::Ref<wdfio::IoTarget> target_;
    WdfioRunState state_;
    std::vector<WdfioSlot> slots_;
};

// ------------------------------------------------------------------ statistics and output

struct SideStats {
    double median = 0, min = 0, max = 0;
};

SideStats stats_of(std::vector<double> v) {
    std::sort(v.begin(), v.end());
    const std::size_t n = v.size();
    const double median = n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
    return {median, v.front(), v.back()};
}

struct DepthRow {
    int depth = 0;
    SideStats raw, wdfio;
    std::uint64_t errors = 0;
    double ratio() const { return raw.median > 0 ? wdfio.median / raw.median : 0; }
};

void print_table(const std::vector<DepthRow>& rows, const Options& o) {
    std::printf("4 KiB random reads, page-cached %zu MiB file, %.2f s per run, %d round(s)\n", o.size_mib,
                o.seconds, o.rounds);
    std::printf("%5s  %12s %12s %12s  %12s %12s %12s  %6s\n", "depth", "raw median", "raw min", "raw max",
                "wdfio median", "wdfio min", "wdfio max", "ratio");
    for (const auto& r : rows)
        std::printf("%5d  %12.0f %12.0f %12.0f  %12.0f %12.0f %12.0f  %6.3f\n", r.depth, r.raw.median, r.raw.min,
                    r.raw.max, r.wdfio.median, r.wdfio.min, r.wdfio.max, r.ratio());
    std::printf("IOPS; ratio = median wdfio / median raw\n");
}

void print_json(const std::vector<DepthRow>& rows, const Options& o) {
    std::printf("{\"block_bytes\":%zu,\"file_mib\":%zu,\"seconds_per_run\":%g,\"rounds\":%d,\"depths\":[", kBlock,
                o.size_mib, o.seconds, o.rounds);
    for (std::size_t i = 0; i < rows.size(); ++i) {
        const auto& r = rows[i];
        std::printf("%s{\"depth\":%d,\"raw_iops\":{\"median\":%.0f,\"min\":%.0f,\"max\":%.0f},"
                    "\"wdfio_iops\":{\"median\":%.0f,\"min\":%.0f,\"max\":%.0f},\"ratio\":%.4f,\"errors\":%llu}",
                    i ? "," : "", r.depth, r.raw.median, r.raw.min, r.raw.max, r.wdfio.median, r.wdfio.min,
                    r.wdfio.max, r.ratio(), static_cast<unsigned long long>(r.errors));
    }
    std::printf("]}\n");
}

// ------------------------------------------------------------------ the comparison

DepthRow compare_at_depth(int depth, const Options& o, const CachedFile& file, RawReader& raw, WdfioReader& wdf) {
    // Unmeasured warm-up of both sides: first-touch costs stay out of round 1.
    const double warmup = std::min(0.2, o.seconds);
    raw.run(depth, warmup, 7);
    wdf.run(depth, warmup, 7);

    std::vector<double> raw_iops, wdfio_iops;
    DepthRow row;
    row.depth = depth;
    for (int round = 0; round < o.rounds; ++round) {
        const std::uint64_t seed = 0x2545F4914F6CDD1Dull + round;  // the same offsets for both sides
        warn_if_evicted(file, "raw", depth);
        const RunResult r = raw.run(depth, o.seconds, seed);
        warn_if_evicted(file, "wdfio", depth);
        const RunResult w = wdf.run(depth, o.seconds, seed);
        raw_iops.push_back(r.iops());
        wdfio_iops.push_back(w.iops());
        row.errors += r.errors + w.errors;
    }
    row.raw = stats_of(raw_iops);
    row.wdfio = stats_of(wdfio_iops);
    return row;
}

}  // namespace

int main(int argc, char** argv) {
    const Options o = parse_options(argc, argv);
    CachedFile file(o.size_mib << 20);

    wdfio::Engine engine;
    if (engine.backend() != wdfio::BackendKind::Uring) {
        std::fprintf(stderr, "wdfio engine is not on io_uring (%s): the comparison would be meaningless\n",
                     engine.uring_status().to_string().c_str());
        return 1;
    }
    RawReader raw(file.path(), file.blocks());
    WdfioReader wdf(engine, file.path(), file.blocks(), *std::max_element(std::begin(kDepths), std::end(kDepths)));

    std::vector<DepthRow> rows;
    for (int depth : kDepths) rows.push_back(compare_at_depth(depth, o, file, raw, wdf));

    if (o.json) print_json(rows, o);
    else print_table(rows, o);

    std::uint64_t errors = 0;
    for (const auto& r : rows) errors += r.errors;
    if (errors) {
        std::fprintf(stderr, "error: %llu reads failed or came back short\n", static_cast<unsigned long long>(errors));
        return 1;
    }
    return 0;
}
