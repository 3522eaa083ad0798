// wdfio_bench_recorder: what the in-flight recorder costs. Cached 4 KiB
// random reads at QD 32 (a page-cached, mlocked file; completion routines
// that re-format and re-send), with the recorder on and off in one run:
// rounds alternate off/on, then on/off, so that drift hits both sides alike.
// Prints each side's median IOPS with its min–max, and the median of the
// per-round ratios on/off (issue 13: at least 0.97).
//
//   wdfio_bench_recorder [--size MiB] [--seconds S] [--rounds N] [--depth Q] [--json]
//
// Self-contained on the public API, so that it measures the library alone.
#include <wdfio/wdfio.hpp>

#include <fcntl.h>
#include <sys/mman.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <thread>
#include <vector>

namespace {

constexpr std::size_t kBlock = 4096;

struct Options {
    std::size_t size_mib = 256;
    double seconds = 2.0;
    int rounds = 7;
    unsigned depth = 32;
    bool json = false;
};

[[noreturn]] void usage(const char* argv0) {
    std::fprintf(stderr, "usage: %s [--size MiB] [--seconds S] [--rounds N] [--depth Q] [--json]\n", argv0);
    std::exit(2);
}

[[noreturn]] void die(const std::string& what) {
    std::fprintf(stderr, "wdfio_bench_recorder: %s\n", what.c_str());
    std::exit(1);
}

Options parse(int argc, char** argv) {
    Options o;
    for (int i = 1; i < argc; ++i) {
        const std::string a = argv[i];
        const bool value = i + 1 < argc;
        if (a == "--json") o.json = true;
        else if (a == "--size" && value) o.size_mib = std::strtoull(argv[++i], nullptr, 10);
        else if (a == "--seconds" && value) o.seconds = std::strtod(argv[++i], nullptr);
        else if (a == "--rounds" && value) o.rounds = std::atoi(argv[++i]);
        else if (a == "--depth" && value) o.depth = static_cast<unsigned>(std::atoi(argv[++i]));
        else usage(argv[0]);
    }
    if (o.size_mib == 0 || o.seconds <= 0 || o.rounds < 1 || o.depth == 0) usage(argv[0]);
    return o;
}

// A file of the given size in TMPDIR (default /var/tmp: a disk file system
// with a page cache), filled, held in memory with mlock, removed at exit.
class CachedFile {
public:
    explicit CachedFile(std::size_t bytes) : bytes_(bytes) {
        const char* dir = std::getenv("TMPDIR");
        path_ = std::string(dir && *dir ? dir : "/var/tmp") + "/wdfio-recorder-bench-XXXXXX";
        const int fd = mkstemp(path_.data());
        if (fd < 0) die("mkstemp in " + path_);
        std::vector<char> chunk(1 << 20);
        for (std::size_t i = 0; i < chunk.size(); ++i) chunk[i] = static_cast<char>(i * 131 + 7);
        for (std::size_t done = 0; done < bytes; done += chunk.size())
            if (::write(fd, chunk.data(), std::min(chunk.size(), bytes - done)) < 0) die("writing " + path_);
        map_ = ::mmap(nullptr, bytes, PROT_READ, MAP_SHARED, fd, 0);
        ::close(fd);
        if (map_ == MAP_FAILED || ::mlock(map_, bytes) != 0)
            std::fprintf(stderr, "wdfio_bench_recorder: warning: could not mlock the file; it may be evicted\n");
    }
    ~CachedFile() {
        if (map_ != MAP_FAILED) ::munmap(map_, bytes_);
        ::unlink(path_.c_str());
    }
    CachedFile(const CachedFile&) = delete;
    CachedFile& operator=(const CachedFile&) = delete;
    const std::string& path() const { return path_; }

private:
    std::size_t bytes_;
    std::string path_;
    void* map_ = MAP_FAILED;
};

// The load: depth requests that re-send themselves from their routine until the deadline.
struct Load {
    wdfio::IoTarget* target = nullptr;
    std::uint64_t blocks = 0;
    std::atomic<bool> stop{false};
    std::atomic<unsigned> outstanding{0};
    std::uint64_t completed = 0;  // engine thread only
    std::uint64_t errors = 0;
    std::uint64_t rng = 0x9E3779B97F4A7C15ull;

