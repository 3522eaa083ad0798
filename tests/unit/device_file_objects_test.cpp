// File objects (driver spec §9.4): an open by name is the create, closing
// its target the cleanup (then the close once drained); requests carry the
// open's FileObject; exclusive devices; a failed create; a filter's
// forwarded events; removal with opens still open; opens racing I/O.
#include "support/device_stack.hpp"

#include <chrono>
#include <functional>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

using namespace wdfio;
using namespace wdfio::test;

namespace {
// Records its file-object events in order, as letters (capitals for the
// `upper` driver), and completes reads at once, or holds them in a manual
// queue when asked.
class FileDriver : public Driver {
public:
    explicit FileDriver(bool upper = false) : upper_(upper) {}

    std::mutex mutex;
    std::string events;
    std::vector<FileObject*> files;  // by create
    std::atomic<FileObject*> last_read_file{nullptr};
    Status create_status = STATUS_SUCCESS;
    Queue* manual = nullptr;  // reads wait here when set
    std::atomic<int> creates{0}, cleanups{0}, closes{0}, releases{0};

    Status on_file_create(FileObject& f) override {
        note('c');
        creates.fetch_add(1);
        std::lock_guard lock(mutex);
        files.push_back(&f);
        return create_status;
    }
    void on_file_cleanup(FileObject&) override {
        note('u');
        cleanups.fetch_add(1);
    }
    void on_file_close(FileObject&) override {
        note('l');
        closes.fetch_add(1);
    }
    void on_file_release(FileObject&) override {
        note('x');
        releases.fetch_add(1);
    }
    void on_read(DeliveredRequest& r, std::size_t) override {
        last_read_file.store(r.file_object());
        if (manual) {
            EXPECT_EQ(r.forward_to_queue(*manual), kOk);
            return;
        }
        note('r');
        r.complete_with_information(STATUS_SUCCESS, 0);
    }

private:
    void note(char c) {
        std::lock_guard lock(mutex);
        events.push_back(upper_ ? static_cast<char>(c - 'a' + 'A') : c);
    }
    const bool upper_;
};

bool wait_until(const std::function<bool()>& done) {
    for (int i = 0; i < 10000; ++i) {
        if (done()) return true;
        std::this_thread::sleep_for(std::chrono::milliseconds(1));
    }
    return false;
}

Status read_through(IoTarget& t) {
    auto buf = Memory::allocate(16).value();
    return send_read_synchronously(t, nullptr, buf, {}, 0);
}
}  // namespace

using DeviceFileObjects = DeviceStackTest;

TEST_F(DeviceFileObjects, AnOpenRunsCreateIoCleanupCloseRelease) {
    FileDriver drv;
    const std::string name = unique_name("fo");
    auto d = Device::create(engine, drv, {name}).value();
    auto t = IoTarget::open(engine, name + "\\a\\b").value();
    ASSERT_EQ(drv.files.size(), 1u);
    FileObject* f = drv.files[0];
    EXPECT_EQ(&f->device(), d.get());
    EXPECT_EQ(f->name(), "\\a\\b");
    EXPECT_EQ(f->lower(), nullptr);
    EXPECT_EQ(d->open_files(), 1u);
    EXPECT_EQ(read_through(*t), kOk);
    EXPECT_EQ(drv.last_read_file.load(), f);
    t->close();
    EXPECT_EQ(drv.events, "crulx");
    EXPECT_EQ(d->open_files(), 0u);
    t->remove();
    t = nullptr;
    EXPECT_EQ(drv.events, "crulx");  // once

    // The device's local target is no open: no events, no file object.
    auto local = d->open_target().value();
    EXPECT_EQ(read_through(*local), kOk);
    EXPECT_EQ(drv.last_read_file.load(), nullptr);
    local = nullptr;
    // A target dropped without a close ends its open too.
    auto dropped = IoTarget::open(engine, name).value();
    EXPECT_EQ(drv.files.back()->name(), "");
    dropped = nullptr;
    EXPECT_EQ(drv.events, "crulxrculx");
    d->remove();
}

