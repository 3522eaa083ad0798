// Zero heap allocations per request in steady state (issues 4 and 5): counts,
// not time. Every operator new is replaced here, and malloc and friends are
// wrapped at link time (-Wl,--wrap) for the code linked into this binary,
// libwdfio included. The count runs on all threads while a window is open.
#include "support/test_util.hpp"

#include <cstdlib>
#include <new>
#include <thread>

namespace {
std::atomic<bool> g_counting{false};
std::atomic<std::uint64_t> g_allocations{0};

void note() {
    if (g_counting.load(std::memory_order_relaxed)) g_allocations.fetch_add(1, std::memory_order_relaxed);
}

// Counts what happens between construction and count().
struct Window {
    Window() {
        g_allocations.store(0);
        g_counting.store(true);
    }
    std::uint64_t count() {
        g_counting.store(false);
        return g_allocations.load();
    }
};
}  // namespace

extern "C" {
void* __real_malloc(std::size_t);
void* __real_calloc(std::size_t, std::size_t);
void* __real_realloc(void*, std::size_t);
void* __real_aligned_alloc(std::size_t, std::size_t);
int __real_posix_memalign(void**, std::size_t, std::size_t);
void* __wrap_malloc(std::size_t n) { return note(), __real_malloc(n); }
void* __wrap_calloc(std::size_t a, std::size_t b) { return note(), __real_calloc(a, b); }
void* __wrap_realloc(void* p, std::size_t n) { return note(), __real_realloc(p, n); }
void* __wrap_aligned_alloc(std::size_t a, std::size_t n) { return note(), __real_aligned_alloc(a, n); }
int __wrap_posix_memalign(void** p, std::size_t a, std::size_t n) { return note(), __real_posix_memalign(p, a, n); }
}

void* operator new(std::size_t n) {
    note();
    if (void* p = std::malloc(n ? n : 1)) return p;
    throw std::bad_alloc();
}
void* operator new[](std::size_t n) { return operator new(n); }
void* operator new(std::size_t n, const std::nothrow_t&) noexcept { return note(), std::malloc(n ? n : 1); }
void* operator new[](std::size_t n, const std::nothrow_t&) noexcept { return note(), std::malloc(n ? n : 1); }
void* operator new(std::size_t n, std::align_val_t a) {
    note();
    void* p = nullptr;
    if (posix_memalign(&p, static_cast<std::size_t>(a), n ? n : 1) == 0) return p;
    throw std::bad_alloc();
}
void* operator new[](std::size_t n, std::align_val_t a) { return operator new(n, a); }
void* operator new(std::size_t n, std::align_val_t a, const std::nothrow_t&) noexcept {
    note();
    void* p = nullptr;
    return posix_memalign(&p, static_cast<std::size_t>(a), n ? n : 1) == 0 ? p : nullptr;
}
// Every operator new above gets its memory from malloc or posix_memalign, so
// free is the matching release; GCC cannot see that through the replacement.
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wmismatched-new-delete"
void operator delete(void* p) noexcept { std::free(p); }
void operator delete[](void* p) noexcept { std::free(p); }
void operator delete(void* p, std::size_t) noexcept { std::free(p); }
void operator delete[](void* p, std::size_t) noexcept { std::free(p); }
void operator delete(void* p, std::align_val_t) noexcept { std::free(p); }
void operator delete[](void* p, std::align_val_t) noexcept { std::free(p); }
#pragma GCC diagnostic pop
void operator delete(void* p, std::size_t, std::align_val_t) noexcept { std::free(p); }
void operator delete(void* p, const std::nothrow_t&) noexcept { std::free(p); }
void operator delete(void* p, std::align_val_t, const std::nothrow_t&) noexcept { std::free(p); }

using namespace wdfio;

namespace {

// Re-sends from its routine until `remaining` runs out (asynchronous load).
struct Loop {
    Ref<Request> request;
    Ref<IoTarget> target;
    Ref<Memory> buffer;
    std::atomic<int> remaining{0};
    std::atomic<int> finished{0};
    std::atomic<int> failures{0};

    static void routine(Request& r, IoTarget& t, const CompletionParams& p, void* ctx) {
        auto* l = static_cast<Loop*>(ctx);
        if (!p.status.ok()) l->failures.fetch_add(1);
        if (l->remaining.fetch_sub(1) <= 1) {
            l->finished.fetch_add(1);
            return;
        }
        r.format_read(t, l->buffer, {}, (l->remaining.load() % 16) * 4096);
        r.set_completion(&Loop::routine, ctx);
        if (!r.send(t)) l->failures.fetch_add(1);
    }
    void run(int n) {
        remaining.store(n);
        const int before = finished.load();
        request->format_read(*target, buffer, {}, 0);
        request->set_completion(&Loop::routine, this);
        ASSERT_TRUE(request->send(*target));
        ASSERT_TRUE(test::wait_for_count(finished, before + 1));
    }
};

}  // namespace

