// Engine: the public face of the engine layer. Made here, in the core, since
// the engine is handed the request layer's table of what it calls up for —
// and carries the core's in-flight recorder beside it (the engine layer knows
// nothing of requests or targets, so the recorder lives in the core).
#include <wdfio/engine.hpp>

#include "core/owned_operation.hpp"
#include "core/recorder.hpp"
#include "engine/engine_core.hpp"

namespace wdfio {

namespace detail {
namespace {
// Every engine the core makes is one of these: recorder_of() relies on it.
struct RecordedEngine final : EngineCore {
    RecordedEngine(const EngineOptions& options, const OwnerOps& owner)
        : EngineCore(options, owner), recorder(*this, options.recorder) {}
    ~RecordedEngine() { shutdown(); }  // the thread is gone before the recorder it writes
    Recorder recorder;
};
}  // namespace

Recorder& recorder_of(EngineCore& engine) noexcept { return static_cast<RecordedEngine&>(engine).recorder; }
}  // namespace detail

Engine::Engine(EngineOptions options)
    : core_(std::make_shared<detail::RecordedEngine>(options, detail::core_owner_ops())) {}
Engine::~Engine() { core_->shutdown(); }
BackendKind Engine::backend() const noexcept { return core_->backend(); }
Status Engine::uring_status() const noexcept { return core_->uring_status(); }
bool Engine::on_engine_thread() const noexcept { return core_->on_engine_thread(); }

}  // namespace wdfio
