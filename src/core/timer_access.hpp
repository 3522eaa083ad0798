// What the engine's table reaches of a timer (operation_owners.cpp).
#pragma once
#include "engine/operation.hpp"

#include <cstdint>

namespace wdfio::detail {

struct TimerAccess {
    // The expiry armed as `seq` came due (engine thread).
    static void fired(Operation& op, std::uint32_t seq) noexcept;
};

}  // namespace wdfio::detail
