// --trace FILE for a command that runs I/O on one engine: the path checked
// before anything runs (bad input, nothing written), the recorder sized so
// that a run fits, and the Perfetto trace written at the end.
#pragma once
#include "checked.hpp"

#include <wdfio/engine.hpp>

#include <optional>
#include <string>

namespace wdfio::cli {

// A failure if `path` cannot be written (a directory, a missing or read-only
// folder); none for an empty path (no trace asked for).
std::optional<CommandFailure> check_trace_path(const std::string& path);
// The engine's options: a recorder large enough for a run when tracing.
EngineOptions engine_options_for_trace(bool tracing);
// Writes what engine's recorder holds to path and says so on stderr (how
// many events, and whether the oldest were overwritten): 0, or kExitFailed.
int write_trace_file(Engine& engine, const std::string& path, const char* command);

}  // namespace wdfio::cli
