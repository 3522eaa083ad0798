// Bad input to devices, queues and driver-created requests: each is refused
// with a precise status and changes nothing.
#include "support/device_stack.hpp"

#include <string>

using namespace wdfio;
using namespace wdfio::test;
using namespace std::chrono_literals;

using DeviceStackBadInput = DeviceStackTest;

TEST_F(DeviceStackBadInput, NamesQueuesAndDriverCreatedRequests) {
    CountingDriver d1_drv, d2_drv, dup_drv, bad_drv;
    EXPECT_EQ(Device::create(engine, bad_drv, {"Nope"}).status(), Status(STATUS_OBJECT_NAME_INVALID));
    EXPECT_EQ(Device::create(engine, bad_drv, {"\\Devices\\X"}).status(), Status(STATUS_OBJECT_NAME_INVALID));
    EXPECT_EQ(Device::create(engine, bad_drv, {"\\??\\X"}).status(), Status(STATUS_OBJECT_NAME_INVALID));
    const std::string name = unique_name("dup");
    auto d1 = Device::create(engine, d1_drv, {name}).value();
    EXPECT_EQ(Device::create(engine, dup_drv, {name}).status(), Status(STATUS_OBJECT_NAME_COLLISION));
    EXPECT_EQ(Device::find(name).get(), d1.get());  // the first keeps the name
    EXPECT_EQ(IoTarget::open(engine, "\\Device\\Nope").status(), Status(STATUS_OBJECT_NAME_NOT_FOUND));
    EXPECT_EQ(IoTarget::open(engine, unique_name("never")).status(), Status(STATUS_OBJECT_NAME_NOT_FOUND));
    EXPECT_FALSE(Device::find("\\Device\\Nope"));

    // Queues belong to one device.
    auto d2 = Device::create(engine, d2_drv).value();
    auto q2 = d2->create_queue(QueueDispatch::Manual).value();
    EXPECT_EQ(d1->configure_dispatching(RequestType::Read, *q2), Status(STATUS_INVALID_PARAMETER));
    EXPECT_EQ(d1->configure_dispatching(RequestType::NoFormat, d1->default_queue()), Status(STATUS_INVALID_PARAMETER));
    // R5.32: a parallel queue has nothing to retrieve; a sequential one may (a DbgBreak when it holds nothing).
    EXPECT_EQ(d1->default_queue().retrieve_next_request().status(), Status(STATUS_INVALID_DEVICE_STATE));
    auto seq = d1->create_queue(QueueDispatch::Sequential).value();
    EXPECT_EQ(seq->retrieve_next_request().status(), Status(STATUS_NO_MORE_ENTRIES));
    expected_violations = 1;  // that one: it holds nothing, so it would present by itself (spec §10 #17)
    // The refused configuration changed nothing: reads still reach d1's driver.
    auto t1 = IoTarget::open(engine, name).value();
    auto buf = Memory::allocate(8).value();
    EXPECT_EQ(send_read_synchronously(*t1, nullptr, buf, {}, 0), kOk);
    EXPECT_EQ(d1_drv.presented.load(), 1);
    EXPECT_EQ(q2->waiting(), 0u);

    // A device above a closed target.
    auto closed = d2->open_target().value();
    closed->close();
    EXPECT_EQ(Device::create_above(engine, bad_drv, *closed).status(), Status(STATUS_INVALID_DEVICE_STATE));

    // A driver-created request is not the driver's view of a delivered one:
    // the calls a driver makes on what it received are not its (the types
    // say so), and the checked conversion refuses it.
    auto r = Request::create().value();
    EXPECT_EQ(r->kind(), RequestKind::Created);
    EXPECT_EQ(DeliveredRequest::from(*r), nullptr);
    static_assert(!kHasDriverCalls<Request>);
    static_assert(kHasDriverCalls<DeliveredRequest>);
    ASSERT_EQ(r->format_read(*t1, buf, {}, 0), kOk);  // even when formatted
    EXPECT_EQ(DeliveredRequest::from(*r), nullptr);
    // Send-and-forget of a driver-created request (spec §10 #7).
    EXPECT_FALSE(r->send(*t1, SendOptions::send_and_forget()));
    EXPECT_EQ(r->status(), Status(STATUS_INVALID_DEVICE_STATE));
    EXPECT_EQ(d1_drv.presented.load(), 1);
    // And it still works as a request.
    ASSERT_TRUE(r->send(*t1, SendOptions::synchronous()));
    EXPECT_EQ(r->status(), kOk);

    d1->remove();
    d2->remove();
    EXPECT_FALSE(Device::find(name));
    EXPECT_EQ(IoTarget::open(engine, name).status(), Status(STATUS_OBJECT_NAME_NOT_FOUND));
}

