// Recorder: rings, settings, snapshots (recorder.hpp says how a slot is written and read).
#include "core/recorder.hpp"

#include <wdfio/log.hpp>

#include "engine/engine_core.hpp"
#include "engine/engine_group.hpp"

#include <sys/syscall.h>
#include <unistd.h>

#include <algorithm>
#include <bit>
#include <cerrno>
#include <cinttypes>
#include <cstdlib>
#include <cstring>
#include <ctime>
#if defined(__x86_64__) || defined(__i386__)
#include <x86intrin.h>
#endif

namespace wdfio::detail {

namespace {
// GCC refuses std::atomic_thread_fence under ThreadSanitizer, which does not
// model fences; every word of a slot is an atomic, so it sees no race without.
inline void fence(std::memory_order order) noexcept {
#if defined(__SANITIZE_THREAD__)
    (void)order;
#else
    std::atomic_thread_fence(order);
#endif
}
}  // namespace

namespace {

std::uint64_t monotonic_ns() noexcept {
    timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return static_cast<std::uint64_t>(ts.tv_sec) * 1'000'000'000u + static_cast<std::uint64_t>(ts.tv_nsec);
}

// Timestamps. CLOCK_MONOTONIC costs about 55 ns per read through the vDSO on
// these VMs — a cached read takes about 2.3 us, and a send records 3 or 4
// events: 8% (measured with bench/recorder_cost.cpp). When the kernel's own
// clocksource is the TSC (invariant and synchronised across CPUs, which is
// what the kernel checks before it picks it), events carry the TSC instead,
// converted to CLOCK_MONOTONIC nanoseconds when read: against an anchor
// taken when the first recorder was made, so the error of a converted time
// stays within the jitter of one clock_gettime. Plain rdtsc, not rdtscp:
// rdtscp waits for every instruction before it and cost 3/4 of the
// recorder's time in a profile. rdtsc may run a few dozen cycles early; an
// event of another thread that this one follows is separated from it by a
// hand-over and a system call, far longer, and a ring's own events are kept
// in order when read (collect).
struct TscAnchor {
    std::uint64_t tsc = 0, ns = 0;
};
bool tsc_is_clocksource() {
#if !defined(__x86_64__) && !defined(__i386__)
    return false;
#endif
    std::FILE* f = std::fopen("/sys/devices/system/clocksource/clocksource0/current_clocksource", "r");
    if (!f) return false;
    char name[32] = {};
    const bool tsc = std::fgets(name, sizeof name, f) && std::strncmp(name, "tsc", 3) == 0 && name[3] == '\n';
    std::fclose(f);
    return tsc;
}
#if defined(__x86_64__) || defined(__i386__)
std::uint64_t read_tsc() noexcept { return __rdtsc(); }
#else
std::uint64_t read_tsc() noexcept { return monotonic_ns(); }  // not used: tsc_is_clocksource() is false
#endif
TscAnchor take_anchor() noexcept { return {read_tsc(), monotonic_ns()}; }
const TscAnchor& anchor() {
    static const TscAnchor a = take_anchor();
    return a;
}
bool use_tsc() {
    static const bool use = [] {
        if (!tsc_is_clocksource()) return false;
        anchor();
        return true;
    }();
    return use;
}

// What a thread keeps for the recorder, in one block: the library's objects
// are built for the shared library too, where each thread_local of the
// default model is a __tls_get_addr call; initial-exec makes it one load.
// `generation` and `ring`: the recorder this thread wrote to last and its
// ring there (null: that recorder's shared ring), cached — a generation is
// never reused, so a recorder destroyed since never matches. `owner` and
// `engine_thread`: that recorder, and whether this is one of its engine's
// threads (which outlive none of its events: the engine joins them first).
// `last_time`: the time of this thread's last event.
struct ThreadState {
    std::uint64_t generation = 0;
    EventRing* ring = nullptr;
    const Recorder* owner = nullptr;
    bool engine_thread = false;
    std::uint64_t last_time = 0;
    std::uint64_t offered = 0;  // offer_last_time's, until taken
    std::uint32_t id = 0;
};
thread_local ThreadState t_state __attribute__((tls_model("initial-exec")));

std::uint32_t thread_id() noexcept {
    if (t_state.id == 0) t_state.id = static_cast<std::uint32_t>(::syscall(SYS_gettid));
    return t_state.id;
}

// Live recorders, for the verifier's report (it knows only the request).
std::mutex g_registry_mutex;
std::vector<Recorder*> g_registry;
std::atomic<std::uint64_t> g_generations{0};

PackedEvent pack(const EventFields& f, bool tsc) noexcept {
    PackedEvent e;
    e.words[0] = f.time ? f.time : tsc ? read_tsc() : monotonic_ns();
    t_state.last_time = e.words[0];
    e.words[1] = f.request;
    e.words[2] = f.target;
    e.words[3] = f.bytes;
    e.words[4] = static_cast<std::uint32_t>(f.status) | std::uint64_t{thread_id()} << 32;
    e.words[5] = f.depth | std::uint64_t{static_cast<std::uint8_t>(f.kind)} << 32 |
                 std::uint64_t{static_cast<std::uint8_t>(f.type)} << 40 |
                 std::uint64_t{static_cast<std::uint8_t>(f.state)} << 48;
    return e;
}

RecorderEvent unpack(const PackedEvent& e, std::uint8_t ring) noexcept {
    RecorderEvent r;
    r.time_ns = e.words[0];
    r.request = e.words[1];
    r.target = e.words[2];
    r.bytes = e.words[3];
    r.status = Status(static_cast<NTSTATUS>(static_cast<std::uint32_t>(e.words[4])));
    r.thread = static_cast<std::uint32_t>(e.words[4] >> 32);
    r.depth = static_cast<std::uint32_t>(e.words[5]);
    r.kind = static_cast<RecorderEventKind>(static_cast<std::uint8_t>(e.words[5] >> 32));
    r.type = static_cast<RequestType>(static_cast<std::uint8_t>(e.words[5] >> 40));
    r.state = static_cast<IoTargetState>(static_cast<std::uint8_t>(e.words[5] >> 48));
    r.ring = ring;
    return r;
}

}  // namespace

// ---------------------------------------------------------------- EventRing

EventRing::EventRing(std::size_t capacity, std::uint32_t writer)
    : slots_(new Slot[capacity]), mask_(capacity - 1), writer_(writer) {}

void EventRing::write(std::uint64_t index, const PackedEvent& e) noexcept {
    Slot& s = slots_[index & mask_];
    s.seq.store(0, std::memory_order_relaxed);
    fence(std::memory_order_release);  // the clear is seen before any new word
    for (std::size_t i = 0; i < e.words.size(); ++i) s.words[i].store(e.words[i], std::memory_order_relaxed);
    s.seq.store(index + 1, std::memory_order_release);
}

void EventRing::push_single(const PackedEvent& e) noexcept {
    const std::uint64_t index = head_.load(std::memory_order_relaxed);
    write(index, e);
    head_.store(index + 1, std::memory_order_release);
}

void EventRing::push_shared(const PackedEvent& e) noexcept { write(head_.fetch_add(1, std::memory_order_acq_rel), e); }

void EventRing::collect(std::vector<RecorderEvent>& out, std::uint8_t ring) const {
    const std::uint64_t head = written();
    const std::uint64_t first = head > capacity() ? head - capacity() : 0;
    std::uint64_t last = 0;
    for (std::uint64_t index = first; index < head; ++index) {
        const Slot& s = slots_[index & mask_];
        const std::uint64_t before = s.seq.load(std::memory_order_acquire);
        if (before != index + 1) continue;  // being written, or already rewritten for a later index
        PackedEvent e;
        for (std::size_t i = 0; i < e.words.size(); ++i) e.words[i] = s.words[i].load(std::memory_order_relaxed);
        fence(std::memory_order_acquire);                               // the words are read before the check
        if (s.seq.load(std::memory_order_relaxed) != before) continue;  // rewritten while copied
        RecorderEvent event = unpack(e, ring);
        // One thread's events in the order it wrote them, whatever rdtsc's
        // early execution did to their times.
        if (event.time_ns < last) event.time_ns = last;
        last = event.time_ns;
        out.push_back(event);
    }
}

// ---------------------------------------------------------------- settings

RecorderOptions Recorder::checked(RecorderOptions options) {
    if (!options.enabled) return options;
    if (options.events < kMinEvents || options.events > kMaxEvents) {
        log(LogLevel::Warning, "recorder: %zu events per ring is out of range (%zu to %zu); using %zu", options.events,
            kMinEvents, kMaxEvents, RecorderOptions{}.events);
        options.events = RecorderOptions{}.events;
    }
    options.events = std::bit_ceil(options.events);
    return options;
}

RecorderOptions Recorder::from_environment() {
    const char* env = std::getenv("WDFIO_RECORDER");
    if (!env || !*env) return {};
    if (std::strcmp(env, "off") == 0) return {false, RecorderOptions{}.events};
    if (std::strcmp(env, "on") == 0) return {};
    char* end = nullptr;
    errno = 0;
    const unsigned long long n = std::strtoull(env, &end, 10);
    if (errno == 0 && end != env && *end == '\0' && env[0] != '-' && n >= kMinEvents && n <= kMaxEvents)
        return checked({true, static_cast<std::size_t>(n)});
    log(LogLevel::Warning,
        "WDFIO_RECORDER=%s is not understood: use off, on, or a number of events per ring (%zu to %zu); "
        "using the default (%zu)",
        env, kMinEvents, kMaxEvents, RecorderOptions{}.events);
    return {};
}

namespace {
RecorderOptions settle(const std::optional<RecorderOptions>& options) {
    return options ? Recorder::checked(*options) : Recorder::from_environment();
}
}  // namespace

// ---------------------------------------------------------------- Recorder

Recorder::Recorder(const EngineGroup& engine, const std::optional<RecorderOptions>& options)
    : Recorder(engine, settle(options)) {}

Recorder::Recorder(const EngineGroup& engine, const RecorderOptions& settled)
    : engine_(engine),
      enabled_(settled.enabled),
      events_(settled.enabled ? settled.events : 0),
      tsc_(use_tsc()),
      generation_(g_generations.fetch_add(1, std::memory_order_relaxed) + 1),
      shared_(settled.enabled ? settled.events : 1, 0) {
    std::lock_guard lock(g_registry_mutex);
    g_registry.push_back(this);
}

Recorder::~Recorder() {
    {
        std::lock_guard lock(g_registry_mutex);
        std::erase(g_registry, this);
    }
    for (auto& ring : thread_rings_) delete ring.load(std::memory_order_acquire);
}

EventRing* Recorder::thread_ring() noexcept {
    // Called on a thread's first event here, and again when it comes back
    // from another recorder: its ring, if it made one, else a new one (one
    // allocation per thread, never per event). A thread id is reused only
    // after its thread ended, so a ring keeps one writer at a time.
    const std::uint32_t me = thread_id();
    const std::size_t claimed = std::min(thread_rings_claimed_.load(std::memory_order_relaxed), kMaxThreadRings);
    for (std::size_t i = 0; i < claimed; ++i) {
        EventRing* ring = thread_rings_[i].load(std::memory_order_acquire);
        if (ring && ring->writer() == me) return ring;
    }
    const std::size_t i = thread_rings_claimed_.fetch_add(1, std::memory_order_relaxed);
    if (i >= kMaxThreadRings) return nullptr;
    auto* ring = new (std::nothrow) EventRing(events_, me);
    if (ring) thread_rings_[i].store(ring, std::memory_order_release);
    return ring;
}

template <class F>
void Recorder::for_each_ring(F&& f) const {
    std::size_t k = 0;
    for (const auto& slot : thread_rings_) {
        if (const EventRing* ring = slot.load(std::memory_order_acquire)) f(*ring, k++);
    }
    f(shared_, k);
}

void Recorder::record_now(const EventFields& f) noexcept {
    const PackedEvent e = pack(f, tsc_);
    ThreadState& t = t_state;
    if (t.generation != generation_) {  // this thread's first event here, or back from another recorder
        t.ring = thread_ring();
        t.generation = generation_;
        t.owner = this;
        t.engine_thread = engine_.on_engine_thread();
    }
    if (t.ring) return t.ring->push_single(e);  // the common case: one compare, plain stores
    shared_.push_shared(e);
}

std::uint64_t Recorder::last_time_here() noexcept { return t_state.last_time; }

void Recorder::offer_last_time() noexcept { t_state.offered = t_state.last_time; }

std::uint64_t Recorder::take_offered_time() noexcept { return std::exchange(t_state.offered, 0); }

void Recorder::record_here(const EventFields& f) noexcept {
    if (!t_state.engine_thread || !t_state.ring) return;
    // At the time of the thread's last event — normally the completion whose
    // routine reuses the request — rather than a clock read of its own: one
    // clock read less per request on the engine thread (the recorder's cost
    // is almost all its clock reads; see "Timestamps").
    EventFields at_last = f;
    at_last.time = t_state.last_time;
    t_state.ring->push_single(pack(at_last, t_state.owner->tsc_));
}

void Recorder::name(const void* id, std::string_view name) {
    if (!enabled_) return;
    std::lock_guard lock(names_mutex_);
    if (names_.size() >= 4096) names_.erase(names_.begin());  // bounded: a long run opens many targets
    names_[reinterpret_cast<std::uintptr_t>(id)] = std::string(name);
}

std::string Recorder::name_of(std::uint64_t id) const {
    std::lock_guard lock(names_mutex_);
    auto it = names_.find(id);
    return it == names_.end() ? std::string() : it->second;
}

RecorderInfo Recorder::info() const {
    RecorderInfo i;
    i.enabled = enabled_;
    i.events_per_ring = events_;
    if (!enabled_) return i;
    for_each_ring([&i](const EventRing& r, std::size_t) {
        const std::uint64_t w = r.written();
        if (w == 0) return;
        ++i.rings;
        i.recorded += w;
        if (w > r.capacity()) i.overwritten += w - r.capacity();
    });
    return i;
}

std::vector<RecorderEvent> Recorder::snapshot(std::size_t last) const {
    std::vector<RecorderEvent> out;
    if (!enabled_) return out;
    for_each_ring([&out](const EventRing& r, std::size_t k) { r.collect(out, static_cast<std::uint8_t>(k)); });
    to_nanoseconds(out);
    std::stable_sort(out.begin(), out.end(),
                     [](const RecorderEvent& a, const RecorderEvent& b) { return a.time_ns < b.time_ns; });
    if (out.size() > last) out.erase(out.begin(), out.end() - static_cast<std::ptrdiff_t>(last));
    return out;
}

void Recorder::to_nanoseconds(std::vector<RecorderEvent>& events) const {
    if (!tsc_ || events.empty()) return;
    const TscAnchor a = anchor(), now = take_anchor();
    const double ns_per_tick =
        now.tsc > a.tsc ? static_cast<double>(now.ns - a.ns) / static_cast<double>(now.tsc - a.tsc) : 0;
    for (RecorderEvent& e : events) {
        const double ticks = static_cast<double>(static_cast<std::int64_t>(e.time_ns - a.tsc));
        e.time_ns = static_cast<std::uint64_t>(static_cast<double>(a.ns) + ticks * ns_per_tick);
    }
}

std::uint64_t Recorder::complete_from_ns() const {
    std::uint64_t from = 0;
    if (!enabled_) return from;
    for_each_ring([this, &from](const EventRing& r, std::size_t) {
        if (r.written() <= r.capacity()) return;
        std::vector<RecorderEvent> held;
        r.collect(held, 0);
        to_nanoseconds(held);
        std::uint64_t oldest = UINT64_MAX;
        for (const RecorderEvent& e : held) oldest = std::min(oldest, e.time_ns);
        if (!held.empty()) from = std::max(from, oldest);
    });
    return from;
}

std::vector<RecorderEvent> Recorder::history(std::uint64_t request) const {
    std::vector<RecorderEvent> all = snapshot(SIZE_MAX);
    std::erase_if(all, [request](const RecorderEvent& e) { return e.request != request; });
    return all;
}

void Recorder::log_history_everywhere(const void* request) {
    constexpr std::size_t kShown = 32;
    const auto id = reinterpret_cast<std::uintptr_t>(request);
    if (id == 0) return;  // no object: events that carry no request have id 0
    std::lock_guard lock(g_registry_mutex);
    for (const Recorder* r : g_registry) {
        std::vector<RecorderEvent> h = r->history(id);
        if (h.empty()) continue;
        const std::size_t from = h.size() > kShown ? h.size() - kShown : 0;
        log(LogLevel::Error, "verifier: the recorder's last %zu event(s) of request %p, oldest first:", h.size() - from,
            request);
        for (std::size_t k = from; k < h.size(); ++k) {
            const RecorderEvent& e = h[k];
            const std::string target = r->name_of(e.target);
            log(LogLevel::Error, "verifier:   %+.3f us %-13s %-21s %s bytes %" PRIu64 " depth %u thread %u %s",
                static_cast<double>(static_cast<std::int64_t>(e.time_ns - h.back().time_ns)) / 1000.0,
                to_string(e.kind), to_string(e.type), e.status.to_string().c_str(), e.bytes, e.depth, e.thread,
                target.c_str());
        }
    }
}

}  // namespace wdfio::detail

