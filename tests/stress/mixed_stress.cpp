// The mixed stress harness (mixed_stress.hpp): the sender, canceller and
// chaos threads, and what they count.
#include "stress/mixed_stress.hpp"

#include <sstream>

namespace wdfio::stress {

using namespace std::chrono_literals;

namespace {
// An accepted send whose routine has not run this long after its owner's
// cancel is stuck: every party that can hold a request gives it up on cancel.
constexpr auto kStuck = 30s;
constexpr std::size_t kFailuresKept = 10;

// Completion statuses any target may report in this workload: success, a
// cancel (the owner's, the canceller's, stop/purge/close's), a timeout, a
// parked request failed by purge or close.
bool common_status(Status s) {
    return s.ok() || s == Status(STATUS_CANCELLED) || s == Status(STATUS_IO_TIMEOUT) ||
           s == Status(STATUS_WDF_DEVICE_REMOVED_NOT_SENT);
}

void pause(std::minstd_rand& rng, unsigned max_us) {
    std::this_thread::sleep_for(std::chrono::microseconds(rng() % max_us));
}
}  // namespace

struct StressRun::Slot {
    StressRun* run = nullptr;
    std::size_t index = 0;
    Ref<Request> request;
    Ref<Memory> own;   // the slot's buffer, reused
    Ref<Memory> sent;  // this send's: the own buffer or a fresh one
    Generation* generation = nullptr;
    Op op;
    std::mutex lock;  // reuse and format, against the canceller's cancel
    bool in_flight = false;
    bool owner_cancelled = false;
    bool refused_last = false;  // the last send was refused: its routine must never run
    Clock::time_point sent_at;
    Clock::duration patience{};
    // Written by the routine.
    std::atomic<int> runs{0};
    std::atomic<NTSTATUS> status{STATUS_PENDING};
    std::atomic<std::uint64_t> information{0};
};

StressRun::StressRun(Kind& kind, Model& model, RunOptions options) : kind_(kind), model_(model), options_(options) {}

StressRun::~StressRun() = default;

void StressRun::fail(const std::string& what) {
    std::lock_guard lock(stats_mutex_);
    if (failures_.size() < kFailuresKept) failures_.push_back(what);
    else if (failures_.size() == kFailuresKept) failures_.emplace_back("(more failures left out)");
}

void StressRun::routine(Request&, IoTarget&, const CompletionParams& p, void* context) {
    auto& s = *static_cast<Slot*>(context);
    if (s.generation->ended.load(std::memory_order_acquire)) s.run->late_.fetch_add(1);
    s.status.store(p.status.value(), std::memory_order_relaxed);
    s.information.store(p.information, std::memory_order_relaxed);
    if (s.runs.fetch_add(1, std::memory_order_acq_rel) != 0) s.run->doubles_.fetch_add(1);
}

Generation* StressRun::open_generation() {
    auto g = std::make_unique<Generation>();
    std::lock_guard lock(generations_mutex_);
    g->id = static_cast<int>(generations_.size()) + 1;
    if (Status st = kind_.open(*g); !st.ok()) {
        fail("opening generation " + std::to_string(g->id) + ": " + st.to_string());
        return nullptr;
    }
    generations_.push_back(std::move(g));
    return generations_.back().get();
}

void StressRun::start(Slot& s, std::minstd_rand& rng) {
    if (s.refused_last && s.runs.load(std::memory_order_acquire) != 0) {
        refused_then_ran_.fetch_add(1);
        fail("slot " + std::to_string(s.index) + ": the routine of a refused send ran");
    }
    Generation* g = current_.load(std::memory_order_acquire);
    s.sent = s.own;
    if (rng() % 4 == 0) {  // now and then a buffer of its own, released once the request lets go of it
        auto fresh = note_created<kMemory>(Memory::allocate(model_.io_size(), counted<kMemory>()));
        if (!fresh) return fail("Memory::allocate: " + fresh.status().to_string());
        s.sent = fresh.value();
    }
    s.refused_last = false;
    s.op = model_.next(s.index, *s.sent, rng);
    IoTarget& target = *g->ends[s.op.end];
    Status formatted;
    {
        std::lock_guard lock(s.lock);
        if (Status st = s.request->reuse(); !st.ok()) fail("reuse: " + st.to_string());
        formatted = s.op.type == RequestType::Write ? s.request->format_write(target, s.sent, {}, s.op.offset)
                                                    : s.request->format_read(target, s.sent, {}, s.op.offset);
        if (formatted.ok()) {
            s.request->set_completion(&StressRun::routine, &s);
            s.generation = g;
            s.runs.store(0, std::memory_order_relaxed);
        }
    }
    if (!formatted.ok()) {  // only a replaced generation's target (being ended) refuses a format
        if (formatted != Status(STATUS_INVALID_DEVICE_STATE) || current_.load() == g)
            fail("format for generation " + std::to_string(g->id) + ": " + formatted.to_string());
        format_refused_.fetch_add(1);
        model_.refused(s.index, s.op);
        return;
    }
    SendOptions options;
    if (const unsigned dice = rng() % 100; dice < 20)
        options.timeout_after(std::chrono::microseconds(50 + rng() % 5000));
    else if (dice < 25) options.ignore_target_state();
    s.patience = std::chrono::microseconds(500 + rng() % 20'000);
    s.owner_cancelled = false;
    s.sent_at = Clock::now();
    if (!s.request->send(target, options)) {
        const Status st = s.request->status();
        if (st != Status(STATUS_INVALID_DEVICE_STATE) && st != Status(STATUS_CANCELLED))
            fail("send refused with " + st.to_string());
        refused_.fetch_add(1);
        {
            std::lock_guard lock(stats_mutex_);
            ++refusals_by_status_[st.value()];
        }
        s.refused_last = true;
        model_.refused(s.index, s.op);
        return;
    }
    accepted_.fetch_add(1);
    s.in_flight = true;
}

void StressRun::collect(Slot& s) {
    const Status st(s.status.load(std::memory_order_relaxed));
    const std::uint64_t information = s.information.load(std::memory_order_relaxed);
    completed_.fetch_add(1);
    {
        std::lock_guard lock(stats_mutex_);
        ++completions_by_status_[st.value()];
    }
    if (!common_status(st) && !kind_.may_fail_with(st))
        fail("slot " + std::to_string(s.index) + " completed with " + st.to_string() + ", which nothing caused");
    model_.finished(s.index, s.op, st, information, *s.sent);
    s.in_flight = false;
    s.sent = nullptr;
}

void StressRun::sender(std::size_t index) {
    std::minstd_rand rng(options_.seed * 7919u + static_cast<unsigned>(index));
    const std::size_t first = index * options_.slots_per_sender;
    const std::size_t last = first + options_.slots_per_sender;
    for (;;) {
        const auto now = Clock::now();
        const bool draining = now >= deadline_;
        bool busy = false, progressed = false;
        for (std::size_t i = first; i < last; ++i) {
            Slot& s = *slots_[i];
            if (s.in_flight) {
                if (s.runs.load(std::memory_order_acquire) == 0) {
                    busy = true;
                    const auto age = now - s.sent_at;
                    if (!s.owner_cancelled && age > s.patience) {
                        std::lock_guard lock(s.lock);
                        s.request->cancel_sent_request();
                        s.owner_cancelled = true;
                    } else if (age > s.patience + kStuck) {
                        IoTarget& t = *s.generation->ends[s.op.end];
                        fail("slot " + std::to_string(i) + ": accepted, cancelled, and no routine after 30 s (" +
                             t.name() + " " + to_string(t.state()) + ", " + std::to_string(t.pending()) + " pending, " +
                             std::to_string(t.parked()) + " parked)");
                        stuck_.fetch_add(1);
                        s.in_flight = false;
                    }
                    continue;
                }
                collect(s);
                progressed = true;
            }
            if (!draining) {
                start(s, rng);
                progressed = true;
                busy = busy || s.in_flight;
            }
        }
        if (draining && !busy) return;
        if (!progressed) std::this_thread::sleep_for(50us);  // 2 vCPUs: leave them to the engine
    }
}

void StressRun::canceller() {
    std::minstd_rand rng(options_.seed * 31u + 5u);
    while (!quit_.load()) {
        Slot& s = *slots_[rng() % slots_.size()];
        {
            std::lock_guard lock(s.lock);
            s.request->cancel_sent_request();
        }
        pause(rng, 1000);
    }
}

void StressRun::chaos() {
    std::minstd_rand rng(options_.seed * 131u + 17u);
    // A target a stop left stopped: the next step purges, ends or starts it,
    // so purge and close also meet parked requests.
    IoTarget* stopped = nullptr;
    auto start_stopped = [&](const char* after) {
        if (!stopped) return;
        if (Status st = stopped->start(); !st.ok()) fail(std::string("start after ") + after + ": " + st.to_string());
        stopped = nullptr;
    };
    while (Clock::now() < deadline_) {
        Generation* g = current_.load();
        IoTarget& t = stopped ? *stopped : *g->ends[rng() % g->ends.size()];
        const unsigned dice = rng() % 100;
        if (dice < 30) {
            t.stop(static_cast<SentIoAction>(1 + rng() % 3));  // Cancel, WaitForComplete, LeavePending
            stopped = &t;
            pause(rng, 1000);
            if (rng() % 2) start_stopped("stop");
        } else if (dice < 45) {
            t.purge(static_cast<PurgeIoAction>(1 + rng() % 2));  // PurgeAndWait, Purge
            stopped = &t;
            pause(rng, 1000);
            start_stopped("purge");
        } else if (dice < 47) {  // the end of this generation: the next one takes over first
            if (Generation* next = open_generation()) current_.store(next);
            kind_.end(*g, rng);
            g->ended.store(true, std::memory_order_release);
            generations_ended_.fetch_add(1);
            stopped = nullptr;
        } else if (dice < 67) {
            if (kind_.disrupt(*g, rng)) disruptions_.fetch_add(1);
        } else {
            start_stopped("stop");
        }
        pause(rng, 2000);
    }
    start_stopped("stop");
}

void StressRun::go(std::chrono::milliseconds duration) {
    Generation* first = open_generation();
    if (!first) {
        ADD_FAILURE() << failures_.front();
        return;
    }
    current_.store(first);
    const std::size_t slot_count = options_.senders * options_.slots_per_sender;
    for (std::size_t i = 0; i < slot_count; ++i) {
        auto s = std::make_unique<Slot>();
        s->run = this;
        s->index = i;
        auto r = note_created<kRequests>(Request::create(counted<kRequests>()));
        auto m = note_created<kMemory>(Memory::allocate(model_.io_size(), counted<kMemory>()));
        ASSERT_TRUE(r && m) << r.status() << " " << m.status();
        s->request = r.value();
        s->own = m.value();
        slots_.push_back(std::move(s));
    }
    deadline_ = Clock::now() + duration;
    std::vector<std::thread> senders;
    senders.reserve(options_.senders);
    for (std::size_t i = 0; i < options_.senders; ++i) senders.emplace_back([this, i] { sender(i); });
    std::thread cancel_thread([this] { canceller(); });
    std::thread chaos_thread([this] { chaos(); });
    for (auto& t : senders) t.join();
    quit_.store(true);
    cancel_thread.join();
    chaos_thread.join();
    std::minstd_rand rng(options_.seed);
    for (auto& g : generations_) {
        if (g->ended.load()) continue;
        kind_.end(*g, rng);
        g->ended.store(true, std::memory_order_release);
    }
    EXPECT_EQ(doubles_.load(), 0) << "routines that ran a second time";
    EXPECT_EQ(late_.load(), 0) << "routines that ran after their target's close (or removal) returned";
    EXPECT_EQ(refused_then_ran_.load(), 0) << "refused sends whose routine ran";
    EXPECT_EQ(stuck_.load(), 0) << "accepted sends never completed";
    EXPECT_EQ(completed_.load() + stuck_.load(), accepted_.load()) << "accepted sends and routines run";
    EXPECT_GT(accepted_.load(), 0);
    std::lock_guard lock(stats_mutex_);
    for (const auto& f : failures_) ADD_FAILURE() << f;
}

void StressRun::expect_targets_released() {
    for (const auto& g : generations_) {
        for (const auto& t : g->ends) {
            EXPECT_EQ(test::settled_pending(*t), 0u) << "generation " << g->id << ", " << t->name();
            // The pending count's hold on the target goes just after the count reaches 0.
            const auto deadline = Clock::now() + 5s;
            while (t->ref_count() > 1 && Clock::now() < deadline) std::this_thread::sleep_for(200us);
            EXPECT_EQ(t->ref_count(), 1u)
                << "generation " << g->id << ", " << t->name() << ": references held besides the test's";
        }
    }
}

std::string StressRun::summary() const {
    std::ostringstream out;
    out << generations_.size() << " generations (" << generations_ended_.load() << " ended early), "
        << disruptions_.load() << " disruptions; " << accepted_.load() << " sends accepted, " << refused_.load()
        << " refused, " << format_refused_.load() << " formats refused; completions:";
    std::lock_guard lock(stats_mutex_);
    for (const auto& [status, n] : completions_by_status_) out << " " << Status(status).to_string() << " " << n;
    out << "; refusals:";
    for (const auto& [status, n] : refusals_by_status_) out << " " << Status(status).to_string() << " " << n;
    return out.str();
}

}  // namespace wdfio::stress
