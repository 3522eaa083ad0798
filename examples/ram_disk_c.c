/* The C API: a RAM disk behind a fault-injection filter that fails a
 * quarter of the writes. Write 32 blocks through the filter, count what
 * failed, read one back asynchronously with a completion routine, and print
 * the filter's counters. */
#include <wdfio/wdf.h>

#include <stdatomic.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

static atomic_int read_done;

static void read_completed(WDFREQUEST request, WDFIOTARGET target, PWDF_REQUEST_COMPLETION_PARAMS params,
                           WDFCONTEXT context) {
    (void)request, (void)target, (void)context;
    printf("read completed: status 0x%08X, %zu bytes\n", (unsigned)params->IoStatus.Status,
           (size_t)params->Parameters.Read.Length);
    atomic_store(&read_done, 1);
}

int main(void) {
    WDFDEVICE disk, filter;
    NTSTATUS status = WdfioRamDiskCreate(16 << 20, 512, "\\Device\\Ram0", &disk);
    if (!NT_SUCCESS(status)) {
        fprintf(stderr, "RAM disk: 0x%08X\n", (unsigned)status);
        return 1;
    }
    WDFIO_FAULT_CONFIG faults;
    WDFIO_FAULT_CONFIG_INIT(&faults, WdfioFaultFail, 0.25);
    faults.Types = WDFIO_FAULT_TYPE_WRITE;
    status = WdfioFaultFilterCreate(disk, &faults, "\\Device\\Faulty0", &filter);
    if (!NT_SUCCESS(status)) {
        fprintf(stderr, "fault filter: 0x%08X\n", (unsigned)status);
        WdfioHostShutdown();
        return 1;
    }

    /* Open the top of the stack by name, as a KMDF driver opens a remote target. */
    WDFIOTARGET target;
    DECLARE_CONST_UNICODE_STRING(filter_name, L"\\Device\\Faulty0");
    WDF_IO_TARGET_OPEN_PARAMS open;
    WDF_IO_TARGET_OPEN_PARAMS_INIT_OPEN_BY_NAME(&open, &filter_name, GENERIC_READ | GENERIC_WRITE);
    if (!NT_SUCCESS(status = WdfIoTargetCreate(WDF_NO_HANDLE, WDF_NO_OBJECT_ATTRIBUTES, &target)) ||
        !NT_SUCCESS(status = WdfIoTargetOpen(target, &open))) {
        fprintf(stderr, "open: 0x%08X\n", (unsigned)status);
        WdfioHostShutdown();
        return 1;
    }

    /* Synchronous writes with a 1 s timeout each. */
    static char block[4096];
    WDF_MEMORY_DESCRIPTOR from;
    WDF_MEMORY_DESCRIPTOR_INIT_BUFFER(&from, block, sizeof block);
    WDF_REQUEST_SEND_OPTIONS options;
    WDF_REQUEST_SEND_OPTIONS_INIT(&options, 0);
    WDF_REQUEST_SEND_OPTIONS_SET_TIMEOUT(&options, WDF_REL_TIMEOUT_IN_SEC(1));
    int failed = 0;
    NTSTATUS last_failure = STATUS_SUCCESS;
    for (LONGLONG i = 0; i < 32; ++i) {
        snprintf(block, sizeof block, "block %lld", (long long)i);
        LONGLONG offset = i * (LONGLONG)sizeof block;
        ULONG_PTR written = 0;
        status = WdfIoTargetSendWriteSynchronously(target, NULL, &from, &offset, &options, &written);
        if (!NT_SUCCESS(status)) {
            ++failed;
            last_failure = status;
        }
    }
    printf("32 writes, %d failed (with 0x%08X: STATUS_IO_DEVICE_ERROR)\n", failed, (unsigned)last_failure);

    /* One asynchronous read: format, completion routine, send. */
    WDFREQUEST request;
    WDFMEMORY memory;
    PVOID buffer;
    LONGLONG offset = 0;
    if (NT_SUCCESS(WdfRequestCreate(WDF_NO_OBJECT_ATTRIBUTES, target, &request)) &&
        NT_SUCCESS(WdfMemoryCreate(WDF_NO_OBJECT_ATTRIBUTES, NonPagedPool, 0, sizeof block, &memory, &buffer)) &&
        NT_SUCCESS(WdfIoTargetFormatRequestForRead(target, request, memory, NULL, &offset))) {
        WdfRequestSetCompletionRoutine(request, read_completed, WDF_NO_CONTEXT);
        if (!WdfRequestSend(request, target, WDF_NO_SEND_OPTIONS))
            printf("send refused: 0x%08X\n", (unsigned)WdfRequestGetStatus(request));
        while (!atomic_load(&read_done)) {
            struct timespec ms = {0, 1000000};
            nanosleep(&ms, NULL);
        }
        printf("block 0 reads \"%s\"\n", (const char*)buffer); /* empty if that write was failed */
    }

    WDFIO_FAULT_COUNTERS counters;
    WDFIO_FAULT_COUNTERS_INIT(&counters);
    if (NT_SUCCESS(WdfioFaultFilterGetCounters(filter, &counters)))
        printf("filter saw %llu, passed %llu, failed %llu\n", (unsigned long long)counters.Seen,
               (unsigned long long)counters.Passed, (unsigned long long)counters.Failed);

    WdfioHostShutdown(); /* deletes the target, request, memory, filter and disk */
    return 0;
}
