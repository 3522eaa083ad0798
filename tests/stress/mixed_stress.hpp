// The mixed stress harness: sender threads keep a few requests each in
// flight against one kind of target (reuse, format, send — some with a
// timeout or IGNORE_TARGET_STATE — and cancel their own when they grow
// impatient), while a canceller cancels anyone's, and a chaos thread stops,
// starts and purges the target, and now and then ends it (close, or device
// removal) and opens the next generation. It counts what the contract
// forbids: a routine run twice or never, a refused send whose routine ran,
// a completion after its target's close returned, a status no party could
// have caused. What the data must look like is the Model's business
// (stamped_blocks.hpp, pipe_records.hpp).
#pragma once
#include "support/test_util.hpp"

#include <dirent.h>

#include <chrono>
#include <cstdio>
#include <map>
#include <memory>
#include <mutex>
#include <random>
#include <string>
#include <thread>
#include <vector>

namespace wdfio::stress {

using Clock = std::chrono::steady_clock;

// How long each mixed stress test runs: WDFIO_STRESS_SECONDS (default 5, so
// that `make test` stays quick; `make stress` asks for more).
inline std::chrono::milliseconds stress_duration() {
    const char* env = std::getenv("WDFIO_STRESS_SECONDS");
    const double seconds = env ? std::atof(env) : 5.0;
    return std::chrono::milliseconds(static_cast<long long>(std::max(0.1, seconds) * 1000));
}

// Objects counted by their destroy callbacks: one created and never
// destroyed by the end of a test leaked. Index: kRequests, kMemory, kTargets.
enum CountedKind { kRequests, kMemory, kTargets, kCountedKinds };
struct ObjectCount {
    std::atomic<long> created{0}, destroyed{0};
};
inline ObjectCount g_counts[kCountedKinds];
template <CountedKind K>
void count_destroyed(Object&) {
    g_counts[K].destroyed.fetch_add(1);
}
template <CountedKind K>
ObjectAttributes counted() {
    ObjectAttributes a;
    a.destroy = &count_destroyed<K>;
    return a;
}
template <CountedKind K, class T>
Result<Ref<T>> note_created(Result<Ref<T>> r) {
    if (r) g_counts[K].created.fetch_add(1);
    return r;
}

// Descriptors open in this process (/proc/self/fd, less the one reading it).
inline int open_fds() {
    DIR* d = ::opendir("/proc/self/fd");
    if (!d) return -1;
    int n = 0;
    while (const dirent* e = ::readdir(d))
        if (e->d_name[0] != '.') ++n;
    ::closedir(d);
    return n - 1;
}

// The targets a generation's slots send to (one, or a pipe's two ends) and
// the in-process drivers of its device stack (bottom first). `ended` is set
// once the generation's end (close, device removal) has returned: a routine
// that runs after that is a late completion.
struct Generation {
    int id = 0;
    std::vector<Ref<IoTarget>> ends;
    std::vector<std::unique_ptr<Driver>> drivers;
    std::atomic<bool> ended{false};
};

// A kind of target: how a generation is opened and ended, what else the
// chaos thread may do to it, and which completion statuses it can cause.
class Kind {
public:
    virtual ~Kind() = default;
    virtual Status open(Generation& g) = 0;
    // Closes (or removes) everything of g; returns once that returned.
    virtual void end(Generation& g, std::minstd_rand& rng) = 0;
    // One more disruption (a device stack's queue stop or purge); false if the kind has none.
    virtual bool disrupt(Generation& g, std::minstd_rand& rng) { return (void)g, (void)rng, false; }
    // A completion status this kind (its fault filters) may report besides the common ones.
    virtual bool may_fail_with(Status s) const { return (void)s, false; }
};

// One operation a slot sends: a read or a write of `length` bytes at `offset`
// through end `end`; `key` and `version` are the model's (block and version
// stamp, or record number).
struct Op {
    RequestType type = RequestType::Read;
    std::size_t end = 0;
    std::int64_t offset = 0;
    std::uint64_t key = 0;
    std::uint64_t version = 0;
};

// What the data must look like. next() picks slot `slot`'s operation (and
// fills `buffer` for a write); refused() says it never happened; finished()
// gets its outcome (and checks what a read brought). Calls for one slot come
// from one thread; a model shared by slots of several threads locks itself.
class Model {
public:
    virtual ~Model() = default;
    virtual std::size_t io_size() const = 0;
    virtual Op next(std::size_t slot, Memory& buffer, std::minstd_rand& rng) = 0;
    virtual void refused(std::size_t slot, const Op& op) = 0;
    virtual void finished(std::size_t slot, const Op& op, Status status, std::uint64_t information,
                          const Memory& buffer) = 0;
};

struct RunOptions {
    std::size_t senders = 2;
    std::size_t slots_per_sender = 4;
    std::uint32_t seed = 1;
};

class StressRun {
public:
    StressRun(Kind& kind, Model& model, RunOptions options = {});
    ~StressRun();
    StressRun(const StressRun&) = delete;
    StressRun& operator=(const StressRun&) = delete;

    // The workload for `duration`, then every request drained and every
    // generation ended; records failures through gtest.
    void go(std::chrono::milliseconds duration);
    // Every generation's targets settled and referenced by this run alone.
    void expect_targets_released();
    std::string summary() const;

private:
    struct Slot;
    static void routine(Request& r, IoTarget& t, const CompletionParams& p, void* context);
    void sender(std::size_t index);
    void start(Slot& s, std::minstd_rand& rng);
    void collect(Slot& s);
    void canceller();
    void chaos();
    Generation* open_generation();
    void fail(const std::string& what);

    Kind& kind_;
    Model& model_;
    RunOptions options_;
    std::vector<std::unique_ptr<Slot>> slots_;
    std::mutex generations_mutex_;
    std::vector<std::unique_ptr<Generation>> generations_;
    std::atomic<Generation*> current_{nullptr};
    Clock::time_point deadline_;
    std::atomic<bool> draining_{false}, quit_{false};

    std::atomic<long> accepted_{0}, refused_{0}, format_refused_{0}, completed_{0};
    std::atomic<long> doubles_{0}, late_{0}, refused_then_ran_{0}, stuck_{0};
    std::atomic<long> generations_ended_{0}, disruptions_{0};
    mutable std::mutex stats_mutex_;
    std::map<NTSTATUS, long> completions_by_status_, refusals_by_status_;
    std::vector<std::string> failures_;  // the first few, for the report
};

}  // namespace wdfio::stress
