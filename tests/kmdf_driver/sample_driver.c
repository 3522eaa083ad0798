/* A translation unit written the way KMDF driver sources are: the WDK's
 * include lines, SAL on every declaration, #pragma alloc_text under
 * ALLOC_PRAGMA, PAGED_CODE, pool tags as 'Tag1' constants, KdPrint with
 * Windows' formats, DEFINE_GUID after <initguid.h>, __declspec(selectany),
 * C_ASSERT, ntstrsafe. It is built only against include/kmdf (wdfio::kmdf),
 * as C and, through sample_driver.cpp, as C++; driver_host.c runs it. */
#include <ntddk.h>
#include <wdf.h>

#include <initguid.h>
#include <ntstrsafe.h>

#include "sample_driver.h"

DEFINE_GUID(GUID_DEVINTERFACE_WDFIO_SAMPLE, 0x6d3a1f0b, 0x52c4, 0x4e7a, 0x9b, 0x1e, 0x0c, 0x7d, 0x2a, 0x4f, 0x88, 0x31);

#define SAMPLE_POOL_TAG 'pmaS'

typedef struct _SAMPLE_CONTEXT {
    LIST_ENTRY Link;
    volatile LONG Opens;
    WCHAR Name[32];
} SAMPLE_CONTEXT, *PSAMPLE_CONTEXT;

C_ASSERT(sizeof(SAMPLE_CONTEXT) <= 256);

/* One definition however many units include this: what selectany is for. */
__declspec(selectany) ULONG SampleDebugLevel = DPFLTR_INFO_LEVEL;

DECLARE_CONST_UNICODE_STRING(SampleDeviceName, L"\\Device\\WdfioSample");
DECLARE_CONST_UNICODE_STRING(SampleTargetName, L"/dev/null");

_IRQL_requires_max_(PASSIVE_LEVEL) _Must_inspect_result_ static NTSTATUS
    SampleFormatName(_Out_writes_(Count) PWCHAR Buffer, _In_ SIZE_T Count, _In_ ULONG Index);

_IRQL_requires_max_(DISPATCH_LEVEL) static FORCEINLINE LONG SampleOpen(_Inout_ PSAMPLE_CONTEXT Context) {
    return InterlockedIncrement(&Context->Opens);
}

#ifdef ALLOC_PRAGMA
#pragma alloc_text(INIT, DriverEntry)
#pragma alloc_text(PAGE, SampleFormatName)
#endif

_Use_decl_annotations_ static NTSTATUS SampleFormatName(PWCHAR Buffer, SIZE_T Count, ULONG Index) {
    PAGED_CODE();
    return RtlStringCchPrintfW(Buffer, Count, L"%wZ%lu", &SampleDeviceName, Index);
}

_Use_decl_annotations_ NTSTATUS DriverEntry(PDRIVER_OBJECT DriverObject, PUNICODE_STRING RegistryPath) {
    UNREFERENCED_PARAMETER(DriverObject);
    PAGED_CODE();
    KdPrint(("WdfioSample: DriverEntry %wZ, context %Iu bytes\n", RegistryPath, sizeof(SAMPLE_CONTEXT)));

    PSAMPLE_CONTEXT context =
        (PSAMPLE_CONTEXT)ExAllocatePool2(POOL_FLAG_NON_PAGED, sizeof(SAMPLE_CONTEXT), SAMPLE_POOL_TAG);
    if (context == NULL) return STATUS_INSUFFICIENT_RESOURCES;
    NT_ASSERT(context->Opens == 0); /* ExAllocatePool2 zeroes */

    NTSTATUS status = SampleFormatName(context->Name, ARRAYSIZE(context->Name), 7);
    if (NT_SUCCESS(status) && SampleOpen(context) != 1) status = STATUS_UNSUCCESSFUL;
    if (NT_SUCCESS(status)) {
        KdPrintEx((DPFLTR_IHVDRIVER_ID, SampleDebugLevel, "WdfioSample: %ws, %I64u opens, guid %08lx\n", context->Name,
                   (ULONG64)context->Opens, GUID_DEVINTERFACE_WDFIO_SAMPLE.Data1));
    }

    WDFMEMORY memory = NULL;
    PVOID buffer = NULL;
    if (NT_SUCCESS(status)) {
        status = WdfMemoryCreate(WDF_NO_OBJECT_ATTRIBUTES, NonPagedPoolNx, SAMPLE_POOL_TAG, 512, &memory, &buffer);
    }
    if (NT_SUCCESS(status)) {
        RtlCopyMemory(buffer, context->Name, sizeof(context->Name));
        WdfObjectDelete(memory);
    }

    /* A remote target opened by name, as KMDF drivers open one. */
    WDFIOTARGET target = NULL;
    if (NT_SUCCESS(status)) status = WdfIoTargetCreate(WDF_NO_HANDLE, WDF_NO_OBJECT_ATTRIBUTES, &target);
    if (NT_SUCCESS(status)) {
        WDF_IO_TARGET_OPEN_PARAMS open;
        WDF_IO_TARGET_OPEN_PARAMS_INIT_OPEN_BY_NAME(&open, &SampleTargetName, GENERIC_READ | GENERIC_WRITE);
        status = WdfIoTargetOpen(target, &open);
        WdfObjectDelete(target);
    }
    ExFreePoolWithTag(context, SAMPLE_POOL_TAG);
    return status;
}

_Use_decl_annotations_ BOOLEAN SampleGuidIsDefined(const GUID* Guid) {
    return IsEqualGUID(Guid, &GUID_DEVINTERFACE_WDFIO_SAMPLE) ? TRUE : FALSE;
}
