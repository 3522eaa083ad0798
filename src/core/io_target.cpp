// IoTarget: state, pending accounting and close (spec §7).
#include <wdfio/engine.hpp>
#include <wdfio/io_target.hpp>

#include "core/request_access.hpp"
#include "engine/worker_pool.hpp"
#include "targets/file/file_target.hpp"

namespace wdfio {

IoTarget::IoTarget(Engine& engine, std::string name) : engine_(engine), name_(std::move(name)) {}

bool IoTarget::is_open() const noexcept {
    const auto s = state();
    return s != IoTargetState::Closed && s != IoTargetState::ClosedForQueryRemove && s != IoTargetState::Deleted &&
           s != IoTargetState::Undefined;
}

bool IoTarget::accepts_sends(std::uint32_t flags) const noexcept {
    switch (state_.load(std::memory_order_seq_cst)) {
    case IoTargetState::Started: return true;
    case IoTargetState::Stopped:
    case IoTargetState::Purged: return (flags & SEND_OPTION_IGNORE_TARGET_STATE) != 0;
    default: return false;
    }
}

void IoTarget::request_done() noexcept {
    if (pending_.fetch_sub(1, std::memory_order_seq_cst) != 1) return;
    if (state_.load(std::memory_order_seq_cst) == IoTargetState::Started) return;
    pending_.notify_all();
    if (release_on_drain_.load(std::memory_order_acquire)) release_once();
}

void IoTarget::release_once() {
    if (!released_.exchange(true, std::memory_order_acq_rel)) release_resources();
}

void IoTarget::close() {
    const auto previous = state_.exchange(IoTargetState::Closed, std::memory_order_seq_cst);
    if (previous != IoTargetState::Closed && previous != IoTargetState::Deleted) cancel_all_io();
    if (engine_.on_engine_thread()) {
        // Cannot wait here: the last completion releases the OS resources.
        release_on_drain_.store(true, std::memory_order_seq_cst);
        if (pending_.load(std::memory_order_seq_cst) == 0) release_once();
        return;
    }
    for (auto n = pending_.load(std::memory_order_seq_cst); n != 0; n = pending_.load(std::memory_order_seq_cst))
        pending_.wait(n, std::memory_order_seq_cst);
    release_once();
}

void IoTarget::run_blocking(Request& request, detail::WorkerContext&) {
    detail::RequestAccess::record_result(request, STATUS_NOT_SUPPORTED, 0);
}

Result<Ref<IoTarget>> IoTarget::open(Engine& engine, std::string_view name, const OpenOptions& options) {
    if (name.empty()) return STATUS_OBJECT_NAME_INVALID;
    if (name.starts_with("nbd://") || name.starts_with("\\Device\\")) {
        return STATUS_OBJECT_NAME_NOT_FOUND;  // NBD and in-process devices are not in this build yet
    }
    return detail::FileTarget::open(engine, name, options);
}

Result<Ref<IoTarget>> IoTarget::from_fd(Engine& engine, int fd, std::string_view name) {
    return detail::FileTarget::from_fd(engine, fd, name);
}

const char* to_string(IoTargetState s) noexcept {
    switch (s) {
    case IoTargetState::Undefined: return "Undefined";
    case IoTargetState::Started: return "Started";
    case IoTargetState::Stopped: return "Stopped";
    case IoTargetState::ClosedForQueryRemove: return "ClosedForQueryRemove";
    case IoTargetState::Closed: return "Closed";
    case IoTargetState::Deleted: return "Deleted";
    case IoTargetState::Purged: return "Purged";
    }
    return "?";
}

}  // namespace wdfio
