/* A driver-style C source built against an installed wdfio through
 * wdfio::kmdf or `pkg-config wdfio-kmdf`: the WDK's include lines resolve. */
#include <ntddk.h>
#include <wdf.h>

#include <initguid.h>
#include <ntstrsafe.h>

DEFINE_GUID(GUID_CONSUMER, 0x1, 0x2, 0x3, 0x4, 0x5, 0x6, 0x7, 0x8, 0x9, 0xa, 0xb);

#ifdef ALLOC_PRAGMA
#pragma alloc_text(PAGE, ConsumerName)
#endif

_Must_inspect_result_ NTSTATUS ConsumerName(_Out_writes_(Count) PWCHAR Buffer, _In_ SIZE_T Count);

_Use_decl_annotations_ NTSTATUS ConsumerName(PWCHAR Buffer, SIZE_T Count) {
    PAGED_CODE();
    return RtlStringCchPrintfW(Buffer, Count, L"consumer-%Iu", (SIZE_T)GUID_CONSUMER.Data1);
}

int main(void) {
    WCHAR name[32];
    PVOID block = ExAllocatePool2(POOL_FLAG_PAGED, 16, 'ffuB');
    const NTSTATUS status = ConsumerName(name, ARRAYSIZE(name));
    KdPrint(("%ws %s\n", name, block ? "allocated" : "failed"));
    if (block) ExFreePoolWithTag(block, 'ffuB');
    return NT_SUCCESS(status) && block && wcscmp(name, L"consumer-1") == 0 ? 0 : 1;
}
