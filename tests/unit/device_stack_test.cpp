// In-process device stacks: filters forwarding over a bottom driver (1–4 deep),
// every callback kind and its parameters, sequential / parallel / manual
// queues, queue stop/start/purge, cancel of waiting and held requests, timed
// sends, device removal with requests pending, the stack-location rule
// (spec §1.3), the verifier's completion checks (spec §10 #11–#15, #5, #6) and
// bad input. Every device is removed at the end of its test (top first).
#include "support/pipe_target.hpp"
#include "support/test_util.hpp"

#include <algorithm>
#include <condition_variable>
#include <cstring>
#include <memory>
#include <mutex>
#include <thread>
#include <vector>

using namespace wdfio;
using test::Completions;
using namespace std::chrono_literals;

namespace {

constexpr Status kOk = STATUS_SUCCESS;

// "\Device\DeviceStack_<suite>_<test>_<tag>_<n>": unique per test and call.
std::string unique_name(const char* tag) {
    static std::atomic<int> counter{0};
    const auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
    std::string name = std::string("\\Device\\DeviceStack_") + info->test_suite_name() + "_" + info->name() + "_" +
                       tag + "_" + std::to_string(counter.fetch_add(1));
    std::replace(name.begin() + 8, name.end(), '/', '_');
    return name;
}

// Completes a request the driver holds cancelable: the cancel callback.
struct CancelCounter {
    std::atomic<int> calls{0};
    static void complete_cancelled(Request& r, void* ctx) {
        static_cast<CancelCounter*>(ctx)->calls.fetch_add(1);
        r.complete(STATUS_CANCELLED);
    }
    // Records the call but leaves completion to whoever holds the request.
    static void note_only(Request&, void* ctx) { static_cast<CancelCounter*>(ctx)->calls.fetch_add(1); }
};

// A filter's forwarding: the arrived operation unchanged to the next lower
// device, the original completed from the routine with the lower result.
void forward_down(Request& r, std::atomic<int>* routines = nullptr) {
    r.format_using_current_type();
    r.set_completion([routines](Request& q, IoTarget&, const CompletionParams& p) {
        if (routines) routines->fetch_add(1);
        q.complete_with_information(p.status, p.information);
    });
    if (!r.send(*r.queue_device_target())) r.complete(r.status());
}

}  // namespace
