// wdfio_bench_stack: what does a level of an in-process device stack cost?
//
// 512-byte reads from a RAM disk through 1, 2 and 4 levels (sender → pass-
// through filters → RAM disk; completion inline, as in KMDF), and io_uring
// NOPs submitted in batches of 32 on one ring, measured alternately in one
// run. A hop is (time through 4 levels − time through 1) / 3; the bar is one
// batched NOP.
//
//   wdfio_bench_stack [--requests N] [--rounds N] [--json] [--quick]
#include <wdfio/wdfio.hpp>

#include "pass_through_stack.hpp"

#include <liburing.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <string>
#include <vector>

namespace {

using Clock = std::chrono::steady_clock;
using namespace wdfio;

using Stack = wdfio_bench::PassThroughStack;

double ns_per_request(Stack& s, long n) {
    auto req = Request::create(*s.top).value();
    auto buf = Memory::allocate(512).value();
    long ok = 0;
    const auto start = Clock::now();
    for (long i = 0; i < n; ++i) {
        req->reuse();
        req->format_read(*s.top, buf, {}, (i & 1023) * 512);
        req->set_completion([&ok](Request&, IoTarget&, const CompletionParams& p) { ok += p.status.ok(); });
        req->send(*s.top);
    }
    const double ns = std::chrono::duration<double, std::nano>(Clock::now() - start).count() / n;
    if (ok != n) {
        std::fprintf(stderr, "wdfio_bench_stack: %ld of %ld reads failed\n", n - ok, n);
        std::exit(1);
    }
    return ns;
}

double ns_per_nop(long n) {
    io_uring ring;
    if (io_uring_queue_init(64, &ring, 0) < 0) return -1;
    const auto start = Clock::now();
    for (long done = 0; done < n; done += 32) {
        for (int i = 0; i < 32; ++i) io_uring_prep_nop(io_uring_get_sqe(&ring));
        io_uring_submit_and_wait(&ring, 32);
        io_uring_cq_advance(&ring, 32);
    }
    const double ns = std::chrono::duration<double, std::nano>(Clock::now() - start).count() / n;
    io_uring_queue_exit(&ring);
    return ns;
}

double median(std::vector<double> v) {
    std::sort(v.begin(), v.end());
    return v[v.size() / 2];
}

}  // namespace

int main(int argc, char** argv) {
    long requests = 2'000'000;
    int rounds = 5;
    bool json = false;
    for (int i = 1; i < argc; ++i) {
        const std::string a = argv[i];
        if (a == "--requests" && i + 1 < argc) requests = std::atol(argv[++i]);
        else if (a == "--rounds" && i + 1 < argc) rounds = std::atoi(argv[++i]);
        else if (a == "--json") json = true;
        else if (a == "--quick") requests = 50'000, rounds = 1;
        else {
            std::fprintf(stderr, "usage: %s [--requests N] [--rounds N] [--json] [--quick]\n", argv[0]);
            return 2;
        }
    }
    if (requests < 32 || rounds < 1) return 2;

    Engine engine;
    const int levels[] = {1, 2, 4};
    std::vector<std::unique_ptr<Stack>> stacks;
    for (int l : levels) stacks.push_back(std::make_unique<Stack>(engine, l));
    std::vector<double> per_level[3], nops;
    for (auto& s : stacks) ns_per_request(*s, requests / 10);  // warm the request pools
    for (int r = 0; r < rounds; ++r) {
        nops.push_back(ns_per_nop(requests));
        for (int i = 0; i < 3; ++i) per_level[i].push_back(ns_per_request(*stacks[i], requests));
    }
    const double nop = median(nops);
    double ns[3];
    for (int i = 0; i < 3; ++i) ns[i] = median(per_level[i]);
    const double hop = (ns[2] - ns[0]) / 3;
    if (json) {
        std::printf(
            "{\"ns_per_request\":{\"1\":%.1f,\"2\":%.1f,\"4\":%.1f},\"requests_per_second\":{\"1\":%.0f,"
            "\"2\":%.0f,\"4\":%.0f},\"ns_per_hop\":%.1f,\"ns_per_nop_batch32\":%.1f,\"hop_over_nop\":%.3f}\n",
            ns[0], ns[1], ns[2], 1e9 / ns[0], 1e9 / ns[1], 1e9 / ns[2], hop, nop, hop / nop);
        return 0;
    }
    std::printf("levels  ns/request  requests/s   (median of %d, %ld requests each)\n", rounds, requests);
    for (int i = 0; i < 3; ++i) std::printf("%6d  %10.1f  %11.0f\n", levels[i], ns[i], 1e9 / ns[i]);
    std::printf("one hop: %.1f ns; io_uring NOP in a batch of 32: %.1f ns; hop/NOP = %.2f (%s)\n", hop, nop, hop / nop,
                hop < nop ? "under one NOP" : "OVER one NOP");
    return 0;
}
