#!/usr/bin/env bash
# The shared library exports the public API only: nothing declared only in
# src/ (the engine, the backends, the targets' classes, the C shim's handle
# table, the access structs) may appear among its dynamic symbols.
set -euo pipefail
lib=$(ls "$1"/libwdfio.so.* | head -n 1)
exported=$(nm -D --defined-only "$lib" | c++filt)
private='wdfio::compat::|wdfio::detail::(EngineCore|UringBackend|ThreadsBackend|WorkerPool|TimerWheel|FinishBatch|MpscQueue|FileTarget|DeviceTarget|RequestAccess|TargetAccess|DeliveredAccess|SyncWaiter|RoutineScope|may_block|TargetKind|k[A-Z][a-zA-Z]*Kind)'
if leaked=$(grep -E "$private" <<<"$exported"); then
    echo "libwdfio.so exports private symbols (declare them in include/wdfio, or keep them out of the ABI):"
    echo "$leaked" | head -n 20
    exit 1
fi
for api in 'wdfio::Request::send' 'wdfio::IoTarget::open' 'WdfRequestSend' 'WdfIoTargetOpen' 'DbgPrint' \
           'RtlStringCbPrintfW' 'ExAllocatePool2' 'KeQuerySystemTime'; do
    grep -qF "$api" <<<"$exported" || { echo "libwdfio.so does not export $api"; exit 1; }
done
echo "exports: $(wc -l <<<"$exported") symbols, none private"
