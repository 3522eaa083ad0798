// A completion routine stored inside the request: a function pointer with a
// context (the KMDF form), or a small callable kept in place — never on the heap.
#pragma once
#include <cstddef>
#include <cstring>
#include <new>
#include <type_traits>
#include <utility>

#pragma GCC visibility push(default)  // what the public headers declare is the ABI (the rest is hidden)

namespace wdfio {
class Request;
class IoTarget;
struct CompletionParams;

using CompletionFn = void (*)(Request&, IoTarget&, const CompletionParams&, void* context);

namespace detail {

class CompletionRoutine {
public:
    static constexpr std::size_t kCapacity = 48;

    CompletionRoutine() noexcept = default;
    CompletionRoutine(CompletionFn fn, void* context) noexcept {
        if (!fn) return;
        ::new (storage_) KmdfForm{fn, context};
        invoke_ = [](void* s, Request& r, IoTarget& t, const CompletionParams& p) {
            const auto* k = static_cast<KmdfForm*>(s);
            k->fn(r, t, p, k->context);
        };
    }

    template <class F, class D = std::decay_t<F>,
              class = std::enable_if_t<!std::is_same_v<D, CompletionRoutine> &&
                                       std::is_invocable_v<D&, Request&, IoTarget&, const CompletionParams&>>>
    CompletionRoutine(F&& f) {  // NOLINT: implicit from any matching callable
        emplace(std::forward<F>(f));
    }

    // Replaces the routine with f, built in place (no temporary to move).
    template <class F, class D = std::decay_t<F>>
    void emplace(F&& f) {
        reset();
        static_assert(sizeof(D) <= kCapacity,
                      "completion routine captures too much: keep it under 48 bytes "
                      "(capture a pointer to a context instead)");
        static_assert(alignof(D) <= alignof(std::max_align_t));
        static_assert(std::is_nothrow_move_constructible_v<D>);
        ::new (storage_) D(std::forward<F>(f));
        invoke_ = [](void* s, Request& r, IoTarget& t, const CompletionParams& p) { (*static_cast<D*>(s))(r, t, p); };
        if constexpr (!std::is_trivially_copyable_v<D>) {
            manage_ = [](void* dst, void* src) {
                if (dst) ::new (dst) D(std::move(*static_cast<D*>(src)));
                static_cast<D*>(src)->~D();
            };
        }
    }

    CompletionRoutine(CompletionRoutine&& o) noexcept { take(o); }
    CompletionRoutine& operator=(CompletionRoutine&& o) noexcept {
        if (this != &o) {
            reset();
            take(o);
        }
        return *this;
    }
    ~CompletionRoutine() { reset(); }

    explicit operator bool() const noexcept { return invoke_ != nullptr; }

    void operator()(Request& r, IoTarget& t, const CompletionParams& p) {
        if (invoke_) invoke_(storage_, r, t, p);
    }

    void reset() noexcept {
        if (manage_) manage_(nullptr, storage_);
        invoke_ = nullptr;
        manage_ = nullptr;
    }

private:
    void take(CompletionRoutine& o) noexcept {
        invoke_ = o.invoke_;
        manage_ = o.manage_;
        if (manage_) manage_(storage_, o.storage_);
        else std::memcpy(storage_, o.storage_, kCapacity);
        o.invoke_ = nullptr;
        o.manage_ = nullptr;
    }

    // The KMDF form (function + context) is kept in the storage like any callable.
    struct KmdfForm {
        CompletionFn fn;
        void* context;
    };
    void (*invoke_)(void*, Request&, IoTarget&, const CompletionParams&) = nullptr;
    void (*manage_)(void* dst, void* src) = nullptr;  // move-or-destroy for non-trivial callables
    alignas(std::max_align_t) unsigned char storage_[kCapacity]{};
};

}  // namespace detail
}  // namespace wdfio
#pragma GCC visibility pop
