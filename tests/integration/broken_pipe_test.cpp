// Writes to a pipe or socket whose reader has gone: the request completes
// with STATUS_PIPE_BROKEN and the process lives (no SIGPIPE reaches it), on
// the backend WDFIO_BACKEND names, while the application's own SIGPIPE
// disposition for its own descriptors stays as it was.
#include "support/test_util.hpp"

#include <wdfio/wdfio.hpp>

#include <fcntl.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>

namespace wdfio::test {
namespace {

// What a write of 16 bytes to the descriptor through wdfio completes with.
Status write_through_wdfio(Engine& engine, int fd) {
    auto target = IoTarget::from_fd(engine, fd, "broken").value();
    CloseOnExit closer(target);
    auto buffer = Memory::allocate(16).value();
    auto r = Request::create(*target).value();
    if (Status s = r->format_write(*target, buffer, {}, 0); !s.ok()) return s;
    if (!r->send(*target, SendOptions::synchronous())) return r->status();
    return r->status();
}

// A pipe's write end and a socket whose peer are closed; the caller closes them.
struct BrokenEnds {
    BrokenEnds() {
        int p[2];
        EXPECT_EQ(pipe2(p, O_CLOEXEC), 0);
        ::close(p[0]);
        pipe_writer = p[1];
        int s[2];
        EXPECT_EQ(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, s), 0);
        ::close(s[1]);
        socket_writer = s[0];
    }
    ~BrokenEnds() {
        ::close(pipe_writer);
        ::close(socket_writer);
    }
    int pipe_writer = -1;
    int socket_writer = -1;
};

TEST(BrokenPipe, WriteCompletesWithPipeBrokenAndTheProcessLives) {
    // In a child, with SIGPIPE at its default action: a SIGPIPE reaching the
    // process would kill the child, not the test binary.
    const pid_t child = fork();
    ASSERT_GE(child, 0);
    if (child == 0) {
        signal(SIGPIPE, SIG_DFL);
        int code = 0;
        {
            Engine engine;
            if (engine.backend() != expected_backend()) code |= 8;
            BrokenEnds ends;
            if (write_through_wdfio(engine, ends.pipe_writer) != Status(STATUS_PIPE_BROKEN)) code |= 1;
            if (write_through_wdfio(engine, ends.socket_writer) != Status(STATUS_PIPE_BROKEN)) code |= 2;
        }
        _exit(code);
    }
    int status = 0;
    ASSERT_EQ(waitpid(child, &status, 0), child);
    ASSERT_FALSE(WIFSIGNALED(status)) << "the child was killed by signal " << WTERMSIG(status)
                                      << (WIFSIGNALED(status) && WTERMSIG(status) == SIGPIPE ? " (SIGPIPE)" : "");
    ASSERT_TRUE(WIFEXITED(status));
    EXPECT_EQ(WEXITSTATUS(status) & 1, 0) << "the pipe write did not complete with STATUS_PIPE_BROKEN";
    EXPECT_EQ(WEXITSTATUS(status) & 2, 0) << "the socket write did not complete with STATUS_PIPE_BROKEN";
    EXPECT_EQ(WEXITSTATUS(status) & 8, 0) << "the child's engine did not use the backend WDFIO_BACKEND names";
}

std::atomic<int> g_sigpipes{0};

TEST(BrokenPipe, TheApplicationsSigpipeDispositionIsUnchanged) {
    struct sigaction counting {
    }, old{};
    counting.sa_handler = [](int) { g_sigpipes.fetch_add(1); };
    sigemptyset(&counting.sa_mask);
    ASSERT_EQ(sigaction(SIGPIPE, &counting, &old), 0);
    g_sigpipes = 0;
    {
        Engine engine;
        BrokenEnds ends;
        for (int i = 0; i < 3; ++i) {  // again: a signal left pending would show on the next
            EXPECT_STATUS(write_through_wdfio(engine, ends.pipe_writer), STATUS_PIPE_BROKEN);
            EXPECT_STATUS(write_through_wdfio(engine, ends.socket_writer), STATUS_PIPE_BROKEN);
        }
    }
    EXPECT_EQ(g_sigpipes.load(), 0) << "the application's SIGPIPE handler ran for wdfio's writes";

    // This thread's mask is untouched, and the application's own write to its
    // own broken pipe still raises SIGPIPE here, as before.
    sigset_t mask;
    ASSERT_EQ(pthread_sigmask(SIG_BLOCK, nullptr, &mask), 0);
    EXPECT_FALSE(sigismember(&mask, SIGPIPE));
    BrokenEnds own;
    const char byte = 'x';
    EXPECT_EQ(::write(own.pipe_writer, &byte, 1), -1);
    EXPECT_EQ(errno, EPIPE);
    EXPECT_EQ(g_sigpipes.load(), 1);
    sigaction(SIGPIPE, &old, nullptr);
}

}  // namespace
}  // namespace wdfio::test
