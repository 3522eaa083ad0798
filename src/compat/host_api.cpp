// WdfioHostInitialize, WdfioHostShutdown, WdfioHostObjectCount, WdfioHostVerifierViolations,
// WdfioHostSetLogCallback.
#include "compat/boundary.hpp"
#include "compat/fault_injection.hpp"
#include "compat/host.hpp"
#include "compat/records.hpp"
#include "core/blocking.hpp"
#include "engine/engine_core.hpp"

#include <wdfio/verifier.hpp>

#include <algorithm>
#include <cstring>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <utility>

namespace wdfio::compat {

namespace {
std::mutex g_host_mutex;
// Not a static unique_ptr: a program that never shuts the host down must not
// have the engine torn down under its last I/O during static destruction.
Engine* g_engine = nullptr;
unsigned g_engine_threads = 0;  // WdfioHostSetEngineThreads; 0: EngineOptions' default
}  // namespace

Result<Engine*> host_engine() {
    std::lock_guard lock(g_host_mutex);
    if (!g_engine) {
        fault::load_environment();
        try {
            EngineOptions options;
            options.engines = g_engine_threads;
            g_engine = new Engine(options);
        } catch (...) {
            log(LogLevel::Error, "WdfioHostInitialize: the engine could not be created");
            return STATUS_INSUFFICIENT_RESOURCES;
        }
    }
    return g_engine;
}

namespace {
// Targets first: closing them cancels and waits for their I/O while the
// requests and memory their routines may touch still exist. Devices last,
// newest first, so a filter goes before the device below it.
// Then the drivers, unloaded as WdfioDriverUnload does (requests their
// queues presented go with their devices).
// What was left for the shutdown to delete, by kind and the call that made
// it: a program that meant to delete everything itself learns what it missed.
void report_left(const std::vector<Ref<Handle>>& roots) {
    if (roots.empty()) return;
    std::map<std::pair<std::string, std::string>, int> left;
    for (const auto& h : roots) ++left[{to_string(h->type), h->created_by() ? h->created_by() : "the host"}];
    std::string text;
    for (const auto& [what, n] : left)
        text += (text.empty() ? "" : ", ") + std::to_string(n) + " " + what.first + " (" + what.second + ")";
    wdfio::log(wdfio::LogLevel::Info, "WdfioHostShutdown: deleting what was left: %s", text.c_str());
}

void delete_everything() {
    auto roots = HandleTable::roots();
    report_left(roots);
    for (HandleType type : {HandleType::IoTarget, HandleType::Request, HandleType::Memory})
        for (auto& h : roots)
            if (h->type == type && !(type == HandleType::Request && static_cast<RequestHandle&>(*h).queue))
                HandleTable::remove(*h);
    for (auto it = roots.rbegin(); it != roots.rend(); ++it)
        if ((*it)->type == HandleType::Driver) WdfioDriverUnload(to_c<WDFDRIVER>(it->get()));
    for (auto it = roots.rbegin(); it != roots.rend(); ++it)
        if ((*it)->type == HandleType::Device) HandleTable::remove(**it);
    for (auto& h : HandleTable::roots()) HandleTable::remove(*h);  // what is left: locks, collections, objects
}
}  // namespace

}  // namespace wdfio::compat

using namespace wdfio::compat;

NTSTATUS WdfioHostInitialize(void) {
    return guard("WdfioHostInitialize", [] { return host_engine().status(); });
}

NTSTATUS WdfioHostSetEngineThreads(ULONG Count) {
    constexpr const char* call = "WdfioHostSetEngineThreads";
    return guard(call, [&]() -> wdfio::Status {
        if (Count == 0 || Count > wdfio::Engine::kMaxEngineThreads) {
            wdfio::log(wdfio::LogLevel::Error, "%s: %u engine threads; give 1 to 64 (e.g. one per CPU)", call,
                       static_cast<unsigned>(Count));
            return STATUS_INVALID_PARAMETER;
        }
        std::lock_guard lock(g_host_mutex);
        if (g_engine) {
            wdfio::log(wdfio::LogLevel::Error,
                       "%s: the host engine exists already (with %u engine threads); call it before anything "
                       "creates the engine, or after WdfioHostShutdown",
                       call, g_engine->engine_threads());
            return STATUS_INVALID_DEVICE_STATE;
        }
        g_engine_threads = static_cast<unsigned>(Count);
        return STATUS_SUCCESS;
    });
}

ULONG WdfioHostEngineThreads(void) {
    std::lock_guard lock(g_host_mutex);
    return g_engine ? static_cast<ULONG>(g_engine->engine_threads()) : 0;
}

void WdfioHostShutdown(void) {
    constexpr const char* call = "WdfioHostShutdown";
    guard_void(call, [] {
        // From a completion routine the shutdown would delete the objects the
        // routine runs on and destroy the engine from its own thread (a join
        // of itself): refused, like any blocking call there.
        bool may_block;
        {
            std::lock_guard lock(g_host_mutex);
            may_block = !g_engine || wdfio::detail::may_block(wdfio::detail::EngineAccess::core(*g_engine));
        }
        if (!may_block) {
            wdfio::log(wdfio::LogLevel::Error,
                       "%s: called from a completion routine or the engine thread; nothing was shut down (call it "
                       "from a thread of the program's own once the I/O is done)",
                       call);
            wdfio::detail::verifier_violation(wdfio::VerifierCheck::BlockingOnEngineThread, nullptr, call);
            return;
        }
        delete_everything();
        std::unique_ptr<wdfio::Engine> engine;
        {
            std::lock_guard lock(g_host_mutex);
            engine.reset(std::exchange(g_engine, nullptr));
        }
        engine.reset();  // not under the lock: it waits for the engine thread
    });
}

ULONG WdfioHostObjectCount(void) { return static_cast<ULONG>(HandleTable::count()); }

NTSTATUS WdfioHostSetDdiFaults(PCSTR Spec) {
    return guard("WdfioHostSetDdiFaults", [&] { return fault::configure(Spec ? std::string_view(Spec) : ""); });
}

ULONGLONG WdfioHostDdiFaultsInjected(void) { return fault::injected(); }

ULONGLONG WdfioHostVerifierViolations(void) { return wdfio::Verifier::violations(); }

void WdfioHostSetLogCallback(PFN_WDFIO_LOG_CALLBACK Callback, PVOID Context) {
    guard_void("WdfioHostSetLogCallback", [&] {
        if (!Callback) {
            wdfio::set_log_sink(nullptr);
            return;
        }
        wdfio::set_log_sink([Callback, Context](wdfio::LogLevel level, std::string_view message) {
            char line[1024];  // C wants it NUL-terminated; log lines are at most this long
            const std::size_t n = std::min(message.size(), sizeof line - 1);
            std::memcpy(line, message.data(), n);
            line[n] = '\0';
            Callback(static_cast<ULONG>(level), line, Context);
        });
    });
}
