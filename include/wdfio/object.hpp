// Object: the reference-counted base of every wdfio object, and Ref<T>, its handle.
#pragma once
#include <atomic>
#include <cstdint>
#include <utility>

namespace wdfio {

class Object {
public:
    Object(const Object&) = delete;
    Object& operator=(const Object&) = delete;

    void add_ref() const noexcept { refs_.fetch_add(1, std::memory_order_relaxed); }
    void release() const noexcept {
        if (refs_.fetch_sub(1, std::memory_order_acq_rel) == 1) last_reference_dropped();
    }
    std::uint32_t ref_count() const noexcept { return refs_.load(std::memory_order_relaxed); }

protected:
    Object() = default;
    virtual ~Object() = default;
    // Pooled objects go back to their pool instead of being deleted.
    virtual void last_reference_dropped() const noexcept { delete this; }
    void revive() const noexcept { refs_.store(1, std::memory_order_relaxed); }

private:
    mutable std::atomic<std::uint32_t> refs_{1};
};

// Intrusive, nullable handle. Ref<T>::adopt takes over the creation reference.
template <class T>
class Ref {
public:
    Ref() noexcept = default;
    Ref(std::nullptr_t) noexcept {}  // NOLINT: allows `{}` and nullptr for "no object"
    explicit Ref(T* p) noexcept : p_(p) {
        if (p_) p_->add_ref();
    }
    Ref(T& object) noexcept : Ref(&object) {}  // NOLINT: pass `*result` where a Ref is wanted
    template <class U>
    Ref(const Ref<U>& o) noexcept : Ref(o.get()) {}  // NOLINT: derived-to-base
    Ref(const Ref& o) noexcept : Ref(o.p_) {}
    Ref(Ref&& o) noexcept : p_(std::exchange(o.p_, nullptr)) {}
    Ref& operator=(Ref o) noexcept {
        std::swap(p_, o.p_);
        return *this;
    }
    ~Ref() {
        if (p_) p_->release();
    }

    static Ref adopt(T* p) noexcept {
        Ref r;
        r.p_ = p;
        return r;
    }
    T* detach() noexcept { return std::exchange(p_, nullptr); }

    T* get() const noexcept { return p_; }
    T* operator->() const noexcept { return p_; }
    T& operator*() const noexcept { return *p_; }
    explicit operator bool() const noexcept { return p_ != nullptr; }
    bool operator==(const Ref& o) const noexcept { return p_ == o.p_; }

private:
    T* p_ = nullptr;
};

}  // namespace wdfio
