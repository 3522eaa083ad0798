// Recorder: an engine's in-flight recorder (include/wdfio/recorder.hpp).
//
// Each thread that records writes to a ring of its own (one writer: a plain
// store of the head, no read-modify-write) — engine threads and the threads
// that send alike, since an in-process stack records on the sender's thread;
// past kMaxThreadRings threads, the rest claim slots of one shared ring with
// a fetch_add. A slot is a small seqlock — its sequence is
// cleared, the words written, then the sequence set to the slot's index + 1 —
// so that a reader copying it while it is rewritten sees the mismatch and
// skips it instead of returning a torn event. Every word is a relaxed atomic:
// on x86 these are plain moves, and the sanitizers see no data race. Nothing
// is allocated per event; a ring is allocated once, when an engine thread
// records its first event.
#pragma once
#include <wdfio/recorder.hpp>

#include <array>
#include <atomic>
#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace wdfio::detail {

class EngineCore;
class EngineGroup;

// One event as a ring stores it: six words.
struct PackedEvent {
    std::array<std::uint64_t, 6> words;
};

class EventRing {
public:
    EventRing(std::size_t capacity, std::uint32_t writer);  // a power of two; writer: its thread (0: shared)
    void push_single(const PackedEvent& e) noexcept;        // its one writer
    void push_shared(const PackedEvent& e) noexcept;        // any thread
    // Appends the events still held (torn or unfinished slots left out).
    void collect(std::vector<RecorderEvent>& out, std::uint8_t ring) const;
    std::uint64_t written() const noexcept { return head_.load(std::memory_order_acquire); }
    std::size_t capacity() const noexcept { return mask_ + 1; }
    std::uint32_t writer() const noexcept { return writer_; }

private:
    struct alignas(64) Slot {
        std::atomic<std::uint64_t> seq{0};  // index + 1 once written; 0 while being written
        std::array<std::atomic<std::uint64_t>, 6> words{};
    };
    void write(std::uint64_t index, const PackedEvent& e) noexcept;

    std::unique_ptr<Slot[]> slots_;
    std::size_t mask_;
    std::uint32_t writer_;
    alignas(64) std::atomic<std::uint64_t> head_{0};  // events claimed so far
};

// What a recorder holds for one hook: packed by the caller's inline helper.
struct EventFields {
    RecorderEventKind kind;
    std::uint64_t request = 0;
    std::uint64_t target = 0;
    std::uint64_t bytes = 0;
    std::int32_t status = 0;
    std::uint32_t depth = 0;
    RequestType type = RequestType::NoFormat;
    IoTargetState state = IoTargetState::Undefined;
    std::uint64_t time = 0;  // 0: now; else a time this thread took already (last_time_here)
};

class Recorder {
public:
    static constexpr std::size_t kMaxThreadRings = 64;
    static constexpr std::size_t kMinEvents = 16, kMaxEvents = std::size_t{1} << 24;

    // options unset: WDFIO_RECORDER, else the defaults.
    Recorder(const EngineGroup& engine, const std::optional<RecorderOptions>& options);
    ~Recorder();
    Recorder(const Recorder&) = delete;
    Recorder& operator=(const Recorder&) = delete;

    bool enabled() const noexcept { return enabled_; }
    void record(const EventFields& f) noexcept {
        if (enabled_) record_now(f);
    }
    // On an engine thread that has recorded before: to its engine's ring (an
    // event whose engine is not known otherwise), at the time of the thread's
    // last event; elsewhere nothing.
    static void record_here(const EventFields& f) noexcept;
    // The time of this thread's last event: for an event that happens at the
    // same moment (a send handed down at once), without reading the clock again.
    static std::uint64_t last_time_here() noexcept;
    // A driver's completion handed up at once, in this thread, to the request
    // it came from: the sender's Complete takes the QueueComplete's time
    // rather than a clock read of its own. Offered after that event, taken
    // (and cleared) by the Complete; whoever offered clears what is left.
    static void offer_last_time() noexcept;
    static std::uint64_t take_offered_time() noexcept;
    // Names an id (a target, a queue) for snapshots and traces; not per event.
    void name(const void* id, std::string_view name);
    std::string name_of(std::uint64_t id) const;

    RecorderInfo info() const;
    std::vector<RecorderEvent> snapshot(std::size_t last) const;
    std::vector<RecorderEvent> history(std::uint64_t request) const;
    // From when on every ring still holds all it recorded: the latest oldest
    // event among the rings that wrapped (0 if none did).
    std::uint64_t complete_from_ns() const;

    // The settings WDFIO_RECORDER asks for (a bad value: a log line and the defaults).
    static RecorderOptions from_environment();
    static RecorderOptions checked(RecorderOptions options);
    // Every live recorder's history of one request, for a verifier report.
    static void log_history_everywhere(const void* request);

private:
    Recorder(const EngineGroup& engine, const RecorderOptions& settled);
    void record_now(const EventFields& f) noexcept;
    void to_nanoseconds(std::vector<RecorderEvent>& events) const;  // what the rings hold → CLOCK_MONOTONIC
    EventRing* thread_ring() noexcept;  // this thread's, made on its first event; null: the shared one
    template <class F>
    void for_each_ring(F&& f) const;  // f(ring, index): thread rings in claim order, then the shared one

    const EngineGroup& engine_;
    bool enabled_ = true;
    std::size_t events_ = 0;
    bool tsc_ = false;          // events carry the TSC (recorder.cpp, "Timestamps")
    std::uint64_t generation_;  // unique per recorder ever made: what a thread's cached ring is checked against
    EventRing shared_;
    // Claimed by index (fetch_add), then published: a reader skips a claimed
    // slot whose ring is not stored yet.
    std::array<std::atomic<EventRing*>, kMaxThreadRings> thread_rings_{};
    std::atomic<std::size_t> thread_rings_claimed_{0};
    mutable std::mutex names_mutex_;
    std::unordered_map<std::uint64_t, std::string> names_;
};

// The recorder of an engine (src/core/engine.cpp makes every engine with one).
Recorder& recorder_of(EngineCore& engine) noexcept;

}  // namespace wdfio::detail
