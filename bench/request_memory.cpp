// wdfio_bench_memory: what a request in flight costs in memory (issue 5,
// target 6: request + its location + timer slot <= 512 bytes).
//
// Bytes are glibc's heap count (mallinfo2: uordblks + hblkhd, every arena),
// with requests counted at their real size: a request comes from wdfio's
// request pool (slabs of 64, kept for reuse), so the heap moves only when a
// slab is added; the pool's in-use count says how many requests were taken.
// Taken before and after holding N requests at once:
//   created     N driver-created requests (Request::create), formatted, idle;
//   in flight   the same N sent down an in-process stack whose bottom, a RAM
//               disk, has a manual queue nobody drains: each send waits there
//               as a queue-delivered request (its location one level down),
//               taken from the device's pool (which grows to N) and kept by
//               its sender for the next send, as an IRP keeps its locations;
//   timed       the same N sent again with a timeout: the engine's timer wheel
//               links requests through their own fields, so this should be 0;
//   fixed       N reads into windows of one registered Memory
//               (Memory::allocate_registered: READ_FIXED on io_uring) held in
//               flight at the OS, on an empty pipe: the operation record lives
//               in the request, so this too should be 0 beyond the requests.
// Then everything is cancelled (each completion checked) and torn down.
//
//   wdfio_bench_memory [--count N] [--json]
#include <wdfio/wdfio.hpp>

#include "pass_through_stack.hpp"

#include <malloc.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <string>
#include <thread>
#include <vector>

namespace {

using namespace wdfio;
using namespace std::chrono_literals;

long long glibc_heap_bytes() {
    const struct mallinfo2 m = mallinfo2();
    return static_cast<long long>(m.uordblks) + static_cast<long long>(m.hblkhd);
}

// The heap minus the request pool's free slots: what the live objects take.
long long heap_bytes() {
    const RequestPoolStats p = request_pool_stats();
    const auto free_slots = static_cast<long long>(p.capacity - p.in_use);
    return glibc_heap_bytes() - free_slots * static_cast<long long>(sizeof(Request));
}

[[noreturn]] void fail(const std::string& what, Status st = STATUS_SUCCESS) {
    std::fprintf(stderr, "wdfio_bench_memory: %s%s%s\n", what.c_str(), st.ok() ? "" : ": ",
                 st.ok() ? "" : st.to_string().c_str());
    std::exit(1);
}

using wdfio_bench::must;

// The RAM disk's queue is manual and nobody drains it: sends wait there.
struct Stack : wdfio_bench::PassThroughStack {
    Stack(Engine& engine, int levels) : PassThroughStack(engine, levels, {"", QueueDispatch::Manual}) {}
};

struct Completions {
    std::atomic<int> done{0}, cancelled{0};
    static void routine(Request&, IoTarget&, const CompletionParams& p, void* c) {
        auto* self = static_cast<Completions*>(c);
        if (p.status == Status(STATUS_CANCELLED)) self->cancelled.fetch_add(1);
        self->done.fetch_add(1);
    }
};

// Formats and sends every request; returns once they all wait in the bottom queue.
void send_all(std::vector<Ref<Request>>& requests, Stack& s, const Ref<Memory>& buffer, Completions& c,
              const SendOptions& options) {
    for (auto& r : requests) {
        r->reuse();
        if (Status st = r->format_read(*s.top, buffer, {}, 0); !st.ok()) fail("format_read", st);
        r->set_completion(&Completions::routine, &c);
        if (!r->send(*s.top, options)) fail("send", r->status());
    }
    for (int i = 0; s.disk->device().default_queue().waiting() < requests.size(); ++i) {
        if (i == 5000) fail("the requests never all reached the RAM disk's queue");
        std::this_thread::sleep_for(1ms);
    }
}

// Cancels every request and checks each completed once, with STATUS_CANCELLED.
void cancel_all(std::vector<Ref<Request>>& requests, Completions& c) {
    for (auto& r : requests) r->cancel_sent_request();
    const int n = static_cast<int>(requests.size());
    for (int i = 0; c.done.load() < n; ++i) {
        if (i == 5000) fail(std::to_string(c.done.load()) + " of " + std::to_string(n) + " cancels completed");
        std::this_thread::sleep_for(1ms);
    }
    if (c.cancelled.load() != n) fail(std::to_string(n - c.cancelled.load()) + " requests did not end cancelled");
    c.done = 0;
    c.cancelled = 0;
}

struct Measured {
    int levels = 0;
    long long created = 0, in_flight = 0, timed = 0, pool_kept = 0, left_after_teardown = 0;
};

Measured measure(Engine& engine, int levels, std::size_t count, const Ref<Memory>& buffer) {
    Measured m;
    m.levels = levels;
    std::vector<Ref<Request>> requests;
    requests.reserve(count);
    Completions c;
    const long long before_stack = heap_bytes();
    {
        Stack s(engine, levels);
        const long long base = heap_bytes();
        for (std::size_t i = 0; i < count; ++i) requests.push_back(must(Request::create(*s.top), "Request::create"));
        m.created = heap_bytes() - base;

        const long long idle = heap_bytes();
        send_all(requests, s, buffer, c, {});
        m.in_flight = heap_bytes() - idle;
        cancel_all(requests, c);
        m.pool_kept = heap_bytes() - idle;

        const long long pooled = heap_bytes();
        send_all(requests, s, buffer, c, SendOptions{}.timeout_after(60s));
        m.timed = heap_bytes() - pooled;
        cancel_all(requests, c);
        requests.clear();
    }
    m.left_after_teardown = heap_bytes() - before_stack;
    return m;
}

// N reads through registered memory waiting at the OS (an empty pipe), then cancelled.
struct FixedMeasured {
    long long created = 0, in_flight = 0;
    bool registered = false;
};

FixedMeasured measure_fixed(Engine& engine, std::size_t count) {
    FixedMeasured m;
    int fds[2];
    if (pipe(fds) != 0) fail("pipe");
    auto target = must(IoTarget::from_fd(engine, fds[0], "pipe"), "IoTarget::from_fd");
    constexpr std::size_t kBlock = 512;
    const Ref<Memory> buffer = must(Memory::allocate_registered(engine, count * kBlock), "allocate_registered");
    m.registered = buffer->registered();
    std::vector<Ref<Request>> requests;
    requests.reserve(count);
    Completions c;
    const long long base = heap_bytes();
    for (std::size_t i = 0; i < count; ++i) requests.push_back(must(Request::create(*target), "Request::create"));
    m.created = heap_bytes() - base;
    const long long idle = heap_bytes();
    for (std::size_t i = 0; i < count; ++i) {
        Request& r = *requests[i];
        if (Status st = r.format_read(*target, buffer, MemoryOffset{i * kBlock, kBlock}, 0); !st.ok())
            fail("format_read", st);
        r.set_completion(&Completions::routine, &c);
        if (!r.send(*target)) fail("send", r.status());
    }
    for (int i = 0; target->pending() < count; ++i) {
        if (i == 5000) fail("the reads never all reached the pipe");
        std::this_thread::sleep_for(1ms);
    }
    m.in_flight = heap_bytes() - idle;
    cancel_all(requests, c);
    requests.clear();
    target->close();
    ::close(fds[1]);
    return m;
}

}  // namespace

