// The WdfIoTargetSend*Synchronously helpers.
#include "compat/boundary.hpp"
#include "compat/conversions.hpp"

#include <array>

using namespace wdfio;
using namespace wdfio::compat;

namespace {
// Handles, options and descriptors checked in KMDF's order (spec §8.2), then
// `helper(core target, core request or null, options, memory..., bytes)`.
// *bytes is written only when the core wrote it (the format succeeded).
template <class Helper>
Status send_synchronously(const char* call, WDFIOTARGET target, WDFREQUEST request,
                          const WDF_REQUEST_SEND_OPTIONS* options,
                          std::array<const WDF_MEMORY_DESCRIPTOR*, 3> described, PULONG_PTR bytes, Helper&& helper) {
    auto t = HandleTable::find<TargetHandle>(target, call);
    if (!t) return STATUS_INVALID_HANDLE;
    Ref<RequestHandle> r;
    if (request) {
        r = HandleTable::find<RequestHandle>(request, call);
        if (!r) return STATUS_INVALID_HANDLE;
    }
    SendOptions core_options;
    if (Status s = to_send_options(call, options, core_options); !s.ok()) return s;
    std::array<DescribedMemory, 3> memory;
    for (std::size_t i = 0; i < described.size(); ++i)
        if (Status s = to_memory(call, described[i], memory[i]); !s.ok()) return s;
    auto core_target = t->current();
    if (!core_target) return STATUS_INVALID_DEVICE_STATE;  // never opened
    wdfio::Request* core_request = r ? r->request.get() : nullptr;
    std::uint64_t n = bytes ? *bytes : 0;
    const Status s = helper(*core_target, core_request, core_options, memory, bytes ? &n : nullptr);
    if (bytes) *bytes = static_cast<ULONG_PTR>(n);
    if (r && !core_request->is_outstanding()) {  // a supplied request is left unformatted, without routine (§8.3)
        r->forget_format();
        r->routine = nullptr;
        r->context = nullptr;
        r->refusal.store(STATUS_SUCCESS, std::memory_order_relaxed);
    }
    return s;
}

// The core's "others" helper takes whole buffers: a window becomes a memory
// object over just that window (outside the buffer → STATUS_INTEGER_OVERFLOW).
Status window_of(const DescribedMemory& in, Ref<Memory>& out) {
    out = in.memory;
    if (!in.memory || !in.offsets) return STATUS_SUCCESS;
    auto w = in.memory->window(in.offsets);
    if (!w) return w.status();
    if (w->empty()) return STATUS_INVALID_PARAMETER;
    auto m = Memory::wrap(w->data(), w->size());
    if (!m) return m.status();
    out = std::move(m).value();
    return STATUS_SUCCESS;
}
}  // namespace

NTSTATUS WdfIoTargetSendReadSynchronously(WDFIOTARGET IoTarget, WDFREQUEST Request, PWDF_MEMORY_DESCRIPTOR OutputBuffer,
                                          PLONGLONG DeviceOffset, PWDF_REQUEST_SEND_OPTIONS RequestOptions,
                                          PULONG_PTR BytesRead) {
    constexpr const char* call = "WdfIoTargetSendReadSynchronously";
    return guard(call, [&] {
        return send_synchronously(
            call, IoTarget, Request, RequestOptions, {OutputBuffer, nullptr, nullptr}, BytesRead,
            [&](wdfio::IoTarget& t, wdfio::Request* r, const SendOptions& o, auto& m, std::uint64_t* n) {
                return send_read_synchronously(t, r, m[0].memory, m[0].offsets, offset_or_zero(DeviceOffset), o, n);
            });
    });
}

