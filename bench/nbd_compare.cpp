// wdfio_bench_nbd: asynchronous 4 KiB random reads at QD 32 from an nbdkit
// memory export over a Unix socket: wdfio's NBD target (completion routines
// re-send on the engine thread) against libnbd's own asynchronous loop
// (nbd_aio_pread + nbd_poll) on one thread, alternating, medians (issue 14).
//
//   wdfio_bench_nbd [--seconds S] [--rounds N] [--connections N] [--quick]
//
// --connections N: the wdfio target opened with ?connections=N (multi-conn);
// libnbd's loop keeps its one handle.
//
// Starts its own server: nbdkit -U SOCK --exit-with-parent memory 1G (the
// memory plugin, whose reads are memcpy: what is measured is the client).
#include <wdfio/wdfio.hpp>

#include "xorshift64.hpp"

#include <libnbd.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
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
constexpr std::uint64_t kSize = 1ull << 30;
using cli::Xorshift64;

std::uint64_t next_offset(Xorshift64& rng) { return (rng.next() % (kSize / kBlock)) * kBlock; }

// wdfio: QD 32, each routine re-sends its request at a new offset.
double run_wdfio(IoTarget& t, double seconds) {
    std::vector<Ref<Request>> reqs;
    std::vector<Ref<Memory>> bufs;
    std::atomic<long> done{0};
    std::atomic<bool> stop{false};
    std::atomic<int> outstanding{0};
    Xorshift64 rng{7};  // engine thread only, once started
    // Request i reads into bufs[i]; its routine re-sends it.
    std::vector<std::function<void(Request&, IoTarget&, const CompletionParams&)>> routines(kDepth);
    for (int i = 0; i < kDepth; ++i) {
        bufs.push_back(Memory::allocate(kBlock).value());
        reqs.push_back(Request::create(t).value());
    }
    for (int i = 0; i < kDepth; ++i) {
        routines[i] = [&, i](Request& r, IoTarget& target, const CompletionParams& p) {
            if (!p.status.ok()) std::fprintf(stderr, "read failed: %s\n", p.status.to_string().c_str());
            done.fetch_add(1, std::memory_order_relaxed);
            if (stop.load(std::memory_order_relaxed)) {
                outstanding.fetch_sub(1);
                return;
            }
            r.reuse();
            r.format_read(target, bufs[i], {}, static_cast<std::int64_t>(next_offset(rng)));
            r.set_completion(routines[i]);
            if (!r.send(target)) outstanding.fetch_sub(1);
        };
    }
    Xorshift64 first{3};
    const auto start = Clock::now();
    for (int i = 0; i < kDepth; ++i) {
        reqs[i]->format_read(t, bufs[i], {}, static_cast<std::int64_t>(next_offset(first)));
        reqs[i]->set_completion(routines[i]);
        outstanding.fetch_add(1);
        if (!reqs[i]->send(t)) outstanding.fetch_sub(1);
    }
    std::this_thread::sleep_for(std::chrono::duration<double>(seconds));
    stop.store(true);
    const long n = done.load();
    const double elapsed = std::chrono::duration<double>(Clock::now() - start).count();
    while (outstanding.load() > 0) std::this_thread::sleep_for(std::chrono::milliseconds(1));
    return static_cast<double>(n) / elapsed;
}

