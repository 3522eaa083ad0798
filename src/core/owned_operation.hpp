// The state of an object that owns an engine operation other than a
// request's (a timer, a work item, a target's own poll): the record first,
// then the object.
#pragma once
#include <wdfio/object.hpp>

#include "engine/operation.hpp"

#include <cstddef>

namespace wdfio::detail {

struct Owned {
    explicit Owned(OwnerKind kind) noexcept : op(kind) {}
    Operation op;              // at offset 0: the record's address is the state's
    Object* object = nullptr;  // the timer, work item or target

    static Owned& of(Operation& op) noexcept { return *reinterpret_cast<Owned*>(&op); }
};

// The table of every owner's functions, handed to each engine (operation_owners.cpp).
const OwnerOps& core_owner_ops() noexcept;

#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Winvalid-offsetof"
static_assert(offsetof(Owned, op) == 0, "Owned::of needs the record first");
#pragma GCC diagnostic pop

}  // namespace wdfio::detail