NTSTATUS WdfIoTargetSendWriteSynchronously(WDFIOTARGET IoTarget, WDFREQUEST Request, PWDF_MEMORY_DESCRIPTOR InputBuffer,
                                           PLONGLONG DeviceOffset, PWDF_REQUEST_SEND_OPTIONS RequestOptions,
                                           PULONG_PTR BytesWritten) {
    constexpr const char* call = "WdfIoTargetSendWriteSynchronously";
    return guard(call, [&] {
        return send_synchronously(
            call, IoTarget, Request, RequestOptions, {InputBuffer, nullptr, nullptr}, BytesWritten,
            [&](wdfio::IoTarget& t, wdfio::Request* r, const SendOptions& o, auto& m, std::uint64_t* n) {
                return send_write_synchronously(t, r, m[0].memory, m[0].offsets, offset_or_zero(DeviceOffset), o, n);
            });
    });
}

NTSTATUS WdfIoTargetSendIoctlSynchronously(WDFIOTARGET IoTarget, WDFREQUEST Request, ULONG IoctlCode,
                                           PWDF_MEMORY_DESCRIPTOR InputBuffer, PWDF_MEMORY_DESCRIPTOR OutputBuffer,
                                           PWDF_REQUEST_SEND_OPTIONS RequestOptions, PULONG_PTR BytesReturned) {
    constexpr const char* call = "WdfIoTargetSendIoctlSynchronously";
    return guard(call, [&] {
        return send_synchronously(
            call, IoTarget, Request, RequestOptions, {InputBuffer, OutputBuffer, nullptr}, BytesReturned,
            [&](wdfio::IoTarget& t, wdfio::Request* r, const SendOptions& o, auto& m, std::uint64_t* n) {
                return send_ioctl_synchronously(t, r, IoctlCode, m[0].memory, m[0].offsets, m[1].memory, m[1].offsets,
                                                o, n);
            });
    });
}

NTSTATUS WdfIoTargetSendInternalIoctlSynchronously(WDFIOTARGET IoTarget, WDFREQUEST Request, ULONG IoctlCode,
                                                   PWDF_MEMORY_DESCRIPTOR InputBuffer,
                                                   PWDF_MEMORY_DESCRIPTOR OutputBuffer,
                                                   PWDF_REQUEST_SEND_OPTIONS RequestOptions, PULONG_PTR BytesReturned) {
    constexpr const char* call = "WdfIoTargetSendInternalIoctlSynchronously";
    return guard(call, [&] {
        return send_synchronously(
            call, IoTarget, Request, RequestOptions, {InputBuffer, OutputBuffer, nullptr}, BytesReturned,
            [&](wdfio::IoTarget& t, wdfio::Request* r, const SendOptions& o, auto& m, std::uint64_t* n) {
                return send_internal_ioctl_synchronously(t, r, IoctlCode, m[0].memory, m[0].offsets, m[1].memory,
                                                         m[1].offsets, o, n);
            });
    });
}

NTSTATUS WdfIoTargetSendInternalIoctlOthersSynchronously(WDFIOTARGET IoTarget, WDFREQUEST Request, ULONG IoctlCode,
                                                         PWDF_MEMORY_DESCRIPTOR OtherArg1,
                                                         PWDF_MEMORY_DESCRIPTOR OtherArg2,
                                                         PWDF_MEMORY_DESCRIPTOR OtherArg4,
                                                         PWDF_REQUEST_SEND_OPTIONS RequestOptions,
                                                         PULONG_PTR BytesReturned) {
    constexpr const char* call = "WdfIoTargetSendInternalIoctlOthersSynchronously";
    return guard(call, [&] {
        return send_synchronously(
            call, IoTarget, Request, RequestOptions, {OtherArg1, OtherArg2, OtherArg4}, BytesReturned,
            [&](wdfio::IoTarget& t, wdfio::Request* r, const SendOptions& o, auto& m, std::uint64_t* n) {
                Ref<Memory> arguments[3];
                for (int i = 0; i < 3; ++i)
                    if (Status s = window_of(m[i], arguments[i]); !s.ok()) return s;
                return send_internal_ioctl_others_synchronously(t, r, IoctlCode, arguments[0], arguments[1],
                                                                arguments[2], o, n);
            });
    });
}
