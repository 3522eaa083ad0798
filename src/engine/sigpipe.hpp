// SIGPIPE: a write to a pipe or socket whose reader has gone raises it in the
// thread that made the write, and its default action ends the process. wdfio's
// own threads (the engine thread, the workers) block it, so it stays pending
// there, and the thread that reports the EPIPE takes it back: the request
// completes with STATUS_PIPE_BROKEN and the application's SIGPIPE disposition
// for its own descriptors (default, ignored or its handler) is left as it was.
// Sockets are written with send(MSG_NOSIGNAL), which raises nothing.
#pragma once
#include <csignal>
#include <ctime>

namespace wdfio::detail {

// For threads wdfio creates: block SIGPIPE in the calling thread only.
inline void block_sigpipe_in_this_thread() noexcept {
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGPIPE);
    pthread_sigmask(SIG_BLOCK, &set, nullptr);
}

// After an EPIPE on a wdfio thread: take the SIGPIPE the write left pending, if any.
inline void consume_pending_sigpipe() noexcept {
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGPIPE);
    const timespec none{0, 0};
    while (sigtimedwait(&set, nullptr, &none) == SIGPIPE) {
    }
}

}  // namespace wdfio::detail