TEST_F(DeviceFileObjects, ExclusiveAndFailedCreates) {
    FileDriver drv;
    const std::string name = unique_name("excl");
    DeviceOptions options{name};
    options.exclusive = true;
    auto d = Device::create(engine, drv, options).value();
    auto first = IoTarget::open(engine, name).value();
    EXPECT_EQ(IoTarget::open(engine, name).status(), Status(STATUS_ACCESS_DENIED));
    EXPECT_EQ(drv.creates.load(), 1);
    first->close();
    drv.create_status = STATUS_DEVICE_BUSY;
    EXPECT_EQ(IoTarget::open(engine, name).status(), Status(STATUS_DEVICE_BUSY));
    EXPECT_EQ(drv.events, "culxcx");  // the failed create: released, no cleanup or close
    EXPECT_EQ(d->open_files(), 0u);
    drv.create_status = STATUS_SUCCESS;
    EXPECT_TRUE(IoTarget::open(engine, name).ok());  // exclusive again free
    d->remove();
    EXPECT_EQ(IoTarget::open(engine, name).status(), Status(STATUS_OBJECT_NAME_NOT_FOUND));
}

TEST_F(DeviceFileObjects, AForwardingFilterMakesTheLowerDevicesFileObject) {
    FileDriver bottom;
    const std::string name = unique_name("filter");
    auto b = Device::create(engine, bottom).value();
    auto below = b->open_target().value();
    DeviceOptions options{name};
    options.forward_file_events = true;
    struct PassingFileDriver : FileDriver {
        PassingFileDriver() : FileDriver(true) {}
        void on_read(DeliveredRequest& r, std::size_t) override {
            last_read_file.store(r.file_object());
            forward_down(r, *device().default_target());
        }
    } upper;
    auto u = Device::create_above(engine, upper, *below, options).value();
    auto t = IoTarget::open(engine, name).value();
    ASSERT_EQ(upper.files.size(), 1u);
    ASSERT_EQ(bottom.files.size(), 1u);
    EXPECT_EQ(upper.files[0]->lower(), bottom.files[0]);
    EXPECT_EQ(read_through(*t), kOk);
    EXPECT_EQ(upper.last_read_file.load(), upper.files[0]);
    EXPECT_EQ(bottom.last_read_file.load(), bottom.files[0]);
    t->close();
    EXPECT_EQ(upper.events, "CULX");
    EXPECT_EQ(bottom.events, "crulx");
    // The device below refuses: the open fails, and the filter's file object goes unopened.
    bottom.create_status = STATUS_DEVICE_BUSY;
    EXPECT_EQ(IoTarget::open(engine, name).status(), Status(STATUS_DEVICE_BUSY));
    EXPECT_EQ(upper.events, "CULXCX");
    EXPECT_EQ(bottom.events, "crulxcx");
    EXPECT_EQ(u->open_files(), 0u);
    EXPECT_EQ(b->open_files(), 0u);
    u->remove();
    b->remove();
}

TEST_F(DeviceFileObjects, CleanupCancelsTheOpensWaitingRequestsOnly) {
    FileDriver drv;
    const std::string name = unique_name("cancel");
    auto d = Device::create(engine, drv, {name}).value();
    auto manual = d->create_queue(QueueDispatch::Manual).value();
    drv.manual = manual.get();
    auto a = IoTarget::open(engine, name).value();
    auto b = IoTarget::open(engine, name).value();
    Completions ca, cb;
    auto ba = Memory::allocate(16).value(), bb = Memory::allocate(16).value();
    auto ra = send_read(*a, ca, ba);
    auto rb = send_read(*b, cb, bb);
    ASSERT_TRUE(wait_until([&] { return manual->waiting() == 2; }));
    auto none = manual->retrieve_request_by_file_object(nullptr);
    EXPECT_EQ(none.status(), Status(STATUS_NO_MORE_ENTRIES));
    a->close();  // cleanup: a's read cancelled in the queue
    ASSERT_TRUE(ca.wait());
    EXPECT_EQ(ca.status(), Status(STATUS_CANCELLED));
    EXPECT_EQ(cb.count.load(), 0);
    auto got = manual->retrieve_request_by_file_object(drv.files[1]);
    ASSERT_TRUE(got.ok());
    EXPECT_EQ(got.value()->file_object(), drv.files[1]);
    EXPECT_EQ(got.value()->complete(STATUS_SUCCESS), kOk);
    ASSERT_TRUE(cb.wait());
    EXPECT_EQ(cb.status(), kOk);
    manual->stop();
    EXPECT_EQ(manual->retrieve_request_by_file_object(drv.files[1]).status(), Status(STATUS_WDF_PAUSED));
    b->close();
    d->remove();
}

