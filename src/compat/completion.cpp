// Core completion → C completion routine.
#include "compat/completion.hpp"

#include <utility>

namespace wdfio::compat {

namespace {
WDFMEMORY handle_of(const RequestHandle& r, const Memory* m) noexcept {
    if (!m) return nullptr;
    for (const auto& h : r.formatted)
        if (h && h->memory.get() == m) return to_c<WDFMEMORY>(h.get());
    return nullptr;  // a descriptor's buffer: no handle to name
}
}  // namespace

void to_wdf_params(const RequestHandle& r, const CompletionParams& in, WDF_REQUEST_COMPLETION_PARAMS& out) {
    WDF_REQUEST_COMPLETION_PARAMS_INIT(&out);
    out.Type = static_cast<WDF_REQUEST_TYPE>(in.type);
    out.IoStatus.Status = in.status.value();
    out.IoStatus.Information = static_cast<ULONG_PTR>(in.information);
    auto& p = out.Parameters;
    switch (in.type) {
    case RequestType::Read:
        p.Read.Buffer = handle_of(r, in.read.buffer);
        p.Read.Offset = in.read.offset;
        p.Read.Length = in.read.length;
        break;
    case RequestType::Write:
        p.Write.Buffer = handle_of(r, in.write.buffer);
        p.Write.Offset = in.write.offset;
        p.Write.Length = in.write.length;
        break;
    case RequestType::DeviceControl:
    case RequestType::DeviceControlInternal:
        p.Ioctl.IoControlCode = in.ioctl.code;
        p.Ioctl.Input.Buffer = handle_of(r, in.ioctl.input.buffer);
        p.Ioctl.Input.Offset = in.ioctl.input.offset;
        p.Ioctl.Output.Buffer = handle_of(r, in.ioctl.output.buffer);
        p.Ioctl.Output.Offset = in.ioctl.output.offset;
        p.Ioctl.Output.Length = in.ioctl.output.length;
        break;
    case RequestType::Other:
        p.Others.Argument1.Ptr = handle_of(r, in.others.argument1);
        p.Others.Argument2.Ptr = handle_of(r, in.others.argument2);
        p.Others.Argument4.Ptr = handle_of(r, in.others.argument4);
        break;
    case RequestType::NoFormat: break;
    }
}

void completion_trampoline(Request&, IoTarget&, const CompletionParams& params, void* context) {
    auto self = Ref<RequestHandle>::adopt(static_cast<RequestHandle*>(context));  // the send's reference
    Ref<TargetHandle> target = std::move(self->sent_to);  // the routine may send again, to another target
    self->refusal.store(STATUS_SUCCESS, std::memory_order_relaxed);
    // One-shot (spec §3.1): cleared before it runs, so a re-send from inside must set it again.
    auto routine = std::exchange(self->routine, nullptr);
    auto routine_context = std::exchange(self->context, nullptr);
    to_wdf_params(*self, params, self->params);
    if (routine) routine(to_c<WDFREQUEST>(self.get()), to_c<WDFIOTARGET>(target.get()), &self->params, routine_context);
}

}  // namespace wdfio::compat
