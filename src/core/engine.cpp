// Engine: the public face of the engine layer. Made here, in the core, since
// the engine is handed the request layer's table of what it calls up for —
// and carries the core's in-flight recorder beside it (the engine layer knows
// nothing of requests or targets, so the recorder lives in the core).
#include <wdfio/engine.hpp>

#include "core/owned_operation.hpp"
#include "core/recorder.hpp"
#include "engine/engine_core.hpp"
#include "engine/engine_group.hpp"

namespace wdfio {

namespace detail {
namespace {
// Every engine the core makes is one of these: recorder_of() relies on it.
// One recorder for all its threads (each thread writes a ring of its own).
struct RecordedEngine final : EngineGroup {
    RecordedEngine(const EngineOptions& options, const OwnerOps& owner)
        : EngineGroup(options, owner), recorder(*this, options.recorder) {}
    ~RecordedEngine() override { shutdown(); }  // the threads are gone before the recorder they write
    Recorder recorder;
};
}  // namespace

Recorder& recorder_of(EngineCore& engine) noexcept { return static_cast<RecordedEngine&>(engine.group()).recorder; }

EngineCore& EngineAccess::core(Engine& engine) noexcept { return engine.engines_->primary(); }
std::shared_ptr<EngineCore> EngineAccess::shared(Engine& engine) noexcept {
    return {engine.engines_, &engine.engines_->primary()};  // holds the group
}
}  // namespace detail

Engine::Engine(EngineOptions options)
    : engines_(std::make_shared<detail::RecordedEngine>(options, detail::core_owner_ops())) {}
Engine::~Engine() { engines_->shutdown(); }
BackendKind Engine::backend() const noexcept { return engines_->primary().backend(); }
Status Engine::uring_status() const noexcept { return engines_->primary().uring_status(); }
bool Engine::on_engine_thread() const noexcept { return engines_->on_engine_thread(); }
unsigned Engine::engine_threads() const noexcept { return engines_->size(); }

}  // namespace wdfio
