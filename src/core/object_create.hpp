// How a create function makes an object with ObjectAttributes: the checks,
// one allocation for the object and its context, then the record, the
// parent and (last, spec R1.4) the callbacks.
#pragma once
#include <wdfio/object.hpp>
#include <wdfio/result.hpp>

#include <cstddef>
#include <new>

namespace wdfio::detail {

enum class ParentRule : std::uint8_t { Allowed, NotAllowed };

// R1.1 steps 3–5 as they apply to ObjectAttributes; null attributes pass.
Status check_attributes(const ObjectAttributes* a, ParentRule rule) noexcept;

// Bytes an object of `object_size` needs after it for a's context (0: none,
// and the object may live anywhere, a slab included).
std::size_t tail_size(std::size_t object_size, const ObjectAttributes* a) noexcept;
// Heap storage for an object and its tail, as `new T` would allocate it, so
// that `delete` (Object::operator delete) frees it; null when out of memory.
void* allocate_block(std::size_t bytes, std::size_t alignment) noexcept;

// Gives a constructed object its record, context, parent (a's, else
// `default_parent`) and callbacks. `object_size`: the object's, when it lives
// in a block with tail_size() after it; 0 for one allocated elsewhere (its
// context then comes on its own). On failure the caller releases the object
// (no callback runs).
Status commit(Object& o, std::size_t object_size, const ObjectAttributes* a, Object* default_parent) noexcept;

// Whether `o` is `ancestor` or below it in the tree.
bool descends_from(const Object& o, const Object& ancestor) noexcept;

// The usual create: checks, storage, `construct(storage)` (a placement new
// of T, from inside T where the constructor is private), commit. `no_storage`
// undoes what the caller prepared for the constructor when there is no memory.
template <class T, class Construct, class NoStorage = void (*)()>
Result<Ref<T>> make_object(
    const ObjectAttributes* a, ParentRule rule, Object* default_parent, Construct&& construct,
    NoStorage&& no_storage = [] {}) {
    if (Status s = check_attributes(a, rule); !s.ok()) return s;
    const std::size_t tail = tail_size(sizeof(T), a);
    void* storage = allocate_block(sizeof(T) + tail, alignof(T));
    if (!storage) {
        no_storage();
        return STATUS_INSUFFICIENT_RESOURCES;
    }
    auto object = Ref<T>::adopt(construct(storage));
    if (Status s = commit(*object, sizeof(T), a, default_parent); !s.ok()) return s;
    return object;
}

}  // namespace wdfio::detail