    std::int64_t next_offset() {
        rng ^= rng << 13, rng ^= rng >> 7, rng ^= rng << 17;  // xorshift64
        return static_cast<std::int64_t>((rng % blocks) * kBlock);
    }
    static void routine(wdfio::Request& r, wdfio::IoTarget&, const wdfio::CompletionParams& p, void* ctx) {
        auto* self = static_cast<Load*>(ctx);
        if (p.status.ok() && p.information == kBlock) ++self->completed;
        else ++self->errors;
        if (!self->stop.load(std::memory_order_relaxed) && self->send(r, p.read.buffer)) return;
        self->outstanding.fetch_sub(1, std::memory_order_release);
    }
    bool send(wdfio::Request& r, wdfio::Memory* buffer) {
        r.reuse();
        if (!r.format_read(*target, wdfio::Ref<wdfio::Memory>(buffer), {}, next_offset()).ok()) return false;
        r.set_completion(&Load::routine, this);
        return r.send(*target);
    }
};

double run_once(const Options& o, const std::string& path, bool recorder_on) {
    wdfio::EngineOptions eo;
    eo.recorder = wdfio::RecorderOptions{recorder_on, wdfio::RecorderOptions{}.events};
    wdfio::Engine engine(eo);
    if (engine.backend() != wdfio::BackendKind::Uring)
        die("the engine is not on io_uring: " + engine.uring_status().to_string());
    auto opened = wdfio::IoTarget::open(engine, path, wdfio::OpenOptions::read_only());
    if (!opened) die("open " + path + ": " + opened.status().to_string());
    wdfio::Ref<wdfio::IoTarget> target = std::move(opened).value();
    Load load;
    load.target = target.get();
    load.blocks = (o.size_mib << 20) / kBlock;
    std::vector<wdfio::Ref<wdfio::Request>> requests;
    std::vector<wdfio::Ref<wdfio::Memory>> buffers;
    for (unsigned i = 0; i < o.depth; ++i) {
        requests.push_back(wdfio::Request::create(*target).value());
        buffers.push_back(wdfio::Memory::allocate(kBlock).value());
    }
    const auto start = std::chrono::steady_clock::now();
    load.outstanding.store(o.depth);
    for (unsigned i = 0; i < o.depth; ++i)
        if (!load.send(*requests[i], buffers[i].get())) die("the first sends failed");
    std::this_thread::sleep_for(std::chrono::duration<double>(o.seconds));
    load.stop.store(true);
    while (load.outstanding.load(std::memory_order_acquire) != 0)
        std::this_thread::sleep_for(std::chrono::microseconds(100));
    const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    if (load.errors) die(std::to_string(load.errors) + " reads failed or came back short");
    target->close();
    return static_cast<double>(load.completed) / seconds;
}

struct Spread {
    double median, min, max;
};
Spread spread(std::vector<double> v) {
    std::sort(v.begin(), v.end());
    const std::size_t n = v.size();
    return {n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2, v.front(), v.back()};
}

}  // namespace

int main(int argc, char** argv) {
    const Options o = parse(argc, argv);
    const CachedFile file(o.size_mib << 20);
    run_once({o.size_mib, std::min(0.2, o.seconds), 1, o.depth, false}, file.path(), true);  // warm-up
    std::vector<double> on, off, ratio;
    for (int round = 0; round < o.rounds; ++round) {
        double a, b;
        if (round % 2 == 0) {
            b = run_once(o, file.path(), false);
            a = run_once(o, file.path(), true);
        } else {
            a = run_once(o, file.path(), true);
            b = run_once(o, file.path(), false);
        }
        on.push_back(a);
        off.push_back(b);
        ratio.push_back(a / b);
    }
    const Spread s_on = spread(on), s_off = spread(off), s_ratio = spread(ratio);
    if (o.json) {
        std::printf(
            "{\"depth\":%u,\"block_bytes\":%zu,\"file_mib\":%zu,\"seconds_per_run\":%g,\"rounds\":%d,"
            "\"on_iops\":{\"median\":%.0f,\"min\":%.0f,\"max\":%.0f},"
            "\"off_iops\":{\"median\":%.0f,\"min\":%.0f,\"max\":%.0f},"
            "\"ratio\":{\"median\":%.4f,\"min\":%.4f,\"max\":%.4f}}\n",
            o.depth, kBlock, o.size_mib, o.seconds, o.rounds, s_on.median, s_on.min, s_on.max, s_off.median, s_off.min,
            s_off.max, s_ratio.median, s_ratio.min, s_ratio.max);
    } else {
        std::printf("cached 4 KiB random reads, QD %u, %zu MiB file, %.2f s per run, %d rounds (alternating)\n",
                    o.depth, o.size_mib, o.seconds, o.rounds);
        std::printf("%-13s %12s %12s %12s\n", "recorder", "median IOPS", "min", "max");
        std::printf("%-13s %12.0f %12.0f %12.0f\n", "off", s_off.median, s_off.min, s_off.max);
        std::printf("%-13s %12.0f %12.0f %12.0f\n", "on", s_on.median, s_on.min, s_on.max);
        std::printf("ratio on/off: median of per-round ratios %.3f [%.3f-%.3f]\n", s_ratio.median, s_ratio.min,
                    s_ratio.max);
    }
    return 0;
}
