// The sequence fuzzer: each input is a RAM-disk stack (a RAM disk, perhaps a
// fault filter above it — failing, delaying, shortening or holding a share of
// the requests — perhaps a pass-through filter on top) and a sequence of calls
// on its top target from one thread: create a request, format it, send it
// (with or without a timeout or IGNORE_TARGET_STATE), cancel it, reuse it,
// delete it, and stop, start and purge the target. Then everything is torn
// down: the target closed, the devices removed. After each input, every
// accepted send's completion routine ran exactly once (a refused send's:
// never), and every request and memory object created was destroyed.
//
// The fuzzer plays a correct driver: a request is the driver's again only once
// its routine has run (until then only a cancel or a wait touches it), as in
// KMDF; misuse is for the handles fuzzer and the verifier's own tests.
#include "fuzz_input.hpp"

#include <wdfio/wdfio.hpp>

#include <linux/fs.h>

#include <array>
#include <atomic>
#include <chrono>
#include <memory>
#include <thread>
#include <vector>

extern "C" const char* __asan_default_options() { return "allocator_may_return_null=1"; }

namespace {

using namespace wdfio;
using fuzz::FuzzInput;

constexpr const char* kName = "sequence fuzzer";
constexpr std::uint64_t kDiskSize = 64 * 1024;
constexpr int kSlots = 4;
constexpr int kMaxCalls = 64;

void expect(bool ok, const char* what) { fuzz::fuzz_expect(ok, kName, what); }

// Created and destroyed objects, counted by their destroy callbacks.
std::atomic<long> g_requests_created{0}, g_requests_destroyed{0}, g_memory_created{0}, g_memory_destroyed{0};
void request_destroyed(Object&) { g_requests_destroyed.fetch_add(1); }
void memory_destroyed(Object&) { g_memory_destroyed.fetch_add(1); }

Engine& engine(int backend) {
    static Engine* engines[2] = {new Engine(EngineOptions{.backend = BackendKind::Uring}),
                                 new Engine(EngineOptions{.backend = BackendKind::Threads})};
    return *engines[backend];
}

// One send's routine calls; a new one for every send, so that a late second call shows.
struct Calls {
    static void routine(Request& r, IoTarget&, const CompletionParams&, void* context) {
        auto* self = static_cast<Calls*>(context);
        if (r.is_outstanding()) self->outstanding_in_routine = true;
        self->count.fetch_add(1);
    }
    std::atomic<int> count{0};
    std::atomic<bool> outstanding_in_routine{false};
    int wanted = 0;
};

bool wait_for(const std::atomic<int>& count, int want, std::chrono::milliseconds limit) {
    const auto deadline = std::chrono::steady_clock::now() + limit;
    while (count.load() < want)
        if (std::chrono::steady_clock::now() > deadline) return false;
        else std::this_thread::sleep_for(std::chrono::microseconds(50));
    return true;
}

// The stack, built from the input's first bytes; torn down top first.
struct RamStack {
    Status build(FuzzInput& in, Engine& e) {
        auto disk_created = RamDisk::create(e, kDiskSize);
        if (!disk_created) return disk_created.status();
        disk = std::move(disk_created).value();
        auto lower = disk->device().open_target();
        if (!lower) return lower.status();
        top = lower.value();
        if (in.flag()) {
            FaultConfig config;
            config.seed = in.byte();
            config.share = in.below(5) / 4.0;
            config.mode = static_cast<FaultMode>(in.below(4));
            config.delay = std::chrono::microseconds(1 + in.below(200) * 10);
            config.short_fraction = in.below(4) / 4.0;
            config.types = in.below(32);
            holds = config.mode == FaultMode::NeverComplete && config.share > 0;
            auto created = FaultFilter::create(e, *top, config);
            if (!created) return created.status();
            fault = std::move(created).value();
            auto t = fault->device().open_target();
            if (!t) return t.status();
            top = t.value();
        }
        if (in.flag()) {
            pass = std::make_unique<PassThroughFilter>();
            auto d = Device::create_above(e, *pass, *top);
            if (!d) return d.status();
            pass_device = d.value();
            auto t = pass_device->open_target();
            if (!t) return t.status();
            top = t.value();
        }
        return STATUS_SUCCESS;
    }
    void tear_down() {
        if (top) top->close();
        top = nullptr;
        if (pass_device) pass_device->remove();
        pass_device = nullptr;
        fault.reset();  // removes its device and the disk's target below it
        disk.reset();
        pass.reset();
    }

