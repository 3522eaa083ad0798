// The object model (driver spec §1): parent/child deletion order, cleanup
// and destroy callbacks, context areas allocated with the object, default
// parents, what may not be deleted, and bad input.
#include "support/test_util.hpp"

#include <wdfio/wdfio.hpp>

#include <atomic>
#include <string>
#include <thread>
#include <vector>

using namespace wdfio;

namespace {

// What the callbacks saw, in order: "cleanup:<name>", "destroy:<name>".
std::vector<std::string>& events() {
    static std::vector<std::string> e;
    return e;
}

struct Named {
    const char* name = nullptr;
};
// Every object in these tests carries a Named context, so the callbacks can say who ran.
void on_cleanup(Object& o) { events().push_back(std::string("cleanup:") + o.context<Named>()->name); }
void on_destroy(Object& o) { events().push_back(std::string("destroy:") + o.context<Named>()->name); }

ObjectAttributes named(Object* parent = nullptr) {
    ObjectAttributes a;
    a.parent = parent;
    a.cleanup = on_cleanup;
    a.destroy = on_destroy;
    a.with_context<Named>();
    return a;
}

Ref<Memory> make_memory(const char* name, Object* parent = nullptr) {
    auto m = Memory::allocate(16, named(parent));
    EXPECT_TRUE(m.ok());
    if (!m) return nullptr;
    m->context<Named>()->name = name;
    return *m;
}

// A context that counts its constructions and destructions.
std::atomic<int> g_alive{0};
struct Counted {
    Counted() { g_alive.fetch_add(1); }
    ~Counted() { g_alive.fetch_sub(1); }
    int value = 0;
};
struct Other {
    int x = 0;
};

class ObjectModel : public ::testing::Test {
protected:
    void SetUp() override { events().clear(); }
};

// Children go first, newest first, each completely (its cleanup returned)
// before its parent's cleanup; destroy waits for the last reference.
TEST_F(ObjectModel, DeleteWalksChildrenNewestFirstThenCleanup) {
    auto root = make_memory("root");
    auto a = make_memory("a", root.get());
    auto b = make_memory("b", root.get());
    auto a1 = make_memory("a1", a.get());
    a = nullptr;  // the parent's reference keeps the children
    b = nullptr;
    a1 = nullptr;
    EXPECT_EQ(root->delete_object(), Status(STATUS_SUCCESS));
    EXPECT_TRUE(root->deleted());
    const std::vector<std::string> want{"cleanup:b", "destroy:b", "cleanup:a1",  "destroy:a1",
                                        "cleanup:a", "destroy:a", "cleanup:root"};
    EXPECT_EQ(events(), want);
    root = nullptr;  // the last reference: destroy now
    EXPECT_EQ(events().back(), "destroy:root");
}

TEST_F(ObjectModel, DestroyRunsAtTheLastReference) {
    auto m = make_memory("m");
    Ref<Memory> extra = m;
    m->delete_object();
    EXPECT_EQ(events(), std::vector<std::string>{"cleanup:m"});
    m = nullptr;
    EXPECT_EQ(events().size(), 1u);  // `extra` still holds it: memory and context stay valid
    EXPECT_STREQ(extra->context<Named>()->name, "m");
    extra = nullptr;
    EXPECT_EQ(events(), (std::vector<std::string>{"cleanup:m", "destroy:m"}));
}

TEST_F(ObjectModel, CleanupRunsAtTheLastReferenceIfNeverDeleted) {
    auto root = make_memory("root");
    make_memory("child", root.get());
    root = nullptr;  // a root's children go with it
    EXPECT_EQ(events(), (std::vector<std::string>{"cleanup:child", "destroy:child", "cleanup:root", "destroy:root"}));
}

TEST_F(ObjectModel, DeleteTwiceIsHarmless) {
    auto m = make_memory("m");
    EXPECT_EQ(m->delete_object(), Status(STATUS_SUCCESS));
    EXPECT_EQ(m->delete_object(), Status(STATUS_SUCCESS));
    EXPECT_EQ(events(), std::vector<std::string>{"cleanup:m"});
}

TEST_F(ObjectModel, ChildDeletedAloneLeavesItsParent) {
    auto root = make_memory("root");
    auto child = make_memory("child", root.get());
    child->delete_object();
    child = nullptr;
    EXPECT_EQ(events(), (std::vector<std::string>{"cleanup:child", "destroy:child"}));
    root->delete_object();
    EXPECT_EQ(events().back(), "cleanup:root");
}

TEST_F(ObjectModel, ChildOfADeletedParentIsRefused) {
    auto root = make_memory("root");
    root->delete_object();
    auto m = Memory::allocate(16, named(root.get()));
    EXPECT_EQ(m.status(), Status(STATUS_DELETE_PENDING));
    // A failed create runs no callback (spec R1.4).
    EXPECT_EQ(events(), std::vector<std::string>{"cleanup:root"});
}

TEST_F(ObjectModel, ParentIsReported) {
    auto root = make_memory("root");
    auto child = make_memory("child", root.get());
    Ref<Object> p = Ref<Object>::adopt(child->parent_ref());
    EXPECT_EQ(p.get(), root.get());
    EXPECT_EQ(root->parent_ref(), nullptr);
    child->delete_object();
    EXPECT_EQ(child->parent_ref(), nullptr);
}

TEST_F(ObjectModel, ContextLivesAndDiesWithTheObject) {
    {
        ObjectAttributes a;
        a.with_context<Counted>();
        auto m = Memory::allocate(8, a);
        ASSERT_TRUE(m.ok());
        EXPECT_EQ(g_alive.load(), 1);
        Counted* c = m->context<Counted>();
        ASSERT_NE(c, nullptr);
        EXPECT_EQ(c->value, 0);
        EXPECT_EQ(&Object::from_context(c), &*m);
        // Allocated with the object: right after it, in the same block.
        auto* object = reinterpret_cast<const std::byte*>(&*m);
        auto* area = reinterpret_cast<const std::byte*>(c);
        EXPECT_GT(area, object);
        EXPECT_LT(area, object + sizeof(Memory) + 256);
        EXPECT_EQ(m->context<Other>(), nullptr);  // not this object's type
    }
    EXPECT_EQ(g_alive.load(), 0);
}

TEST_F(ObjectModel, ContextSizeOverrideIsZeroFilled) {
    ObjectAttributes a;
    a.with_context<Other>();
    a.context_size = 4096;
    auto m = Memory::allocate(8, a);
    ASSERT_TRUE(m.ok());
    auto* bytes = reinterpret_cast<const unsigned char*>(m->context<Other>());
    for (std::size_t i = 0; i < 4096; ++i) ASSERT_EQ(bytes[i], 0) << i;
}

TEST_F(ObjectModel, NoContextMeansNullLookups) {
    auto m = Memory::allocate(8);
    ASSERT_TRUE(m.ok());
    EXPECT_EQ(m->context<Counted>(), nullptr);
}

TEST_F(ObjectModel, AllocateContextAppendsOrReturnsTheExistingOne) {
    auto m = make_memory("m");
    void* first = nullptr;
    EXPECT_EQ(m->allocate_context(context_type<Counted>, &first), Status(STATUS_SUCCESS));
    EXPECT_EQ(first, m->context<Counted>());
    EXPECT_EQ(g_alive.load(), 1);
    void* again = nullptr;
    EXPECT_EQ(m->allocate_context(context_type<Counted>, &again), Status(STATUS_OBJECT_NAME_EXISTS));
    EXPECT_EQ(again, first);
    EXPECT_EQ(&Object::from_context(first), m.get());
    m->delete_object();
    EXPECT_EQ(m->allocate_context(context_type<Other>), Status(STATUS_DELETE_PENDING));
    m = nullptr;
    EXPECT_EQ(g_alive.load(), 0);
}

// Each context's cleanup runs after the object's cleanup callback, in
// allocation order (primary first), once; destroy callbacks at the last
// reference, then each context's destroy (spec R1.16, R1.17).
struct Tagged {
    int unused = 0;
};
constexpr ContextType kFirst{"first",
                             sizeof(Tagged),
                             alignof(Tagged),
                             nullptr,
                             [](void*) { events().emplace_back("destroy-context:first"); },
                             [](void*) { events().emplace_back("cleanup-context:first"); }};
constexpr ContextType kSecond{"second",
                              sizeof(Tagged),
                              alignof(Tagged),
                              nullptr,
                              [](void*) { events().emplace_back("destroy-context:second"); },
                              [](void*) { events().emplace_back("cleanup-context:second"); }};

TEST_F(ObjectModel, ContextCleanupsRunInAllocationOrderAfterTheObjects) {
    ObjectAttributes a = named();
    a.context = &kFirst;  // the primary context
    auto made = Memory::allocate(16, a);
    ASSERT_TRUE(made.ok());
    Ref<Memory> m = std::move(made).value();
    ASSERT_EQ(m->allocate_context(context_type<Named>), Status(STATUS_SUCCESS));
    m->context<Named>()->name = "m";
    ASSERT_EQ(m->allocate_context(kSecond), Status(STATUS_SUCCESS));
    m->delete_object();
    const std::vector<std::string> at_delete{"cleanup:m", "cleanup-context:first", "cleanup-context:second"};
    EXPECT_EQ(events(), at_delete);
    m->delete_object();  // once
    EXPECT_EQ(events(), at_delete);
    m = nullptr;  // the last reference
    const std::vector<std::string> all{"cleanup:m", "cleanup-context:first", "cleanup-context:second",
                                       "destroy:m", "destroy-context:first", "destroy-context:second"};
    EXPECT_EQ(events(), all);
}

// Never deleted: the context cleanups still run, before the destroys.
TEST_F(ObjectModel, ContextCleanupRunsAtTheLastReferenceIfNeverDeleted) {
    ObjectAttributes a;
    a.context = &kSecond;
    auto made = Memory::allocate(16, a);
    ASSERT_TRUE(made.ok());
    Ref<Memory> m = std::move(made).value();
    m = nullptr;
    EXPECT_EQ(events(), (std::vector<std::string>{"cleanup-context:second", "destroy-context:second"}));
}

TEST_F(ObjectModel, RequestWithContextComesFromTheHeapAndGoesBack) {
    const std::size_t before = request_pool_stats().in_use;
    {
        ObjectAttributes a;
        a.with_context<Counted>();
        auto r = Request::create(a);
        ASSERT_TRUE(r.ok());
        EXPECT_NE(r->context<Counted>(), nullptr);
        EXPECT_EQ(request_pool_stats().in_use, before);  // not from the slab
    }
    EXPECT_EQ(g_alive.load(), 0);
    {
        // A parent only: the slab, and the record on its own.
        auto root = make_memory("root");
        ObjectAttributes a;
        a.parent = root.get();
        auto r = Request::create(a);
        ASSERT_TRUE(r.ok());
        EXPECT_EQ(request_pool_stats().in_use, before + 1);
        root->delete_object();
        EXPECT_TRUE(r->deleted());
    }
    EXPECT_EQ(request_pool_stats().in_use, before);
}

TEST_F(ObjectModel, BadAttributes) {
    ObjectAttributes a;
    a.context_size = 8;  // no type
    EXPECT_EQ(Memory::allocate(8, a).status(), Status(STATUS_WDF_OBJECT_ATTRIBUTES_INVALID));
    EXPECT_EQ(Request::create(a).status(), Status(STATUS_WDF_OBJECT_ATTRIBUTES_INVALID));
    a.with_context<Counted>();
    a.context_size = 1;  // smaller than the type
    EXPECT_EQ(Memory::wrap(&a, 1, a).status(), Status(STATUS_WDF_OBJECT_ATTRIBUTES_INVALID));
    static constexpr ContextType nameless{nullptr, 8};
    ObjectAttributes b;
    b.context = &nameless;
    EXPECT_EQ(Memory::allocate(8, b).status(), Status(STATUS_WDF_OBJECT_ATTRIBUTES_INVALID));
    static constexpr ContextType overaligned{"wide", 64, 64};
    b.context = &overaligned;
    EXPECT_EQ(Memory::allocate(8, b).status(), Status(STATUS_WDF_OBJECT_ATTRIBUTES_INVALID));
    auto m = Memory::allocate(8);
    ASSERT_TRUE(m.ok());
    EXPECT_EQ(m->allocate_context(nameless), Status(STATUS_WDF_OBJECT_ATTRIBUTES_INVALID));
    // Attributes are checked before the other arguments.
    EXPECT_EQ(Memory::allocate(0, ObjectAttributes{}).status(), Status(STATUS_INVALID_PARAMETER));
    EXPECT_EQ(Memory::wrap(nullptr, 8, ObjectAttributes{}).status(), Status(STATUS_INVALID_PARAMETER));
    EXPECT_EQ(g_alive.load(), 0);
}

// A child added while its parent is being deleted is either deleted with it
// or refused with STATUS_DELETE_PENDING; never left attached to a dead parent.
TEST_F(ObjectModel, CreateRacingParentDelete) {
    for (int round = 0; round < 200; ++round) {
        auto root = Memory::allocate(8);
        ASSERT_TRUE(root.ok());
        std::atomic<bool> go{false};
        std::vector<Ref<Memory>> made;
        std::thread creator([&] {
            while (!go.load()) {
            }
            for (int i = 0; i < 20; ++i) {
                ObjectAttributes a;
                a.parent = &*root;
                auto m = Memory::allocate(8, a);
                if (m) made.emplace_back(*m);
                else EXPECT_EQ(m.status(), Status(STATUS_DELETE_PENDING));
            }
        });
        go.store(true);
        root->delete_object();
        creator.join();
        for (auto& m : made) EXPECT_TRUE(m->deleted());
    }
}

// ---------------------------------------------------------------- the kinds

struct Completer : Driver {};

TEST_F(ObjectModel, QueueParentIsItsDevice) {
    Engine engine;
    Completer driver;
    auto device = Device::create(engine, driver, {}, named());
    ASSERT_TRUE(device.ok());
    device->context<Named>()->name = "device";
    ObjectAttributes qa = named();
    auto queue = device->create_queue(QueueDispatch::Manual, nullptr, qa);
    ASSERT_TRUE(queue.ok());
    queue->context<Named>()->name = "queue";
    Ref<Object> parent = Ref<Object>::adopt(queue->parent_ref());
    EXPECT_EQ(parent.get(), &*device);
    parent = nullptr;
    Ref<Object> default_parent = Ref<Object>::adopt(device->default_queue().parent_ref());
    EXPECT_EQ(default_parent.get(), &*device);
    default_parent = nullptr;

    // The default queue is the framework's; deleting the device takes the queues with it.
    EXPECT_EQ(device->default_queue().delete_object(), Status(STATUS_INVALID_DEVICE_REQUEST));
    device->delete_object();
    EXPECT_TRUE(device->removed());
    EXPECT_EQ(queue->state(), QueueState::Purged);
    EXPECT_EQ(events(), (std::vector<std::string>{"cleanup:queue", "cleanup:device"}));
}

TEST_F(ObjectModel, QueueParentMustBeBelowTheDevice) {
    Engine engine;
    Completer driver;
    auto device = Device::create(engine, driver);
    ASSERT_TRUE(device.ok());
    auto outsider = Memory::allocate(8);
    ASSERT_TRUE(outsider.ok());
    ObjectAttributes a;
    a.parent = &*outsider;
    EXPECT_EQ(device->create_queue(QueueDispatch::Manual, nullptr, a).status(), Status(STATUS_INVALID_DEVICE_REQUEST));
    auto q1 = device->create_queue(QueueDispatch::Manual);
    ASSERT_TRUE(q1.ok());
    a.parent = &*q1;  // below the device: accepted
    auto q2 = device->create_queue(QueueDispatch::Manual, nullptr, a);
    EXPECT_TRUE(q2.ok());
    // A routed queue cannot be deleted either.
    EXPECT_EQ(device->configure_dispatching(RequestType::Read, *q2), Status(STATUS_SUCCESS));
    EXPECT_EQ(q2->delete_object(), Status(STATUS_INVALID_DEVICE_REQUEST));
    EXPECT_EQ(q1->delete_object(), Status(STATUS_SUCCESS));  // and its child, whatever it says
    EXPECT_TRUE(q2->deleted());
    device->delete_object();
}

TEST_F(ObjectModel, DeviceTakesNoParent) {
    Engine engine;
    Completer driver;
    auto m = Memory::allocate(8);
    ASSERT_TRUE(m.ok());
    ObjectAttributes a;
    a.parent = &*m;
    EXPECT_EQ(Device::create(engine, driver, {}, a).status(), Status(STATUS_WDF_PARENT_ASSIGNMENT_NOT_ALLOWED));
}

TEST_F(ObjectModel, DeletingATargetRemovesIt) {
    Engine engine;
    auto root = make_memory("root");
    ObjectAttributes a;
    a.parent = root.get();
    auto t = IoTarget::open(engine, "/dev/null", OpenOptions{}, a);
    ASSERT_TRUE(t.ok()) << t.status();
    root->delete_object();
    EXPECT_EQ(t->state(), IoTargetState::Deleted);
}

TEST_F(ObjectModel, DeliveredRequestsAreNotDeletedByDrivers) {
    Engine engine;
    struct Holder : Driver {
        Status delete_status = STATUS_SUCCESS;
        void on_read(DeliveredRequest& r, std::size_t) override {
            delete_status = r.delete_object();
            r.complete(STATUS_SUCCESS);
        }
    } driver;
    auto device = Device::create(engine, driver);
    ASSERT_TRUE(device.ok());
    auto target = device->open_target();
    ASSERT_TRUE(target.ok());
    auto buffer = Memory::allocate(16);
    ASSERT_TRUE(buffer.ok());
    EXPECT_EQ(send_read_synchronously(*target, nullptr, *buffer, {}, 0), Status(STATUS_SUCCESS));
    EXPECT_EQ(driver.delete_status, Status(STATUS_INVALID_DEVICE_REQUEST));
    target->remove();
    device->remove();
}

}  // namespace
