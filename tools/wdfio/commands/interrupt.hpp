// Ctrl-C for the long-running commands: while an InterruptWatch lives, SIGINT
// only sets a flag, which the command's waiting loop polls; it then cancels
// its I/O through the framework, reports, and exits 130.
#pragma once

namespace wdfio::cli {

class InterruptWatch {
public:
    InterruptWatch();   // installs the handler (the previous one is kept)
    ~InterruptWatch();  // restores the previous handler
    InterruptWatch(const InterruptWatch&) = delete;
    InterruptWatch& operator=(const InterruptWatch&) = delete;

    static bool interrupted() noexcept;
};

}  // namespace wdfio::cli