int main(int argc, char** argv) {
    std::size_t count = 1024;
    bool json = false;
    for (int i = 1; i < argc; ++i) {
        const std::string a = argv[i];
        if (a == "--json") json = true;
        else if (a == "--count" && i + 1 < argc) count = std::strtoul(argv[++i], nullptr, 10);
        else {
            std::fprintf(stderr, "usage: %s [--count N] [--json]\n", argv[0]);
            return 2;
        }
    }
    if (count == 0 || count > 1'000'000) {
        std::fprintf(stderr, "wdfio_bench_memory: --count must be between 1 and 1000000\n");
        return 2;
    }
    Engine engine;
    const Ref<Memory> buffer = must(Memory::allocate(512), "Memory::allocate");
    measure(engine, 2, 16, buffer);  // warm-up: first-use allocations stay out of the numbers
    Measured runs[] = {measure(engine, 1, count, buffer), measure(engine, 2, count, buffer)};
    measure_fixed(engine, 16);  // warm-up, as above
    const FixedMeasured fixed = measure_fixed(engine, count);

    const double n = static_cast<double>(count);
    if (json) {
        std::printf("{\"sizeof_request\":%zu,\"alignof_request\":%zu,\"count\":%zu,\"stacks\":[", sizeof(Request),
                    alignof(Request), count);
        for (const Measured& m : runs)
            std::printf(
                "%s{\"levels\":%d,\"created_bytes_per_request\":%.1f,\"in_flight_extra_bytes_per_request\":%.1f,"
                "\"in_flight_bytes_per_request\":%.1f,\"timed_extra_bytes_per_request\":%.1f,"
                "\"pool_kept_bytes\":%lld,\"left_after_teardown_bytes\":%lld}",
                &m == runs ? "" : ",", m.levels, m.created / n, m.in_flight / n, (m.created + m.in_flight) / n,
                m.timed / n, m.pool_kept, m.left_after_teardown);
        const RequestPoolStats pool = request_pool_stats();
        std::printf(
            "],\"fixed\":{\"registered\":%s,\"created_bytes_per_request\":%.1f,"
            "\"in_flight_extra_bytes_per_request\":%.1f}",
            fixed.registered ? "true" : "false", fixed.created / n, fixed.in_flight / n);
        std::printf(",\"pool\":{\"slots\":%zu,\"bytes\":%zu,\"in_use\":%zu}}\n", pool.capacity, pool.bytes,
                    pool.in_use);
        return 0;
    }
    std::printf("sizeof(Request) = %zu (alignof %zu); heap bytes per request, %zu held at once (mallinfo2)\n",
                sizeof(Request), alignof(Request), count);
    std::printf("levels  created  + in flight  = total  timed extra  pool kept after cancel  left after teardown\n");
    for (const Measured& m : runs)
        std::printf("%6d  %7.1f  %11.1f  %7.1f  %11.1f  %15lld bytes  %13lld bytes\n", m.levels, m.created / n,
                    m.in_flight / n, (m.created + m.in_flight) / n, m.timed / n, m.pool_kept, m.left_after_teardown);
    std::printf("fixed-buffer reads at the OS (%s): created %.1f + in flight %.1f bytes per request\n",
                fixed.registered ? "READ_FIXED" : "no ring: ordinary reads", fixed.created / n, fixed.in_flight / n);
    const RequestPoolStats pool = request_pool_stats();
    std::printf("in flight: the queue-delivered request(s) one level down per send; issue 5 target: <= 512 bytes\n");
    std::printf("request pool now: %zu slots, %zu bytes (%.1f per slot), %zu in use\n", pool.capacity, pool.bytes,
                pool.capacity ? static_cast<double>(pool.bytes) / static_cast<double>(pool.capacity) : 0.0,
                pool.in_use);
    return 0;
}
