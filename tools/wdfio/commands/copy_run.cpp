#include "commands/copy_run.hpp"

#include <wdfio/fan_out.hpp>

#include <fmt/core.h>

#include <algorithm>

namespace wdfio::cli {

struct CopyPipeline::Slot {
    Ref<Request> read;
    Ref<Memory> buffer;
    std::uint64_t offset = 0;
    std::size_t length = 0;
    std::vector<IoTarget*> targets;  // this block's destinations (those still going when it was read)
    std::vector<std::size_t> indexes;
};

CopyPipeline::CopyPipeline(IoTarget& source, std::vector<DestinationState>& destinations, const CopySettings& settings)
    : source_(source), destinations_(destinations), settings_(settings) {}

// The caller runs run_until_done before this: no slot is busy any more.
CopyPipeline::~CopyPipeline() = default;

Status CopyPipeline::start() {
    const std::uint64_t blocks = (settings_.size + settings_.block - 1) / settings_.block;
    const auto count = static_cast<unsigned>(std::min<std::uint64_t>(settings_.queue_depth, blocks));
    for (unsigned i = 0; i < count; ++i) {
        auto request = Request::create(source_);
        if (!request) return request.status();
        auto buffer = Memory::allocate(settings_.block);
        if (!buffer) return buffer.status();
        auto slot = std::make_unique<Slot>();
        slot->read = std::move(request).value();
        slot->buffer = std::move(buffer).value();
        slots_.push_back(std::move(slot));
    }
    {
        const std::lock_guard lock(mutex_);
        busy_ = count;
    }
    for (auto& slot : slots_) read_next(*slot);
    return STATUS_SUCCESS;
}

void CopyPipeline::slot_idle() {
    const std::lock_guard lock(mutex_);
    if (--busy_ == 0) idle_.notify_all();
}

// Takes the next block, or leaves the slot idle when there is none or the copy stops.
void CopyPipeline::read_next(Slot& slot) {
    {
        const std::lock_guard lock(mutex_);
        const bool any_going = std::any_of(destinations_.begin(), destinations_.end(),
                                           [](const DestinationState& d) { return !d.failed; });
        if (stopping_ || !any_going || next_offset_ >= settings_.size) {
            if (--busy_ == 0) idle_.notify_all();
            return;
        }
        slot.offset = next_offset_;
        slot.length = static_cast<std::size_t>(std::min(settings_.block, settings_.size - next_offset_));
        next_offset_ += slot.length;
    }
    Request& r = *slot.read;
    Status s =
        r.format_read(source_, slot.buffer, MemoryOffset{0, slot.length}, static_cast<std::int64_t>(slot.offset));
    if (s.ok()) {
        r.set_completion(
            [this, &slot](Request&, IoTarget&, const CompletionParams& p) { on_read(slot, p.status, p.information); });
        if (r.send(source_)) return;
        s = r.status();
    }
    on_read(slot, s, 0);
}

void CopyPipeline::on_read(Slot& slot, Status status, std::uint64_t information) {
    const bool short_read = status.ok() && information < slot.length;
    {
        const std::lock_guard lock(mutex_);
        if (!status.ok() || short_read) {
            // A cancelled read after a stop is the stop, not a source failure.
            if (!stopping_ && source_error_.ok()) {
                source_error_ = short_read ? Status(STATUS_END_OF_FILE) : status;
                source_error_detail_ =
                    short_read ? fmt::format("read {} of {} bytes at offset {}: the source shrank while copied",
                                             information, slot.length, slot.offset)
                               : fmt::format("reading offset {}", slot.offset);
            }
            stopping_ = true;
            if (--busy_ == 0) idle_.notify_all();
            return;
        }
        read_bytes_ += slot.length;
        slot.targets.clear();
        slot.indexes.clear();
        for (std::size_t i = 0; i < destinations_.size(); ++i) {
            if (destinations_[i].failed) continue;
            slot.targets.push_back(destinations_[i].target);
            slot.indexes.push_back(i);
        }
        if (stopping_ || slot.targets.empty()) {
            if (--busy_ == 0) idle_.notify_all();
            return;
        }
    }
    FanOutOptions options;
    options.policy = settings_.abort_on_failure ? FanOutPolicy::CancelRest : FanOutPolicy::Continue;
    const Ref<Memory> buffer = slot.buffer;
    const std::size_t length = slot.length;
    const auto offset = static_cast<std::int64_t>(slot.offset);
    const Status s = fan_out(
        slot.targets,
        [buffer, length, offset](Request& r, IoTarget& t) {
            return r.format_write(t, buffer, MemoryOffset{0, length}, offset);
        },
        options, [this, &slot](const FanOutSummary& summary) { on_written(slot, summary); });
    if (!s.ok()) {  // refused up front: done never runs
        FanOutSummary summary{s, {}};
        for (IoTarget* t : slot.targets) summary.results.push_back({t, s, 0});
        on_written(slot, summary);
    }
}

void CopyPipeline::on_written(Slot& slot, const FanOutSummary& summary) {
    {
        const std::lock_guard lock(mutex_);
        for (std::size_t k = 0; k < summary.results.size() && k < slot.indexes.size(); ++k) {
            DestinationState& d = destinations_[slot.indexes[k]];
            const FanOutResult& r = summary.results[k];
            if (r.status.ok() && r.information == slot.length) {
                d.bytes += r.information;
                continue;
            }
            if (stopping_ && r.status == Status(STATUS_CANCELLED)) continue;  // the stop, not the destination
            if (d.errors++ == 0) {
                d.first_error = r.status.ok() ? Status(STATUS_DISK_FULL) : r.status;
                d.first_error_detail = r.status.ok() ? fmt::format("wrote {} of {} bytes at offset {}", r.information,
                                                                   slot.length, slot.offset)
                                                     : fmt::format("writing offset {}", slot.offset);
            }
            d.failed = true;
            if (settings_.abort_on_failure) {
                abort_requested_ = true;
                stopping_ = true;
                idle_.notify_all();  // the waiting thread purges the targets
            }
        }
    }
    read_next(slot);
}

void CopyPipeline::purge_all() {
    // Purge: sent requests are cancelled and waited for, parked ones fail,
    // and sends that race with it are refused (their slots then go idle).
    source_.purge(PurgeIoAction::PurgeAndWait);
    for (DestinationState& d : destinations_) d.target->purge(PurgeIoAction::PurgeAndWait);
}

void CopyPipeline::run_until_done(std::chrono::milliseconds period, const std::function<bool()>& tick) {
    bool purged = false;
    std::unique_lock lock(mutex_);
    while (busy_ > 0) {
        idle_.wait_for(lock, period);
        if (busy_ == 0) break;
        bool purge = abort_requested_;
        lock.unlock();
        if (tick && tick()) {
            purge = true;
            const std::lock_guard stop(mutex_);
            stopping_ = true;
            cancelled_ = true;
        }
        if (purge && !purged) {
            purged = true;
            purge_all();
        }
        lock.lock();
    }
}

CopyProgress CopyPipeline::progress() const {
    const std::lock_guard lock(mutex_);
    CopyProgress p;
    p.read = read_bytes_;
    for (const DestinationState& d : destinations_) p.written.push_back(d.bytes);
    p.done = busy_ == 0;
    return p;
}

Status CopyPipeline::source_error() const {
    const std::lock_guard lock(mutex_);
    return source_error_;
}

std::string CopyPipeline::source_error_detail() const {
    const std::lock_guard lock(mutex_);
    return source_error_detail_;
}

}  // namespace wdfio::cli
