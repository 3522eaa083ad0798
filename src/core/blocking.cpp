#include "core/blocking.hpp"

#include "engine/engine_core.hpp"
#include "engine/engine_group.hpp"

namespace wdfio::detail {

namespace {
// Read and written around every completion routine: initial-exec, so that
// the library's PIC code reaches it without a __tls_get_addr call.
__attribute__((tls_model("initial-exec"))) thread_local unsigned t_routine_depth = 0;
}  // namespace

RoutineScope::RoutineScope() noexcept { ++t_routine_depth; }
RoutineScope::~RoutineScope() { --t_routine_depth; }

bool may_block(const EngineCore& engine) noexcept {
    return t_routine_depth == 0 && !engine.group().on_engine_thread();  // any of its engine threads
}

bool may_block_here() noexcept { return t_routine_depth == 0 && !EngineCore::on_an_engine_thread(); }

}  // namespace wdfio::detail
