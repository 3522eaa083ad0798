// What the core, the targets and the device layer may do to a target beyond its API.
#pragma once
#include <wdfio/io_target.hpp>

#include "core/request_access.hpp"

namespace wdfio::detail {

struct TargetAccess {
    static EngineCore& core(const IoTarget& t) noexcept { return t.core(); }
    // r's target saw a stop/purge/close cancel pass begin after r passed its gate.
    static bool missed_cancel(Request& r) noexcept { return RequestAccess::sent_target(r)->missed_cancel(r); }
};

}  // namespace wdfio::detail
