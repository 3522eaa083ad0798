// CPU time of the whole process (every thread: engines, workers, io_uring's
// own), for the CPU cost per request.
#pragma once
#include <sys/resource.h>

namespace wdfio::cli {

inline double process_cpu_seconds() noexcept {
    rusage u{};
    getrusage(RUSAGE_SELF, &u);
    const auto secs = [](const timeval& t) { return static_cast<double>(t.tv_sec) + t.tv_usec / 1e6; };
    return secs(u.ru_utime) + secs(u.ru_stime);
}

}  // namespace wdfio::cli