TEST_F(DeviceStackBadInput, MarkCancelableWithoutCallback) {
    CountingDriver drv;
    auto d = Device::create(engine, drv, {"", QueueDispatch::Manual}).value();
    auto t = d->open_target().value();
    auto buf = Memory::allocate(8).value();
    Completions c;
    auto r = send_read(*t, c, buf);
    DeliveredRequest* q = d->default_queue().retrieve_next_request().value();
    EXPECT_EQ(q->mark_cancelable(nullptr), Status(STATUS_INVALID_DEVICE_REQUEST));
    EXPECT_EQ(q->unmark_cancelable(), Status(STATUS_INVALID_DEVICE_REQUEST));
    EXPECT_EQ(q->complete_with_information(STATUS_SUCCESS, 8), kOk);  // not marked: not reported
    ASSERT_TRUE(c.wait());
    EXPECT_EQ(c.status(), kOk);
    d->remove();
}

// A Device::create that fails (here with STATUS_OBJECT_NAME_COLLISION) leaves
// the driver alone: a driver already serving a device still points at it.
TEST_F(DeviceStackBadInput, FailedCreateLeavesTheDriverAlone) {
    CountingDriver drv;
    const std::string name = unique_name("x");
    auto d = Device::create(engine, drv, {name}).value();
    ASSERT_EQ(&drv.device(), d.get());
    EXPECT_EQ(Device::create(engine, drv, {name}).status(), Status(STATUS_OBJECT_NAME_COLLISION));
    EXPECT_EQ(&drv.device(), d.get()) << "Driver::device() now points at the device that failed to be created";
    d->remove();
}

// add_name: a late "\Device\" name and links in their four forms are one
// name each, found until remove(); other forms, names in use and a removed
// device are refused.
TEST_F(DeviceStackBadInput, AddedNamesAndLinks) {
    CountingDriver drv, other_drv;
    auto d = Device::create(engine, drv).value();  // anonymous
    const std::string late = unique_name("late");
    const std::string link = late.substr(std::string("\\Device\\").size());
    EXPECT_EQ(d->add_name("Nope"), Status(STATUS_OBJECT_NAME_INVALID));
    EXPECT_EQ(d->add_name("\\Device\\"), Status(STATUS_OBJECT_NAME_INVALID));
    EXPECT_EQ(d->add_name("\\??\\"), Status(STATUS_OBJECT_NAME_INVALID));
    EXPECT_FALSE(Device::find(late));
    ASSERT_EQ(d->add_name(late), kOk);
    ASSERT_EQ(d->add_name("\\DosDevices\\" + link), kOk);
    for (const std::string& form :
         {"\\??\\" + link, "\\DosDevices\\Global\\" + link, "\\GLOBAL??\\" + link, "\\\\.\\" + link})
        EXPECT_EQ(d->add_name(form), Status(STATUS_OBJECT_NAME_COLLISION)) << form;
    for (const std::string& form : {late, "\\??\\" + link, "\\DosDevices\\Global\\" + link, "\\\\.\\" + link}) {
        EXPECT_EQ(Device::find(form).get(), d.get()) << form;
        EXPECT_TRUE(IoTarget::open(engine, form)) << form;
    }
    EXPECT_FALSE(d->remove_name("\\??\\" + link + "-none"));  // a name it does not have
    EXPECT_FALSE(d->remove_name("Nope"));
    ASSERT_TRUE(d->remove_name("\\\\.\\" + link));  // any form of a link drops it
    EXPECT_FALSE(Device::find("\\??\\" + link));
    EXPECT_FALSE(d->remove_name("\\??\\" + link));
    ASSERT_EQ(d->add_name("\\??\\" + link), kOk);
    auto other = Device::create(engine, other_drv).value();
    EXPECT_EQ(other->add_name(late), Status(STATUS_OBJECT_NAME_COLLISION));
    EXPECT_EQ(other->add_name("\\??\\" + link), Status(STATUS_OBJECT_NAME_COLLISION));
    EXPECT_FALSE(other->remove_name("\\??\\" + link));  // d's, not other's
    EXPECT_EQ(Device::find("\\??\\" + link).get(), d.get());
    d->remove();
    EXPECT_FALSE(Device::find(late));
    EXPECT_EQ(IoTarget::open(engine, "\\\\.\\" + link).status(), Status(STATUS_OBJECT_NAME_NOT_FOUND));
    EXPECT_EQ(d->add_name("\\??\\" + link + "2"), Status(STATUS_INVALID_DEVICE_STATE));
    EXPECT_EQ(other->add_name("\\??\\" + link), kOk);  // free again
    other->remove();
}
