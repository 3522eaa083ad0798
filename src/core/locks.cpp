// SpinLock and WaitLock: a driver's locks (driver spec §7.6).
#include <wdfio/spin_lock.hpp>
#include <wdfio/verifier.hpp>
#include <wdfio/wait_lock.hpp>

#include "core/blocking.hpp"
#include "core/object_create.hpp"
#include "core/ticks.hpp"

#include <new>

namespace wdfio {

Result<Ref<SpinLock>> SpinLock::create(const ObjectAttributes& attributes) {
    return detail::make_object<SpinLock>(&attributes, detail::ParentRule::Allowed, nullptr,
                                         [](void* storage) { return new (storage) SpinLock(); });
}

void SpinLock::lock() noexcept {
    const auto self = std::this_thread::get_id();
    if (holder_.load(std::memory_order_relaxed) == self) {  // only this thread can have stored its own id
        detail::verifier_violation(VerifierCheck::RecursiveLock, this, "SpinLock::lock");
        return;
    }
    lock_.lock();
    holder_.store(self, std::memory_order_relaxed);
}

void SpinLock::unlock() noexcept {
    if (holder_.load(std::memory_order_relaxed) != std::this_thread::get_id()) {
        detail::verifier_violation(VerifierCheck::ReleaseNotOwned, this, "SpinLock::unlock");
        return;
    }
    holder_.store(std::thread::id(), std::memory_order_relaxed);
    lock_.unlock();
}

Result<Ref<WaitLock>> WaitLock::create(const ObjectAttributes& attributes) {
    return detail::make_object<WaitLock>(&attributes, detail::ParentRule::Allowed, nullptr,
                                         [](void* storage) { return new (storage) WaitLock(); });
}

Status WaitLock::lock(std::optional<std::int64_t> timeout) {
    const auto self = std::this_thread::get_id();
    const bool waits = !timeout || *timeout != 0;
    if (waits && !detail::may_block_here()) {
        detail::verifier_violation(VerifierCheck::BlockingOnEngineThread, this, "WaitLock::lock");
        return STATUS_INVALID_DEVICE_REQUEST;
    }
    std::unique_lock lock(mutex_);
    if (held_ && holder_ == self) {
        detail::verifier_violation(VerifierCheck::RecursiveLock, this, "WaitLock::lock");
        return STATUS_INVALID_DEVICE_REQUEST;
    }
    if (!timeout) freed_.wait(lock, [this] { return !held_; });
    else if (!freed_.wait_for(lock, detail::wait_for_ticks(*timeout), [this] { return !held_; })) return STATUS_TIMEOUT;
    held_ = true;
    holder_ = self;
    return STATUS_SUCCESS;
}

void WaitLock::unlock() noexcept {
    {
        std::lock_guard lock(mutex_);
        if (!held_ || holder_ != std::this_thread::get_id()) {
            detail::verifier_violation(VerifierCheck::ReleaseNotOwned, this, "WaitLock::unlock");
            return;
        }
        held_ = false;
        holder_ = {};
    }
    freed_.notify_one();
}

}  // namespace wdfio
