// Result<T>: a value, or the Status that explains why there is none.
#pragma once
#include <wdfio/object.hpp>
#include <wdfio/status.hpp>

#include <optional>
#include <type_traits>
#include <utility>

#pragma GCC visibility push(default)  // what the public headers declare is the ABI (the rest is hidden)

namespace wdfio {

namespace detail {
// `*result` and `result->` reach through a Ref, so Result<Ref<T>> reads like a T handle.
template <class T>
struct Deref {
    static T* get(T& v) noexcept { return &v; }
};
template <class U>
struct Deref<Ref<U>> {
    static U* get(Ref<U>& v) noexcept { return v.get(); }
};
}  // namespace detail

template <class T>
class Result {
public:
    Result(T value) : value_(std::move(value)) {}         // NOLINT: implicit by design
    Result(Status failure) : status_(failure) {           // NOLINT: implicit by design
        if (status_.ok()) status_ = STATUS_UNSUCCESSFUL;  // a Result without value is never "ok"
    }
    Result(NTSTATUS failure) requires(!std::is_arithmetic_v<T>) : Result(Status(failure)) {}  // NOLINT

    bool ok() const noexcept { return value_.has_value(); }
    explicit operator bool() const noexcept { return ok(); }
    Status status() const noexcept { return status_; }

    T& value() & { return *value_; }
    const T& value() const& { return *value_; }
    T&& value() && { return std::move(*value_); }
    auto& operator*() const { return *detail::Deref<T>::get(const_cast<T&>(*value_)); }
    auto* operator->() const { return detail::Deref<T>::get(const_cast<T&>(*value_)); }

private:
    std::optional<T> value_;
    Status status_ = STATUS_SUCCESS;
};

}  // namespace wdfio
#pragma GCC visibility pop
