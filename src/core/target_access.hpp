// What the core, the targets and the device layer may do to a target beyond its API.
#pragma once
#include <wdfio/io_target.hpp>

#include "core/request_access.hpp"
#include "engine/engine_core.hpp"
#include "engine/engine_group.hpp"

namespace wdfio::detail {

struct TargetAccess {
    static EngineCore& core(const IoTarget& t) noexcept { return t.core(); }
    // The engine thread that carries op, sent to t (Operation::core).
    static EngineCore& core_of(const IoTarget& t, const Operation& op) noexcept {
        return t.core().group().core(op.core);
    }
    // t's requests are spread over its engine's threads (IoTarget::spread_).
    static void spread(IoTarget& t) noexcept { t.spread_ = true; }
    // r's target saw a stop/purge/close cancel pass begin after r passed its gate.
    static bool missed_cancel(Request& r) noexcept { return RequestAccess::sent_target(r)->missed_cancel(r); }
};

}  // namespace wdfio::detail
