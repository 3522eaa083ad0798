// A target that outlives its Engine (a misuse: close targets first) is safe to
// close, send to and release: sends are refused with STATUS_INVALID_DEVICE_STATE,
// and the last release closes the descriptor, with no use of what the engine freed.
#include "support/completions.hpp"
#include "support/test_util.hpp"

#include <wdfio/wdfio.hpp>

#include <dirent.h>

namespace wdfio::test {
namespace {

int open_fds() {
    int n = 0;
    DIR* d = opendir("/proc/self/fd");
    if (!d) return -1;
    while (readdir(d)) ++n;
    closedir(d);
    return n;
}

// A file target whose Engine has already gone, after one successful write.
Ref<IoTarget> orphaned_target(const TempFile& file) {
    Engine engine;
    auto target = IoTarget::open(engine, file.path()).value();
    auto w = Request::create(*target).value();
    EXPECT_STATUS(w->format_write(*target, Memory::allocate(512).value(), {}, 0), STATUS_SUCCESS);
    EXPECT_TRUE(w->send(*target, SendOptions::synchronous()));
    EXPECT_STATUS(w->status(), STATUS_SUCCESS);
    return target;
}

TEST(EngineLifetime, TargetReleasedAfterItsEngineClosesItsDescriptor) {
    TempFile file(4096);
    const int before = open_fds();
    auto target = orphaned_target(file);
    target = Ref<IoTarget>();  // the last reference
    EXPECT_EQ(open_fds(), before);
}

TEST(EngineLifetime, TargetClosedAfterItsEngine) {
    TempFile file(4096);
    const int before = open_fds();
    auto target = orphaned_target(file);
    target->close();
    EXPECT_EQ(target->state(), IoTargetState::Closed);
    EXPECT_EQ(open_fds(), before);
    target = Ref<IoTarget>();
    EXPECT_EQ(open_fds(), before);
}

TEST(EngineLifetime, SendToATargetWhoseEngineHasGoneIsRefused) {
    TempFile file(4096);
    auto target = orphaned_target(file);
    for (bool synchronous : {false, true}) {
        auto r = Request::create(*target).value();
        ASSERT_STATUS(r->format_read(*target, Memory::allocate(512).value(), {}, 0), STATUS_SUCCESS);
        test::Completions runs;
        runs.arm(*r);
        EXPECT_FALSE(r->send(*target, synchronous ? SendOptions::synchronous() : SendOptions{}));
        EXPECT_STATUS(r->status(), STATUS_INVALID_DEVICE_STATE);
        EXPECT_EQ(runs.count.load(), 0);
    }
    EXPECT_STATUS(target->start(), STATUS_INVALID_DEVICE_STATE);
    target->stop(SentIoAction::Cancel);
    target->purge(PurgeIoAction::PurgeAndWait);
    target->close();
}

}  // namespace
}  // namespace wdfio::test
