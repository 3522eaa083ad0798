// Engine: the public face of the engine layer. Made here, in the core, since
// the engine is handed the request layer's table of what it calls up for.
#include <wdfio/engine.hpp>

#include "core/owned_operation.hpp"
#include "engine/engine_core.hpp"

namespace wdfio {

Engine::Engine(EngineOptions options)
    : core_(std::make_shared<detail::EngineCore>(options, detail::core_owner_ops())) {}
Engine::~Engine() { core_->shutdown(); }
BackendKind Engine::backend() const noexcept { return core_->backend(); }
Status Engine::uring_status() const noexcept { return core_->uring_status(); }
bool Engine::on_engine_thread() const noexcept { return core_->on_engine_thread(); }

}  // namespace wdfio
