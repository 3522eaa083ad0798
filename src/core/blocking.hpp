// Where a thread may block waiting for I/O: not on the engine thread (it
// would wait for completions only it can deliver) and not inside a completion
// routine, whatever thread runs it — an in-process target completes inline on
// the completing thread, and a routine that waits for its own target's I/O
// (stop, purge, close) would wait for itself.
#pragma once

namespace wdfio::detail {

class EngineCore;

bool may_block(const EngineCore& engine) noexcept;
// The same for a wait that no engine is involved in (a wait lock): on no
// engine's thread at all.
bool may_block_here() noexcept;

// Marks this thread as running a completion routine for its scope (nests).
class RoutineScope {
public:
    RoutineScope() noexcept;
    ~RoutineScope();
    RoutineScope(const RoutineScope&) = delete;
    RoutineScope& operator=(const RoutineScope&) = delete;
};

}  // namespace wdfio::detail
