#include <wdfio/memory.hpp>

#include "core/object_create.hpp"

#include <cstdlib>
#include <cstring>
#include <new>

namespace wdfio {

namespace {
constexpr std::size_t kAlignment = 4096;
}

Result<Ref<Memory>> Memory::allocate(std::size_t size) { return allocate(size, ObjectAttributes{}); }

Result<Ref<Memory>> Memory::wrap(void* buffer, std::size_t size) { return wrap(buffer, size, ObjectAttributes{}); }

Result<Ref<Memory>> Memory::allocate(std::size_t size, const ObjectAttributes& attributes) {
    if (Status s = detail::check_attributes(&attributes, detail::ParentRule::Allowed); !s.ok()) return s;
    if (size == 0) return STATUS_INVALID_PARAMETER;
    const std::size_t rounded = (size + kAlignment - 1) & ~(kAlignment - 1);
    if (rounded < size) return STATUS_INSUFFICIENT_RESOURCES;
    void* p = std::aligned_alloc(kAlignment, rounded);
    if (!p) return STATUS_INSUFFICIENT_RESOURCES;
    std::memset(p, 0, rounded);
    // From here the Memory owns p: a failed create frees it with the object.
    return detail::make_object<Memory>(
        &attributes, detail::ParentRule::Allowed, nullptr,
        [&](void* storage) { return new (storage) Memory(p, size, true); }, [&] { std::free(p); });
}

Result<Ref<Memory>> Memory::wrap(void* buffer, std::size_t size, const ObjectAttributes& attributes) {
    if (Status s = detail::check_attributes(&attributes, detail::ParentRule::Allowed); !s.ok()) return s;
    if (!buffer || size == 0) return STATUS_INVALID_PARAMETER;
    return detail::make_object<Memory>(&attributes, detail::ParentRule::Allowed, nullptr,
                                       [&](void* storage) { return new (storage) Memory(buffer, size, false); });
}

Status Memory::assign_buffer(void* buffer, std::size_t size) {
    if (owned_ || !buffer || size == 0) return STATUS_INVALID_PARAMETER;
    data_ = buffer;
    size_ = size;
    return STATUS_SUCCESS;
}

Result<std::span<std::byte>> Memory::window(const std::optional<MemoryOffset>& offsets) const {
    if (!offsets || (offsets->offset == 0 && offsets->length == 0)) return bytes();
    const std::size_t off = offsets->offset;
    const std::size_t len = offsets->length == 0 ? (off <= size_ ? size_ - off : 0) : offsets->length;
    if (off > size_ || len > size_ - off) return STATUS_INTEGER_OVERFLOW;
    return bytes().subspan(off, len);
}

Memory::~Memory() {
    if (owned_) std::free(data_);
}

}  // namespace wdfio
