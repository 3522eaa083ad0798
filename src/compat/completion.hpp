// Completion as C sees it: the core's CompletionParams in KMDF's
// WDF_REQUEST_COMPLETION_PARAMS shape, and the trampoline that calls a C
// completion routine from the core's.
#pragma once
#include "compat/records.hpp"

namespace wdfio::compat {

// Memory pointers become the WDFMEMORY handles the format was given.
void to_wdf_params(const RequestHandle& request, const CompletionParams& in, WDF_REQUEST_COMPLETION_PARAMS& out);

// The core routine of every request sent with WdfRequestSend. `context` is
// the RequestHandle, with one reference taken at the send: dropped here.
void completion_trampoline(Request& request, IoTarget& target, const CompletionParams& params, void* context);

}  // namespace wdfio::compat
