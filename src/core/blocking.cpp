#include "core/blocking.hpp"

#include "engine/engine_core.hpp"

namespace wdfio::detail {

namespace {
thread_local unsigned t_routine_depth = 0;
}

RoutineScope::RoutineScope() noexcept { ++t_routine_depth; }
RoutineScope::~RoutineScope() { --t_routine_depth; }

bool may_block(const EngineCore& engine) noexcept { return t_routine_depth == 0 && !engine.on_engine_thread(); }

}  // namespace wdfio::detail