    std::unique_ptr<RamDisk> disk;
    std::unique_ptr<FaultFilter> fault;
    std::unique_ptr<PassThroughFilter> pass;
    Ref<Device> pass_device;
    Ref<IoTarget> top;
    bool holds = false;  // some requests are held until cancelled: no stop or purge that waits
};

struct Slot {
    Ref<Request> request;
    Ref<Memory> buffer;
    Calls* last = nullptr;  // the latest accepted send's calls
    // Sent and its routine not run yet: the framework's, not the driver's.
    bool busy() const { return last && last->count.load() == 0; }
};

Ref<Memory> counted_memory(std::size_t size) {
    ObjectAttributes a;
    a.destroy = &memory_destroyed;
    auto m = Memory::allocate(size, a);
    if (!m) return nullptr;
    g_memory_created.fetch_add(1);
    return m.value();
}

void format(FuzzInput& in, Slot& s, IoTarget& target) {
    if (!s.request || s.busy()) return;
    if (!s.buffer) s.buffer = counted_memory(512u << in.below(4));
    if (!s.buffer) return;
    const std::int64_t offset = static_cast<std::int64_t>(in.below(160)) * 512;  // some past the end
    const std::optional<MemoryOffset> window =
        in.flag() ? std::optional<MemoryOffset>{} : MemoryOffset{in.below(4) * 128u, in.below(4) * 128u};
    switch (in.below(5)) {
    case 0: s.request->format_read(target, s.buffer, window, offset); break;
    case 1: s.request->format_write(target, s.buffer, window, offset); break;
    case 2: s.request->format_ioctl(target, BLKGETSIZE64, nullptr, {}, s.buffer, window); break;
    case 3: s.request->format_ioctl(target, in.take<std::uint32_t>(), s.buffer, window, s.buffer, window); break;
    default: s.request->format_internal_ioctl(target, in.take<std::uint32_t>(), s.buffer, window, nullptr, {});
    }
}

void send(FuzzInput& in, Slot& s, IoTarget& target, std::vector<std::unique_ptr<Calls>>& calls) {
    if (!s.request || s.busy()) return;
    SendOptions o;
    const std::uint8_t bits = in.byte();
    if (bits & 1) o.ignore_target_state();
    if (bits & 2) o.timeout_after(std::chrono::microseconds(1 + in.below(50) * 20));
    calls.push_back(std::make_unique<Calls>());
    Calls* c = calls.back().get();
    s.request->set_completion(&Calls::routine, c);
    const bool accepted = s.request->send(target, o);
    if (std::getenv("WDFIO_FUZZ_TRACE"))
        std::fprintf(stderr, "  send (flags %u): %s, %s\n", o.flags, accepted ? "accepted" : "refused",
                     s.request->status().to_string().c_str());
    c->wanted = accepted ? 1 : 0;
    if (accepted) s.last = c;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    Verifier::set_mode(VerifierMode::Report);
    FuzzInput in(data, size);
    Engine& e = engine(in.flag() ? 1 : 0);
    const long requests_before = g_requests_created.load() - g_requests_destroyed.load();
    const long memory_before = g_memory_created.load() - g_memory_destroyed.load();
    static const bool tracing = std::getenv("WDFIO_FUZZ_TRACE") != nullptr;  // each call on stderr
    RamStack stack;
    expect(stack.build(in, e).ok(), "the RAM-disk stack could not be built");
    if (tracing)
        std::fprintf(stderr, "stack: fault %d (mode %d, share %.2f, types %u), pass-through %d\n",
                     stack.fault != nullptr, stack.fault ? static_cast<int>(stack.fault->config().mode) : -1,
                     stack.fault ? stack.fault->config().share : 0.0, stack.fault ? stack.fault->config().types : 0u,
                     stack.pass != nullptr);
    IoTarget& target = *stack.top;
    std::array<Slot, kSlots> slots;
    std::vector<std::unique_ptr<Calls>> calls;

    for (int step = 0; step < kMaxCalls && !in.empty(); ++step) {
        const unsigned call = in.below(12);
        const unsigned slot = in.below(kSlots);
        Slot& s = slots[slot];
        if (tracing) std::fprintf(stderr, "call %u on slot %u\n", call, slot);
        switch (call) {
        case 0:
            if (!s.request) {
                ObjectAttributes a;
                a.destroy = &request_destroyed;
                auto r = in.flag() ? Request::create(target, a) : Request::create(a);
                expect(static_cast<bool>(r), "Request::create failed");
                g_requests_created.fetch_add(1);
                s.request = r.value();
            }
            break;
        case 1:
        case 2: format(in, s, target); break;
        case 3:
        case 4: send(in, s, target, calls); break;
        case 5:
            if (s.request) s.request->cancel_sent_request();
            break;
        case 6:
            if (s.request && !s.busy()) expect(s.request->reuse().ok(), "reuse of a request the driver owns failed");
            break;
        case 7:
            if (s.request && !s.busy()) {
                expect(s.request->delete_object().ok(), "delete of a created request failed");
                s.request = nullptr;
                s.last = nullptr;
            }
            break;
        case 8: {
            // Waiting for sent I/O is allowed only when nothing is held forever.
            const unsigned action = in.below(3);
            target.stop(action == 0                   ? SentIoAction::Cancel
                        : action == 1 && !stack.holds ? SentIoAction::WaitForComplete
                                                      : SentIoAction::LeavePending);
            break;
        }
        case 9: target.start(); break;
        case 10: target.purge(in.flag() ? PurgeIoAction::Purge : PurgeIoAction::PurgeAndWait); break;
        default:
            if (s.last && !stack.holds && target.state() == IoTargetState::Started)
                expect(wait_for(s.last->count, 1, std::chrono::seconds(5)), "a sent request never completed");
            break;
        }
    }

    // Teardown: close cancels what is sent, fails what is parked, and waits.
    stack.tear_down();
    for (const auto& c : calls)
        expect(wait_for(c->count, c->wanted, std::chrono::seconds(5)), "an accepted send's routine never ran");
    std::this_thread::sleep_for(std::chrono::microseconds(200));
    for (const auto& c : calls) {
        expect(c->count.load() <= 1, "a completion routine ran twice");
        expect(c->count.load() == c->wanted, "a refused send's routine ran");
        expect(!c->outstanding_in_routine.load(), "a routine saw its request still outstanding");
    }
    for (auto& s : slots) {
        if (s.request) expect(s.request->delete_object().ok(), "delete of a created request failed");
        s = {};
    }
    expect(g_requests_created.load() - g_requests_destroyed.load() == requests_before, "a request leaked");
    expect(g_memory_created.load() - g_memory_destroyed.load() == memory_before, "a memory object leaked");
    return 0;
}