// libnbd alone: keep 32 reads in flight, nbd_poll, count completions.
double run_libnbd(nbd_handle* h, double seconds) {
    static long completed;
    completed = 0;
    std::vector<std::vector<char>> bufs(kDepth, std::vector<char>(kBlock));
    Xorshift64 rng{7};
    auto cb = [](void*, int* error) -> int {
        if (*error) std::fprintf(stderr, "read failed: %s\n", std::strerror(*error));
        ++completed;
        return 1;
    };
    int slot = 0;
    const auto start = Clock::now();
    const auto end = start + std::chrono::duration<double>(seconds);
    long n = 0;
    while (Clock::now() < end) {
        while (nbd_aio_in_flight(h) < kDepth) {
            nbd_aio_pread(h, bufs[slot].data(), kBlock, next_offset(rng), {cb, nullptr, nullptr}, 0);
            slot = (slot + 1) % kDepth;
        }
        if (nbd_poll(h, -1) == -1) {
            std::fprintf(stderr, "nbd_poll: %s\n", nbd_get_error());
            return 0;
        }
    }
    n = completed;
    const double elapsed = std::chrono::duration<double>(Clock::now() - start).count();
    while (nbd_aio_in_flight(h) > 0) nbd_poll(h, -1);
    return static_cast<double>(n) / elapsed;
}

double median(std::vector<double> v) {
    std::sort(v.begin(), v.end());
    return v[v.size() / 2];
}

}  // namespace

int main(int argc, char** argv) {
    double seconds = 2;
    int rounds = 5;
    int connections = 1;
    for (int i = 1; i < argc; ++i) {
        if (!std::strcmp(argv[i], "--quick")) {
            seconds = 0.3;
            rounds = 1;
        } else if (!std::strcmp(argv[i], "--seconds") && i + 1 < argc) seconds = std::atof(argv[++i]);
        else if (!std::strcmp(argv[i], "--rounds") && i + 1 < argc) rounds = std::atoi(argv[++i]);
        else if (!std::strcmp(argv[i], "--connections") && i + 1 < argc) connections = std::atoi(argv[++i]);
        else {
            std::fprintf(stderr, "usage: wdfio_bench_nbd [--seconds S] [--rounds N] [--connections N] [--quick]\n");
            return 2;
        }
    }
    char dir[] = "/tmp/wdfio-bench-nbd-XXXXXX";
    if (!mkdtemp(dir)) return 1;
    const std::string sock = std::string(dir) + "/sock", pid = std::string(dir) + "/pid";
    const pid_t server = fork();
    if (server == 0) {
        execlp("nbdkit", "nbdkit", "-U", sock.c_str(), "-P", pid.c_str(), "-f", "--exit-with-parent", "memory", "1G",
               nullptr);
        std::perror("nbdkit (apt-get install nbdkit)");
        _exit(127);
    }
    for (int i = 0; i < 2000; ++i) {
        struct stat st {};
        if (stat(pid.c_str(), &st) == 0 && st.st_size > 0) break;
        std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
    const std::string uri = "nbd+unix:///?socket=" + sock;
    int rc = 0;
    {
        Engine engine;
        auto target = IoTarget::open(engine, uri + "&connections=" + std::to_string(connections));
        nbd_handle* h = nbd_create();
        if (!target || !h || nbd_connect_uri(h, uri.c_str()) == -1) {
            std::fprintf(stderr, "cannot connect to nbdkit at %s\n", sock.c_str());
            rc = 1;
        } else {
            std::vector<double> a, b;
            for (int r = 0; r < rounds; ++r) {
                a.push_back(run_wdfio(*target, seconds));
                b.push_back(run_libnbd(h, seconds));
                std::printf("round %d: wdfio %.0f IOPS, libnbd %.0f IOPS\n", r + 1, a.back(), b.back());
            }
            const double ma = median(a), mb = median(b);
            std::printf("median: wdfio %.0f IOPS (%.0f-%.0f), libnbd aio %.0f IOPS (%.0f-%.0f), ratio %.3f\n", ma,
                        *std::min_element(a.begin(), a.end()), *std::max_element(a.begin(), a.end()), mb,
                        *std::min_element(b.begin(), b.end()), *std::max_element(b.begin(), b.end()), ma / mb);
            target->close();
        }
        if (h) nbd_close(h);
    }
    kill(server, SIGTERM);
    waitpid(server, nullptr, 0);
    unlink(sock.c_str());
    unlink(pid.c_str());
    rmdir(dir);
    return rc;
}
