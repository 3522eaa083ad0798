// The copy pipeline behind `wdfio copy`: --qd slots, each reading one block
// of the source and writing it to every destination still going with one
// fan-out (include/wdfio/fan_out.hpp), then reading the next block. All
// asynchronous; completion routines and fan-out done functions keep it going,
// the caller's thread only waits, draws progress and cancels.
#pragma once
#include <wdfio/fan_out.hpp>
#include <wdfio/io_target.hpp>
#include <wdfio/memory.hpp>
#include <wdfio/request.hpp>

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

namespace wdfio::cli {

struct DestinationState {
    std::string name;
    IoTarget* target = nullptr;
    std::uint64_t bytes = 0;  // written successfully
    std::uint64_t errors = 0;
    Status first_error;
    std::string first_error_detail;  // where it happened
    bool failed = false;             // no more writes go to it
};

struct CopySettings {
    std::uint64_t size = 0;  // bytes to copy: the source's size
    std::uint64_t block = 0;
    unsigned queue_depth = 1;
    bool abort_on_failure = false;  // --fail-policy abort
};

// What the caller sees while the copy runs and after it.
struct CopyProgress {
    std::uint64_t read = 0;  // source bytes read
    std::vector<std::uint64_t> written;
    bool done = false;
};

class CopyPipeline {
public:
    CopyPipeline(IoTarget& source, std::vector<DestinationState>& destinations, const CopySettings& settings);
    ~CopyPipeline();
    CopyPipeline(const CopyPipeline&) = delete;
    CopyPipeline& operator=(const CopyPipeline&) = delete;

    // Allocates the slots and sends the first reads.
    Status start();
    // Waits until every slot is idle; `tick` runs about every `period` on this
    // thread and returns true to cancel (Ctrl-C). A cancel — or a failure under
    // --fail-policy abort — purges every target (the framework cancels what is
    // in flight and refuses what comes after) and waits for the slots.
    void run_until_done(std::chrono::milliseconds period, const std::function<bool()>& tick);

    CopyProgress progress() const;
    // The source's first failure (reads are not retried): the copy stopped.
    Status source_error() const;
    std::string source_error_detail() const;
    bool cancelled() const noexcept { return cancelled_; }

private:
    struct Slot;
    void read_next(Slot& slot);
    void on_read(Slot& slot, Status status, std::uint64_t information);
    void on_written(Slot& slot, const FanOutSummary& summary);
    void slot_idle();
    void purge_all();

    IoTarget& source_;
    std::vector<DestinationState>& destinations_;
    CopySettings settings_;
    std::vector<std::unique_ptr<Slot>> slots_;

    mutable std::mutex mutex_;
    std::condition_variable idle_;
    std::uint64_t next_offset_ = 0;
    std::uint64_t read_bytes_ = 0;
    unsigned busy_ = 0;
    bool stopping_ = false;
    bool abort_requested_ = false;  // a destination failed under --fail-policy abort
    bool cancelled_ = false;
    Status source_error_;
    std::string source_error_detail_;
};

}  // namespace wdfio::cli
