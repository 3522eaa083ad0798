// Diagnostics: one line per event, to stderr unless a sink is installed.
#pragma once
#include <functional>
#include <string_view>

#pragma GCC visibility push(default)  // what the public headers declare is the ABI (the rest is hidden)

namespace wdfio {

enum class LogLevel { Error, Warning, Info };

using LogSink = std::function<void(LogLevel, std::string_view message)>;
// Replace the sink (nullptr restores stderr). Not for use while I/O is running.
void set_log_sink(LogSink sink);

void log(LogLevel level, const char* format, ...) __attribute__((format(printf, 2, 3)));

}  // namespace wdfio
#pragma GCC visibility pop
