#include <wdfio/log.hpp>

#include <cstdarg>
#include <cstdio>
#include <mutex>

namespace wdfio {

namespace {
std::mutex g_sink_mutex;
LogSink g_sink;

const char* level_name(LogLevel l) {
    switch (l) {
    case LogLevel::Error: return "error";
    case LogLevel::Warning: return "warning";
    case LogLevel::Info: return "info";
    }
    return "?";
}
}  // namespace

void set_log_sink(LogSink sink) {
    std::lock_guard lock(g_sink_mutex);
    g_sink = std::move(sink);
}

void log(LogLevel level, const char* format, ...) {
    char buf[1024];
    va_list ap;
    va_start(ap, format);
    std::vsnprintf(buf, sizeof buf, format, ap);
    va_end(ap);
    std::lock_guard lock(g_sink_mutex);
    if (g_sink) g_sink(level, buf);
    else std::fprintf(stderr, "wdfio: %s: %s\n", level_name(level), buf);
}

}  // namespace wdfio
