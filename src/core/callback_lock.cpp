// CallbackLock (include/wdfio/callback_lock.hpp): a mutex that knows its
// holder, and a list of work kept for it.
#include <wdfio/callback_lock.hpp>
#include <wdfio/log.hpp>
#include <wdfio/verifier.hpp>

#include "core/object_create.hpp"

#include <new>

namespace wdfio {

Result<Ref<CallbackLock>> CallbackLock::create(const ObjectAttributes& attributes) {
    return detail::make_object<CallbackLock>(&attributes, detail::ParentRule::Allowed, nullptr,
                                             [](void* storage) { return new (storage) CallbackLock(); });
}

void CallbackLock::lock() noexcept {
    if (held_here()) {  // only this thread can have stored its own id
        detail::verifier_violation(VerifierCheck::RecursiveLock, this, "CallbackLock::lock");
        return;
    }
    mutex_.lock();
    holder_.store(std::this_thread::get_id(), std::memory_order_relaxed);
}

bool CallbackLock::try_lock() noexcept {
    if (!mutex_.try_lock()) return false;
    holder_.store(std::this_thread::get_id(), std::memory_order_relaxed);
    return true;
}

bool CallbackLock::has_kept() {
    std::lock_guard lock(kept_mutex_);
    return !kept_.empty();
}

void CallbackLock::take_kept() noexcept {
    for (;;) {
        std::vector<std::function<void()>> now;
        {
            std::lock_guard lock(kept_mutex_);
            now.swap(kept_);
        }
        if (now.empty()) return;
        for (auto& f : now) f();  // what they keep in turn comes round in the next pass
    }
}

void CallbackLock::unlock() noexcept {
    if (!held_here()) {
        detail::verifier_violation(VerifierCheck::ReleaseNotOwned, this, "CallbackLock::unlock");
        return;
    }
    take_kept();
    holder_.store(std::thread::id(), std::memory_order_relaxed);
    mutex_.unlock();
    // Kept by a thread that could not wait, after the last look above and
    // before the release: whoever takes the lock next runs it — that may be us.
    if (has_kept() && try_lock()) unlock();
}

void CallbackLock::keep(std::function<void()> f) noexcept {
    try {
        std::lock_guard lock(kept_mutex_);
        kept_.push_back(std::move(f));
    } catch (const std::bad_alloc&) {
        log(LogLevel::Error, "callback lock: out of memory keeping a callback for its holder; it is dropped");
        return;
    }
    // Released since the caller looked: nobody would run what was kept.
    if (!held_here() && try_lock()) unlock();
}

}  // namespace wdfio
