// WdfIoTargetFormatRequestForRead/Write/Ioctl/InternalIoctl/InternalIoctlOthers.
#include "compat/boundary.hpp"
#include "compat/conversions.hpp"

#include <array>

using namespace wdfio;
using namespace wdfio::compat;

namespace {
// The common part: the handles checked, then `format(core target, core
// memory...)`; the request remembers which WDFMEMORY handles its format
// uses, so that the completion params can name them.
template <class Format>
Status format_request(const char* call, WDFIOTARGET target, WDFREQUEST request, std::array<WDFMEMORY, 3> memories,
                      Format&& format) {
    auto r = HandleTable::find<RequestHandle>(request, call);
    auto t = HandleTable::find<TargetHandle>(target, call);
    if (!r || !t) return STATUS_INVALID_HANDLE;
    std::array<Ref<MemoryHandle>, 3> used;
    std::array<Ref<Memory>, 3> core_memory;
    for (std::size_t i = 0; i < memories.size(); ++i) {
        if (!memories[i]) continue;  // optional: no buffer
        used[i] = HandleTable::find<MemoryHandle>(memories[i], call);
        if (!used[i]) return STATUS_INVALID_HANDLE;
        core_memory[i] = used[i]->memory;
    }
    auto core_target = t->current();
    if (!core_target) return STATUS_INVALID_DEVICE_STATE;  // never opened (spec §2.1 step 3)
    RequestHandle& h = *r;
    const Status s = format(*h.request, *core_target, core_memory);
    if (s.ok()) {
        for (std::size_t i = 0; i < used.size(); ++i) h.formatted[i] = used[i];
    } else if (!h.request->is_formatted()) {
        h.forget_format();
    }  // else the core kept the previous format: refused while outstanding, or bad offsets (spec §2.1 step 1)
    return s;
}

}  // namespace

NTSTATUS WdfIoTargetFormatRequestForRead(WDFIOTARGET IoTarget, WDFREQUEST Request, WDFMEMORY OutputBuffer,
                                         PWDFMEMORY_OFFSET OutputBufferOffset, PLONGLONG DeviceOffset) {
    constexpr const char* call = "WdfIoTargetFormatRequestForRead";
    return guard(call, [&] {
        return format_request(call, IoTarget, Request, {OutputBuffer, nullptr, nullptr},
                              [&](wdfio::Request& r, wdfio::IoTarget& t, auto& m) {
                                  return r.format_read(t, m[0], to_offsets(OutputBufferOffset),
                                                       offset_or_zero(DeviceOffset));
                              });
    });
}

NTSTATUS WdfIoTargetFormatRequestForWrite(WDFIOTARGET IoTarget, WDFREQUEST Request, WDFMEMORY InputBuffer,
                                          PWDFMEMORY_OFFSET InputBufferOffset, PLONGLONG DeviceOffset) {
    constexpr const char* call = "WdfIoTargetFormatRequestForWrite";
    return guard(call, [&] {
        return format_request(call, IoTarget, Request, {InputBuffer, nullptr, nullptr},
                              [&](wdfio::Request& r, wdfio::IoTarget& t, auto& m) {
                                  return r.format_write(t, m[0], to_offsets(InputBufferOffset),
                                                        offset_or_zero(DeviceOffset));
                              });
    });
}

NTSTATUS WdfIoTargetFormatRequestForIoctl(WDFIOTARGET IoTarget, WDFREQUEST Request, ULONG IoctlCode,
                                          WDFMEMORY InputBuffer, PWDFMEMORY_OFFSET InputBufferOffset,
                                          WDFMEMORY OutputBuffer, PWDFMEMORY_OFFSET OutputBufferOffset) {
    constexpr const char* call = "WdfIoTargetFormatRequestForIoctl";
    return guard(call, [&] {
        return format_request(call, IoTarget, Request, {InputBuffer, OutputBuffer, nullptr},
                              [&](wdfio::Request& r, wdfio::IoTarget& t, auto& m) {
                                  return r.format_ioctl(t, IoctlCode, m[0], to_offsets(InputBufferOffset), m[1],
                                                        to_offsets(OutputBufferOffset));
                              });
    });
}

NTSTATUS WdfIoTargetFormatRequestForInternalIoctl(WDFIOTARGET IoTarget, WDFREQUEST Request, ULONG IoctlCode,
                                                  WDFMEMORY InputBuffer, PWDFMEMORY_OFFSET InputBufferOffset,
                                                  WDFMEMORY OutputBuffer, PWDFMEMORY_OFFSET OutputBufferOffset) {
    constexpr const char* call = "WdfIoTargetFormatRequestForInternalIoctl";
    return guard(call, [&] {
        return format_request(call, IoTarget, Request, {InputBuffer, OutputBuffer, nullptr},
                              [&](wdfio::Request& r, wdfio::IoTarget& t, auto& m) {
                                  return r.format_internal_ioctl(t, IoctlCode, m[0], to_offsets(InputBufferOffset),
                                                                 m[1], to_offsets(OutputBufferOffset));
                              });
    });
}

NTSTATUS WdfIoTargetFormatRequestForInternalIoctlOthers(WDFIOTARGET IoTarget, WDFREQUEST Request, ULONG IoctlCode,
                                                        WDFMEMORY OtherArg1, PWDFMEMORY_OFFSET OtherArg1Offset,
                                                        WDFMEMORY OtherArg2, PWDFMEMORY_OFFSET OtherArg2Offset,
                                                        WDFMEMORY OtherArg4, PWDFMEMORY_OFFSET OtherArg4Offset) {
    constexpr const char* call = "WdfIoTargetFormatRequestForInternalIoctlOthers";
    return guard(call, [&] {
        return format_request(call, IoTarget, Request, {OtherArg1, OtherArg2, OtherArg4},
                              [&](wdfio::Request& r, wdfio::IoTarget& t, auto& m) {
                                  return r.format_internal_ioctl_others(t, IoctlCode, m[0], to_offsets(OtherArg1Offset),
                                                                        m[1], to_offsets(OtherArg2Offset), m[2],
                                                                        to_offsets(OtherArg4Offset));
                              });
    });
}
