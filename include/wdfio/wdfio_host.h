/* wdfio_host.h — wdfio's own addition to the C API: the host, which plays
 * the part of the kernel for a C program (the engine every object runs on,
 * shutdown, leak and verifier counts, where log lines go). */
#ifndef WDFIO_WDFIO_HOST_H
#define WDFIO_WDFIO_HOST_H

#include <wdfio/ntdef.h>
#include <wdfio/wdfdevice.h>  // WDF_POWER_DEVICE_STATE
#include <wdfio/wdftypes.h>
#include <wdfio/wdm.h>

#pragma GCC visibility push(default)  // what the public headers declare is the ABI (the rest is hidden)

#ifdef __cplusplus
extern "C" {
#endif

/* Creates the engine every object runs on (io_uring, or worker threads; the
 * WDFIO_BACKEND variable chooses). Optional: the first call that needs the
 * engine creates it. Calling it again is harmless. */
NTSTATUS WdfioHostInitialize(VOID);
/* Deletes every object still alive (targets first, so their I/O drains while
 * requests and memory are still valid; devices last, newest first), then the
 * engine. Must not be called from a completion routine: there it does
 * nothing, and the verifier reports it. */
VOID WdfioHostShutdown(VOID);
/* The number of engine threads (each with its own io_uring) the host engine
 * is made with; call it before anything creates the engine. Unset: the
 * WDFIO_ENGINES variable, else one per CPU. A file target's request goes to the
 * engine thread it is sent from when that is one (a completion routine
 * re-sending), else to the one chosen for the sending thread; its completion
 * routine runs there. Devices, timers, work items and DPCs run on the first.
 * Bad input: Count 0 or above 64 → STATUS_INVALID_PARAMETER; the engine
 * exists already → STATUS_INVALID_DEVICE_STATE (after WdfioHostShutdown it
 * may be set again). */
NTSTATUS WdfioHostSetEngineThreads(ULONG Count);
/* The host engine's engine threads, or 0 while there is no engine. */
ULONG WdfioHostEngineThreads(VOID);
/* A KMDF driver in this process: WdfioDriverLoad makes a DRIVER_OBJECT and
 * calls DriverEntry (with a RegistryPath made from DriverName), which must
 * call WdfDriverCreate; its status is returned (success without
 * WdfDriverCreate → STATUS_DRIVER_INTERNAL_ERROR), and on failure nothing of
 * the driver is left. */
typedef NTSTATUS (*PFN_WDFIO_DRIVER_ENTRY)(PDRIVER_OBJECT DriverObject, PUNICODE_STRING RegistryPath);
NTSTATUS WdfioDriverLoad(PFN_WDFIO_DRIVER_ENTRY DriverEntry, PCSTR DriverName, WDFDRIVER* Driver);
/* As the PnP manager does: a WDFDEVICE_INIT above LowerDevice (WDF_NO_HANDLE
 * for a device at the bottom; then WdfDeviceGetIoTarget is NULL) for
 * EvtDriverDeviceAdd, then the start of spec §4.1 (EvtDevicePrepareHardware,
 * EvtDeviceD0Entry, EvtDeviceSelfManagedIoInit). *Device: the device that
 * call made. A failed callback's status is returned, and the device is gone
 * (what started was undone in §4.1's order). */
NTSTATUS WdfioDeviceAdd(WDFDRIVER Driver, WDFDEVICE LowerDevice, WDFDEVICE* Device);
/* As a graceful removal does (spec R4.8), for each of the driver's devices,
 * newest first: if in D0, the power-down of WdfioDeviceSuspend to
 * WdfPowerDeviceD3Final; EvtDeviceReleaseHardware; power-managed queues
 * purged (held cancelable requests get their cancel routine, the rest
 * EvtIoStop(Purge), and the removal waits for each answer or completion);
 * EvtDeviceSelfManagedIoFlush; the other queues purged the same way;
 * EvtDeviceSelfManagedIoCleanup; the device deleted (cleanup callbacks);
 * then EvtDriverUnload, and the driver deleted. */
VOID WdfioDriverUnload(WDFDRIVER Driver);

/* A power transition of a started device, as a system sleep makes one (spec
 * R4.4, R4.5), so that a driver's EvtIoStop/EvtIoResume and D0 callbacks can
 * be tested. Suspend to TargetState (WdfPowerDeviceD1 to D3):
 * EvtDeviceSelfManagedIoSuspend; power-managed queues stop presenting; each
 * request the driver holds from them gets EvtIoStop(Suspend), and the call
 * waits until each is acknowledged or completed (without EvtIoStop: until
 * each is completed, as KMDF does); EvtDeviceD0ExitPreInterruptsDisabled,
 * EvtDeviceD0Exit(TargetState). Requests that arrive meanwhile wait.
 * Resume: EvtDeviceD0Entry(the Dx), EvtDeviceD0EntryPostInterruptsEnabled,
 * EvtIoResume for each request kept, the queues presenting again,
 * EvtDeviceSelfManagedIoRestart. A failed D0 callback's status is returned
 * and the device stays in the Dx (D0EntryPostInterruptsEnabled's failure
 * undone by D0ExitPreInterruptsDisabled and D0Exit).
 * Bad input: TargetState not D1-D3 → STATUS_INVALID_PARAMETER; a control
 * device (no power, R3.22) → STATUS_INVALID_DEVICE_REQUEST; a device not
 * started, being removed, already in a Dx (Suspend) or in D0 (Resume) →
 * STATUS_INVALID_DEVICE_STATE; from a callback or the engine thread, where
 * the wait could deadlock → STATUS_INVALID_DEVICE_STATE. */
NTSTATUS WdfioDeviceSuspend(WDFDEVICE Device, WDF_POWER_DEVICE_STATE TargetState);
NTSTATUS WdfioDeviceResume(WDFDEVICE Device);

/* What a verifier report does from now on: WDFIO_VERIFIER_ABORT ends the
 * process at the misuse (the default, or WDFIO_VERIFIER=abort), REPORT
 * makes the call fail or do nothing and counts it (WDFIO_VERIFIER=report).
 * Another value → STATUS_INVALID_PARAMETER. */
#define WDFIO_VERIFIER_ABORT  0
#define WDFIO_VERIFIER_REPORT 1
NTSTATUS WdfioHostSetVerifierMode(ULONG Mode);

/* As WdfMemoryCreate, but the buffer is registered with the host engine's
 * io_uring (io_uring_register_buffers): reads and writes of file targets
 * through it go out as fixed-buffer operations, which spare the kernel
 * pinning its pages per request. Each such memory object holds one of the
 * engine's 1024 registered-buffer slots until it is deleted; for many small
 * buffers, create one and send offsets (WDFMEMORY_OFFSET) of it. On the
 * worker-thread backend it is ordinary memory. *Buffer (optional) receives
 * the buffer. Bad input: Memory NULL or BufferSize 0 or above 1 GiB (io_uring's
 * limit) → STATUS_INVALID_PARAMETER; bad Attributes as WdfMemoryCreate; every
 * slot in use, or the pages cannot be locked (RLIMIT_MEMLOCK) →
 * STATUS_INSUFFICIENT_RESOURCES, with a log line saying what to do. */
NTSTATUS WdfioMemoryCreateRegistered(PWDF_OBJECT_ATTRIBUTES Attributes, size_t BufferSize, WDFMEMORY* Memory,
                                     PVOID* Buffer);

/* Objects alive now (created and not yet destroyed): for leak checks. */
ULONG WdfioHostObjectCount(VOID);
/* Verifier violations reported so far (what KMDF's verifier bugchecks on;
 * with WDFIO_VERIFIER=report the call fails instead of aborting): for tests. */
ULONGLONG WdfioHostVerifierViolations(VOID);
/* Receives every wdfio log line instead of stderr (Level: 0 error, 1
 * warning, 2 info; Message without a newline, valid during the call), one
 * call at a time. NULL restores stderr. Set it while no I/O is running. */
typedef VOID WDFIO_LOG_CALLBACK(ULONG Level, const char* Message, PVOID Context);
typedef WDFIO_LOG_CALLBACK* PFN_WDFIO_LOG_CALLBACK;
VOID WdfioHostSetLogCallback(PFN_WDFIO_LOG_CALLBACK Callback, PVOID Context);
/* The next Count pool allocations (ExAllocatePool*) return NULL, to test a
 * driver's out-of-memory paths; 0 ends it. */
VOID WdfioHostFailPoolAllocations(ULONG Count);
/* DDI fault injection, as WdfFiTester does it: the named calls fail as if
 * out of memory (STATUS_INSUFFICIENT_RESOURCES; NULL from ExAllocatePool*).
 * Spec: "NAME[:N|:every=K|:rate=P][,...]" — the N-th call (default 1), every
 * K-th, or P percent of calls (seeded by WDFIO_FAULT_SEED); NAME is one of
 * the calls that create or allocate (Wdf*Create, WdfIoTargetOpen,
 * WdfObjectAllocateContext, ExAllocatePool*), or "*" for all of them counted
 * together. NULL or "" ends it; a bad spec → STATUS_INVALID_PARAMETER (the
 * old one stays). WDFIO_FAULT_DDI sets one when the host starts. */
NTSTATUS WdfioHostSetDdiFaults(PCSTR Spec);
/* The calls fault injection failed so far. */
ULONGLONG WdfioHostDdiFaultsInjected(VOID);

#ifdef __cplusplus
} /* extern "C" */
#endif

#pragma GCC visibility pop
#endif /* WDFIO_WDFIO_HOST_H */