namespace wdfio {

using detail::EngineAccess;
using detail::recorder_of;

const char* to_string(RecorderEventKind kind) noexcept {
    switch (kind) {
    case RecorderEventKind::Send: return "Send";
    case RecorderEventKind::Park: return "Park";
    case RecorderEventKind::Start: return "Start";
    case RecorderEventKind::Complete: return "Complete";
    case RecorderEventKind::Refused: return "Refused";
    case RecorderEventKind::Cancel: return "Cancel";
    case RecorderEventKind::Timeout: return "Timeout";
    case RecorderEventKind::Reuse: return "Reuse";
    case RecorderEventKind::TargetState: return "TargetState";
    case RecorderEventKind::QueuePresent: return "QueuePresent";
    case RecorderEventKind::QueueComplete: return "QueueComplete";
    }
    return "?";
}

RecorderInfo recorder_info(Engine& engine) { return recorder_of(EngineAccess::core(engine)).info(); }
std::vector<RecorderEvent> recorder_snapshot(Engine& engine, std::size_t last) {
    return recorder_of(EngineAccess::core(engine)).snapshot(last);
}
std::vector<RecorderEvent> recorder_history(Engine& engine, const Request& request) {
    return recorder_of(EngineAccess::core(engine)).history(reinterpret_cast<std::uintptr_t>(&request));
}
std::string recorder_name(Engine& engine, std::uint64_t id) {
    return recorder_of(EngineAccess::core(engine)).name_of(id);
}

}  // namespace wdfio