TEST(Allocations, FileReadsThroughTheEngine) {  // issue 5, load 1
    Engine engine;
    test::TempFile file(16 * 4096);
    std::vector<Loop> loops(32);
    for (auto& l : loops) {
        l.target = IoTarget::open(engine, file.path(), OpenOptions::read_only()).value();
        l.request = Request::create(*l.target).value();
        l.buffer = Memory::allocate(4096).value();
        l.run(200);  // warm up
    }
    Window w;
    for (auto& l : loops) l.run(2000);
    EXPECT_EQ(w.count(), 0u);
    for (auto& l : loops) EXPECT_EQ(l.failures.load(), 0);
}

TEST(Allocations, FileReadsThroughRegisteredBuffers) {  // issue 16: READ_FIXED from the routine
    Engine engine;
    test::TempFile file(16 * 4096);
    std::vector<Loop> loops(32);
    for (auto& l : loops) {
        l.target = IoTarget::open(engine, file.path(), OpenOptions::read_only()).value();
        l.request = Request::create(*l.target).value();
        l.buffer = Memory::allocate_registered(engine, 4096).value();
        EXPECT_EQ(l.buffer->registered(), engine.backend() == BackendKind::Uring);
        l.run(200);  // warm up
    }
    Window w;
    for (auto& l : loops) l.run(2000);
    EXPECT_EQ(w.count(), 0u);
    for (auto& l : loops) EXPECT_EQ(l.failures.load(), 0);
}

// Writes through registered buffers (WRITE_FIXED), each sent from this thread
// (the hand-over path), a window of one registered buffer per request.
TEST(Allocations, WritesThroughRegisteredBuffersHandedOver) {  // issue 16
    Engine engine;
    test::TempFile file(16 * 4096);
    auto target = IoTarget::open(engine, file.path()).value();
    constexpr int kDepth = 32;
    auto buffer = Memory::allocate_registered(engine, kDepth * 4096).value();
    std::vector<Ref<Request>> rs;
    rs.reserve(kDepth);
    std::atomic<int> done{0}, failed{0};
    for (int i = 0; i < kDepth; ++i) rs.push_back(Request::create(*target).value());
    auto round = [&] {
        const int before = done.load();
        for (int i = 0; i < kDepth; ++i) {
            rs[i]->reuse();
            rs[i]->format_write(*target, buffer, MemoryOffset{std::size_t(i) * 4096, 4096}, (i % 16) * 4096);
            rs[i]->set_completion([&](Request&, IoTarget&, const CompletionParams& p) {
                if (!p.status.ok()) failed.fetch_add(1);
                done.fetch_add(1);
            });
            ASSERT_TRUE(rs[i]->send(*target));
        }
        while (done.load() < before + kDepth) std::this_thread::yield();
    };
    for (int i = 0; i < 50; ++i) round();  // warm up
    Window w;
    for (int i = 0; i < 500; ++i) round();
    EXPECT_EQ(w.count(), 0u);
    EXPECT_EQ(failed.load(), 0);
}

TEST(Allocations, SendsHandedOverFromAnotherThread) {  // issue 5, load 3
    Engine engine;
    test::TempFile file(16 * 4096);
    auto target = IoTarget::open(engine, file.path(), OpenOptions::read_only()).value();
    constexpr int kDepth = 32;
    std::vector<Ref<Request>> rs;
    std::vector<Ref<Memory>> bufs;
    std::atomic<int> done{0};
    for (int i = 0; i < kDepth; ++i) {
        rs.push_back(Request::create(*target).value());
        bufs.push_back(Memory::allocate(4096).value());
    }
    auto round = [&] {
        const int before = done.load();
        for (int i = 0; i < kDepth; ++i) {
            rs[i]->reuse();
            rs[i]->format_read(*target, bufs[i], {}, (i % 16) * 4096);
            rs[i]->set_completion([&done](Request&, IoTarget&, const CompletionParams&) { done.fetch_add(1); });
            ASSERT_TRUE(rs[i]->send(*target));
        }
        while (done.load() < before + kDepth) std::this_thread::yield();
    };
    for (int i = 0; i < 50; ++i) round();  // warm up
    Window w;
    for (int i = 0; i < 500; ++i) round();
    EXPECT_EQ(w.count(), 0u);
}

TEST(Allocations, SenderFilterRamDisk) {  // issues 4 and 5, load 4
    Engine engine;
    auto disk = RamDisk::create(engine, 1 << 20).value();
    PassThroughFilter filter;
    auto device = Device::create_above(engine, filter, *disk->device().open_target().value()).value();
    auto top = device->open_target().value();
    auto req = Request::create(*top).value();
    auto buf = Memory::allocate(512).value();
    int completions = 0;
    auto once = [&](int i) {
        req->reuse();
        req->format_read(*top, buf, {}, (i % 64) * 512);
        req->set_completion([&completions](Request&, IoTarget&, const CompletionParams& p) {
            if (p.status.ok()) ++completions;
        });
        ASSERT_TRUE(req->send(*top));  // completes inline: RAM disk below
    };
    for (int i = 0; i < 1000; ++i) once(i);  // warm up: fills the devices' request pools
    Window w;
    for (int i = 0; i < 100000; ++i) once(i);
    EXPECT_EQ(w.count(), 0u);
    EXPECT_EQ(completions, 101000);
    device->remove();
}

TEST(Allocations, TheCounterCounts) {  // the hook is live: a test of the test
    Window w;
    auto m = Memory::allocate(64);
    auto r = Request::create();
    EXPECT_GE(w.count(), 2u);
}
