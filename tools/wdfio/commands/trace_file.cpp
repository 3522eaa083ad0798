#include "commands/trace_file.hpp"

#include "load_plan.hpp"

#include <wdfio/recorder.hpp>

#include <fmt/core.h>

#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>

namespace wdfio::cli {

std::optional<CommandFailure> check_trace_path(const std::string& path) {
    if (path.empty()) return std::nullopt;
    struct stat st {};
    if (::stat(path.c_str(), &st) == 0) {
        if (S_ISDIR(st.st_mode)) return bad_input("--trace '" + path + "' is a directory: give a file name");
        if (::access(path.c_str(), W_OK) != 0)
            return bad_input("--trace '" + path + "' cannot be written: " + std::strerror(errno));
        return std::nullopt;
    }
    std::filesystem::path folder = std::filesystem::path(path).parent_path();
    if (folder.empty()) folder = ".";
    if (::stat(folder.c_str(), &st) != 0 || !S_ISDIR(st.st_mode))
        return bad_input("--trace '" + path + "': the folder " + folder.string() + " does not exist");
    if (::access(folder.c_str(), W_OK | X_OK) != 0)
        return bad_input("--trace '" + path + "': cannot create a file in " + folder.string() + ": " +
                         std::strerror(errno));
    return std::nullopt;
}

EngineOptions engine_options_for_trace(bool tracing) {
    EngineOptions options;
    if (tracing) options.recorder = RecorderOptions{true, kTraceEvents};
    return options;
}

int write_trace_file(Engine& engine, const std::string& path, const char* command) {
    if (const Status s = write_trace(engine, path); !s.ok()) {
        fmt::print(stderr, "wdfio {}: the trace could not be written to {}: {}\n", command, path, s.to_string());
        return kExitFailed;
    }
    const RecorderInfo info = recorder_info(engine);
    fmt::print(stderr, "wdfio {}: trace written to {} ({} events{}); open it at https://ui.perfetto.dev\n", command,
               path, info.recorded - info.overwritten,
               info.overwritten ? fmt::format(", the oldest {} overwritten", info.overwritten) : std::string());
    return 0;
}

}  // namespace wdfio::cli
