// In-process device stacks for the device tests: a bottom driver under
// forwarding filters (Stack), the fixture every device test uses, and helpers
// that send and check. Every device is removed at the end of its test, top first.
#pragma once
#include "support/completions.hpp"
#include "support/device_drivers.hpp"
#include "support/test_util.hpp"

#include <algorithm>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace wdfio::test {

// "\Device\DeviceStack_<suite>_<test>_<tag>_<n>": unique per test and call.
inline std::string unique_name(const char* tag) {
    static std::atomic<int> counter{0};
    const auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
    std::string name = std::string(info->test_suite_name()) + "_" + info->name() + "_" + tag + "_" +
                       std::to_string(counter.fetch_add(1));
    std::replace(name.begin(), name.end(), '/', '_');
    return "\\Device\\DeviceStack_" + name;
}

// A bottom device under depth-1 ForwardFilters, and a target at the top (by
// name when the top is named). The bottom driver is the caller's and must
// outlive the stack. The destructor removes the devices, top first.
class Stack {
public:
    Stack(Engine& engine, Driver& bottom, int depth, DeviceOptions bottom_options = {},
          const std::string& top_name = {}) {
        if (depth == 1) bottom_options.name = top_name;
        auto b = Device::create(engine, bottom, bottom_options);
        if (!b) {
            error = b.status();
            return;
        }
        devices.push_back(b.value());
        for (int level = 2; level <= depth; ++level) {
            filters.push_back(std::make_unique<ForwardFilter>());
            auto lower = devices.back()->open_target();
            if (!lower) {
                error = lower.status();
                return;
            }
            DeviceOptions options;
            if (level == depth) options.name = top_name;
            auto d = Device::create_above(engine, *filters.back(), *lower, options);
            if (!d) {
                error = d.status();
                return;
            }
            devices.push_back(d.value());
        }
        auto t = top_name.empty() ? devices.back()->open_target() : IoTarget::open(engine, top_name);
        if (!t) {
            error = t.status();
            return;
        }
        target = t.value();
        ok = true;
    }
    ~Stack() { remove(); }
    void remove() {
        for (auto it = devices.rbegin(); it != devices.rend(); ++it) (*it)->remove();
    }
    Device& top() const { return *devices.back(); }
    Device& bottom() const { return *devices.front(); }

    bool ok = false;
    Status error = STATUS_SUCCESS;
    std::vector<std::unique_ptr<ForwardFilter>> filters;  // destroyed after the devices
    std::vector<Ref<Device>> devices;                     // bottom first
    Ref<IoTarget> target;
};

// Every test: report-mode verifier, and no violations unless it expects some.
class DeviceStackTest : public ::testing::Test {
protected:
    void SetUp() override {
        Verifier::set_mode(VerifierMode::Report);
        violations_at_start_ = Verifier::violations();
    }
    void TearDown() override {
        if (check_violations) {
            EXPECT_EQ(Verifier::violations() - violations_at_start_, expected_violations) << "verifier reports";
        }
    }
    std::uint64_t violations() const { return Verifier::violations() - violations_at_start_; }

    Engine engine;  // destroyed last
    std::uint64_t expected_violations = 0;
    bool check_violations = true;

private:
    std::uint64_t violations_at_start_ = 0;
};

// The fixture of the tests of a device's own objects (timers, work items,
// locks): DeviceStackTest with one device (a CountingDriver's), removed at the end.
class DeviceObjectTest : public DeviceStackTest {
protected:
    void SetUp() override {
        DeviceStackTest::SetUp();
        device = Device::create(engine, driver).value();
    }
    void TearDown() override {
        device->remove();
        DeviceStackTest::TearDown();
    }

    CountingDriver driver;
    Ref<Device> device;
};

// A request for `t`: read `buf` (window `win`) at `offset`, routine → `c`, sent.
inline Ref<Request> send_read(IoTarget& t, Completions& c, const Ref<Memory>& buf, std::int64_t offset = 0,
                              std::optional<MemoryOffset> win = {}, const SendOptions& options = {}) {
    auto r = Request::create(t).value();
    EXPECT_EQ(r->format_read(t, buf, win, offset), kOk);
    r->set_completion(&Completions::routine, &c);
    EXPECT_TRUE(r->send(t, options)) << r->status();
    return r;
}
inline Ref<Request> send_write(IoTarget& t, Completions& c, const Ref<Memory>& buf, std::int64_t offset = 0) {
    auto r = Request::create(t).value();
    EXPECT_EQ(r->format_write(t, buf, {}, offset), kOk);
    r->set_completion(&Completions::routine, &c);
    EXPECT_TRUE(r->send(t)) << r->status();
    return r;
}

inline bool matches_pattern(const void* data, std::size_t n, std::uint32_t seed) {
    auto* p = static_cast<const std::uint8_t*>(data);
    for (std::size_t i = 0; i < n; ++i)
        if (p[i] != pattern_byte(i, seed)) return false;
    return true;
}
inline bool all_zero(const void* data, std::size_t n) {
    auto* p = static_cast<const std::uint8_t*>(data);
    return std::all_of(p, p + n, [](std::uint8_t b) { return b == 0; });
}

}  // namespace wdfio::test
