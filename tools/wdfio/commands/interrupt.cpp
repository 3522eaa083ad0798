#include "commands/interrupt.hpp"

#include <csignal>

namespace wdfio::cli {

namespace {
volatile std::sig_atomic_t g_interrupted = 0;  // written by the handler only: async-signal-safe
struct sigaction g_previous {};

void on_sigint(int) { g_interrupted = 1; }
}  // namespace

InterruptWatch::InterruptWatch() {
    g_interrupted = 0;
    struct sigaction sa {};
    sa.sa_handler = &on_sigint;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGINT, &sa, &g_previous);
}

InterruptWatch::~InterruptWatch() { sigaction(SIGINT, &g_previous, nullptr); }

bool InterruptWatch::interrupted() noexcept { return g_interrupted != 0; }

}  // namespace wdfio::cli
