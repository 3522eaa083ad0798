// The automatic fallback: when io_uring cannot be set up (here io_uring_setup
// fails with ENOSYS or EPERM from a seccomp filter, as under Docker's default
// profile), the engine chooses the worker-thread backend by itself, says so
// in one log line, and I/O works. Runs in a child process: seccomp filters
// cannot be removed.
#include "support/test_util.hpp"

#include <linux/filter.h>
#include <linux/seccomp.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>

#include <cerrno>
#include <cstddef>

using namespace wdfio;

namespace {

// Makes io_uring_setup fail with `err` for this process from now on.
bool block_io_uring_setup(int err) {
    sock_filter filter[] = {
        BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(seccomp_data, nr)),
        BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, __NR_io_uring_setup, 0, 1),
        BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ERRNO | (static_cast<unsigned>(err) & SECCOMP_RET_DATA)),
        BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
    };
    sock_fprog prog{static_cast<unsigned short>(sizeof filter / sizeof filter[0]), filter};
    return prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) == 0 && prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &prog) == 0;
}

// In a child: block io_uring, start an engine on automatic choice, do a write
// and a read. Exit code: 0 fine, 10+ what went wrong.
int child(int err) {
    if (!block_io_uring_setup(err)) return 10;
    int warnings = 0;
    set_log_sink([&warnings](LogLevel level, std::string_view msg) {
        if (level == LogLevel::Warning && msg.find("io_uring unavailable") != std::string_view::npos) ++warnings;
    });
    EngineOptions automatic;
    automatic.backend = std::nullopt;
    ::unsetenv("WDFIO_BACKEND");
    Engine engine(automatic);
    if (engine.backend() != BackendKind::Threads) return 11;
    if (engine.uring_status() != Status::from_errno(err)) return 12;
    if (warnings != 1) return 13;
    test::TempFile file(0);
    auto target = IoTarget::open(engine, file.path());
    if (!target) return 14;
    auto out = Memory::allocate(4096).value();
    test::fill_pattern(*out, 9);
    auto in = Memory::allocate(4096).value();
    if (!send_write_synchronously(*target, nullptr, out, {}, 0).ok()) return 15;
    if (!send_read_synchronously(*target, nullptr, in, {}, 0).ok()) return 16;
    return std::memcmp(in->data(), out->data(), 4096) == 0 ? 0 : 17;
}

int run_in_child(int err) {
    const pid_t pid = fork();
    if (pid == 0) _exit(child(err));
    int status = 0;
    waitpid(pid, &status, 0);
    return WIFEXITED(status) ? WEXITSTATUS(status) : 100;
}

}  // namespace

TEST(Fallback, ChosenWhenIoUringIsRefused) {
    EXPECT_EQ(run_in_child(ENOSYS), 0) << "10 filter, 11 backend, 12 status, 13 log line, 14-17 I/O";
    EXPECT_EQ(run_in_child(EPERM), 0) << "10 filter, 11 backend, 12 status, 13 log line, 14-17 I/O";
}