// EvtFileCleanup finishes a request whose routine closes the same open again:
// the nested close finds the cleanup under way and returns (no deadlock).
TEST_F(DeviceFileObjects, ACleanupThatCompletesIntoACloseOfTheSameOpen) {
    struct FinishingDriver : FileDriver {
        void on_file_cleanup(FileObject& f) override {
            FileDriver::on_file_cleanup(f);
            if (auto r = manual->retrieve_request_by_file_object(&f)) r.value()->complete(STATUS_SUCCESS);
        }
    } drv;
    const std::string name = unique_name("nested");
    auto d = Device::create(engine, drv, {name}).value();
    auto manual = d->create_queue(QueueDispatch::Manual).value();
    drv.manual = manual.get();
    auto t = IoTarget::open(engine, name).value();
    std::atomic<int> routines{0};
    auto buf = Memory::allocate(16).value();
    auto r = Request::create(*t).value();
    ASSERT_EQ(r->format_read(*t, buf, {}, 0), kOk);
    IoTarget* target = t.get();
    r->set_completion([&](Request&, IoTarget&, const CompletionParams&) {
        target->close();
        routines.fetch_add(1);
    });
    ASSERT_TRUE(r->send(*t));
    ASSERT_TRUE(wait_until([&] { return manual->waiting() == 1; }));
    t->close();
    ASSERT_TRUE(wait_for_count(routines, 1));
    EXPECT_EQ(drv.events, "culx");
    d->remove();
}

TEST_F(DeviceFileObjects, RemovalEndsTheOpensStillOpen) {
    FileDriver drv;
    const std::string name = unique_name("removal");
    auto d = Device::create(engine, drv, {name}).value();
    auto t = IoTarget::open(engine, name).value();
    d->remove();
    EXPECT_EQ(drv.events, "culx");
    t->close();  // nothing more: the device is gone
    EXPECT_EQ(drv.events, "culx");
}

// Opens, I/O and closes from several threads: each open gets exactly one
// create, cleanup, close and release, none after the device is removed.
TEST_F(DeviceFileObjects, OpensAndClosesRacingIo) {
    FileDriver drv;
    const std::string name = unique_name("race");
    auto d = Device::create(engine, drv, {name}).value();
    std::atomic<int> opened{0}, reads{0};
    std::vector<std::thread> threads;
    threads.reserve(4);
    for (int i = 0; i < 4; ++i) {
        threads.emplace_back([&] {
            for (int n = 0; n < 50; ++n) {
                auto t = IoTarget::open(engine, name);
                if (!t) continue;
                opened.fetch_add(1);
                auto buf = Memory::allocate(16).value();
                std::thread reader([&, target = t.value(), buf] {
                    for (int k = 0; k < 5; ++k)
                        if (send_read_synchronously(*target, nullptr, buf, {}, 0).ok()) reads.fetch_add(1);
                });
                if (n % 2) t.value()->close();
                reader.join();
            }
        });
    }
    for (auto& th : threads) th.join();
    d->remove();
    EXPECT_EQ(drv.creates.load(), opened.load());
    EXPECT_EQ(drv.cleanups.load(), opened.load());
    EXPECT_EQ(drv.closes.load(), opened.load());
    EXPECT_EQ(drv.releases.load(), opened.load());
    EXPECT_GT(reads.load(), 0);
    EXPECT_EQ(d->open_files(), 0u);
}
