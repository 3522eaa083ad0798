/* Requests from C, against a RAM disk: asynchronous sends and their
 * completion routine (exactly once, the right params), SYNCHRONOUS sends,
 * re-sending and deleting from the routine, reuse, refusals, sticky cancel. */
#include "compat_test.h"

#include <linux/fs.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static WDFDEVICE disk;
static WDFIOTARGET target;

static int open_disk(void) {
    return WdfioRamDiskCreate(1 << 20, 512, NULL, &disk) == STATUS_SUCCESS &&
           WdfioDeviceOpenTarget(disk, NULL, &target) == STATUS_SUCCESS;
}

/* Each test starts with a 1 MiB RAM disk and a target to it; without them it ends here. */
#define REQUIRE_OPEN_DISK()        \
    do {                           \
        if (!open_disk()) {        \
            CHECK(!"open_disk");   \
            WdfObjectDelete(disk); \
            return;                \
        }                          \
    } while (0)

/* What a completion routine saw. */
typedef struct {
    atomic_int runs;
    WDFREQUEST request;
    WDFIOTARGET target;
    WDF_REQUEST_COMPLETION_PARAMS params;
    NTSTATUS status_in_routine;
} seen_completion;

static void record(WDFREQUEST request, WDFIOTARGET t, PWDF_REQUEST_COMPLETION_PARAMS params, WDFCONTEXT context) {
    seen_completion* seen = (seen_completion*)context;
    seen->request = request;
    seen->target = t;
    seen->params = *params;
    seen->status_in_routine = WdfRequestGetStatus(request);
    atomic_fetch_add(&seen->runs, 1);
}

static void async_read_runs_the_routine_once_with_its_params(void) {
    REQUIRE_OPEN_DISK();
    static unsigned char pattern[2048];
    fill_pattern(pattern, sizeof pattern, 3);
    WDF_MEMORY_DESCRIPTOR from;
    WDF_MEMORY_DESCRIPTOR_INIT_BUFFER(&from, pattern, sizeof pattern);
    LONGLONG device_offset = 4096;
    REQUIRE_STATUS(WdfIoTargetSendWriteSynchronously(target, NULL, &from, &device_offset, NULL, NULL), STATUS_SUCCESS);

    WDFREQUEST request;
    WDFMEMORY memory;
    PVOID buffer;
    REQUIRE_STATUS(WdfRequestCreate(NULL, target, &request), STATUS_SUCCESS);
    REQUIRE_STATUS(WdfMemoryCreate(NULL, NonPagedPool, 0, 4096, &memory, &buffer), STATUS_SUCCESS);
    WDFMEMORY_OFFSET window = {512, 1024};
    REQUIRE_STATUS(WdfIoTargetFormatRequestForRead(target, request, memory, &window, &device_offset), STATUS_SUCCESS);
    static seen_completion seen;
    memset(&seen, 0, sizeof seen);
    WdfRequestSetCompletionRoutine(request, record, &seen);
    CHECK(WdfRequestSend(request, target, WDF_NO_SEND_OPTIONS));
    CHECK(wait_for_count(&seen.runs, 1));
    sleep_ms(20);
    CHECK_EQ(atomic_load(&seen.runs), 1); /* exactly once */
    CHECK(seen.request == request);
    CHECK(seen.target == target);
    CHECK_EQ(seen.params.Size, sizeof(WDF_REQUEST_COMPLETION_PARAMS));
    CHECK_EQ(seen.params.Type, WdfRequestTypeRead);
    CHECK_STATUS(seen.params.IoStatus.Status, STATUS_SUCCESS);
    CHECK_EQ(seen.params.IoStatus.Information, 1024);
    CHECK(seen.params.Parameters.Read.Buffer == memory);
    CHECK_EQ(seen.params.Parameters.Read.Offset, 512);
    CHECK_EQ(seen.params.Parameters.Read.Length, 1024);
    CHECK_STATUS(seen.status_in_routine, STATUS_SUCCESS);
    CHECK(memcmp((unsigned char*)buffer + 512, pattern, 1024) == 0);
    CHECK_STATUS(WdfRequestGetStatus(request), STATUS_SUCCESS);
    CHECK_EQ(WdfRequestGetInformation(request), 1024);
    WDF_REQUEST_COMPLETION_PARAMS params;
    WDF_REQUEST_COMPLETION_PARAMS_INIT(&params);
    WdfRequestGetCompletionParams(request, &params);
    /* The same block, field by field (padding is not part of it). */
    CHECK_EQ(params.Type, seen.params.Type);
    CHECK_STATUS(params.IoStatus.Status, seen.params.IoStatus.Status);
    CHECK_EQ(params.IoStatus.Information, seen.params.IoStatus.Information);
    CHECK(params.Parameters.Read.Buffer == seen.params.Parameters.Read.Buffer);
    CHECK_EQ(params.Parameters.Read.Length, seen.params.Parameters.Read.Length);
    CHECK_EQ(params.Parameters.Read.Offset, seen.params.Parameters.Read.Offset);

    /* One-shot: a send without setting it again does not call it. */
    REQUIRE_STATUS(WdfIoTargetFormatRequestForRead(target, request, memory, NULL, &device_offset), STATUS_SUCCESS);
    WDF_REQUEST_SEND_OPTIONS sync;
    WDF_REQUEST_SEND_OPTIONS_INIT(&sync, WDF_REQUEST_SEND_OPTION_SYNCHRONOUS);
    CHECK(WdfRequestSend(request, target, &sync));
    CHECK_EQ(WdfRequestGetInformation(request), 4096);
    CHECK_EQ(atomic_load(&seen.runs), 1);
    WdfObjectDelete(request);
    WdfObjectDelete(memory);
    WdfObjectDelete(disk);
}

static void a_synchronous_send_runs_the_routine_before_it_returns(void) {
    REQUIRE_OPEN_DISK();
    WDFREQUEST request;
    WDFMEMORY size_out;
    REQUIRE_STATUS(WdfRequestCreate(NULL, NULL, &request), STATUS_SUCCESS);
    REQUIRE_STATUS(WdfMemoryCreate(NULL, NonPagedPool, 0, 8, &size_out, NULL), STATUS_SUCCESS);
    REQUIRE_STATUS(WdfIoTargetFormatRequestForIoctl(target, request, BLKGETSIZE64, NULL, NULL, size_out, NULL),
                   STATUS_SUCCESS);
    static seen_completion seen;
    memset(&seen, 0, sizeof seen);
    WdfRequestSetCompletionRoutine(request, record, &seen);
    WDF_REQUEST_SEND_OPTIONS options;
    WDF_REQUEST_SEND_OPTIONS_INIT(&options, WDF_REQUEST_SEND_OPTION_SYNCHRONOUS);
    WDF_REQUEST_SEND_OPTIONS_SET_TIMEOUT(&options, WDF_REL_TIMEOUT_IN_SEC(5));
    CHECK_STATUS(WdfRequestAllocateTimer(request), STATUS_SUCCESS); /* as drivers do before a timed send */
    CHECK_STATUS(WdfRequestAllocateTimer(request), STATUS_SUCCESS); /* again: still fine */
    CHECK_STATUS(WdfRequestAllocateTimer(NULL), STATUS_INVALID_HANDLE);
    CHECK_STATUS(WdfRequestAllocateTimer((WDFREQUEST)size_out), STATUS_INVALID_HANDLE);
    CHECK(WdfRequestSend(request, target, &options));
    CHECK_EQ(atomic_load(&seen.runs), 1);
    CHECK_EQ(seen.params.Type, WdfRequestTypeDeviceControl);
    CHECK_EQ(seen.params.Parameters.Ioctl.IoControlCode, BLKGETSIZE64);
    CHECK(seen.params.Parameters.Ioctl.Output.Buffer == size_out);
    CHECK(seen.params.Parameters.Ioctl.Input.Buffer == NULL);
    CHECK_EQ(seen.params.Parameters.Ioctl.Output.Length, 8);
    CHECK_EQ(*(uint64_t*)WdfMemoryGetBuffer(size_out, NULL), 1 << 20);
    WdfObjectDelete(request);
    WdfObjectDelete(size_out);
    WdfObjectDelete(disk);
}

/* A reader that re-sends from its routine, toastmon style: delete the
 * memory named in the params, reuse, format again with new memory, send. */
typedef struct {
    atomic_int rounds;
    atomic_int failures;
    int stop_after;
} resender;

static void resend(WDFREQUEST request, WDFIOTARGET t, PWDF_REQUEST_COMPLETION_PARAMS params, WDFCONTEXT context) {
    resender* self = (resender*)context;
    if (params->IoStatus.Status != STATUS_SUCCESS || params->Parameters.Read.Length != 512)
        atomic_fetch_add(&self->failures, 1);
    WdfObjectDelete(params->Parameters.Read.Buffer); /* still referenced by the request until reuse */
    WDF_REQUEST_REUSE_PARAMS reuse;
    WDF_REQUEST_REUSE_PARAMS_INIT(&reuse, WDF_REQUEST_REUSE_NO_FLAGS, STATUS_SUCCESS);
    if (WdfRequestReuse(request, &reuse) != STATUS_SUCCESS) atomic_fetch_add(&self->failures, 1);
    const int round = atomic_fetch_add(&self->rounds, 1) + 1;
    if (round == self->stop_after) {
        WdfObjectDelete(request); /* deleting it from its own routine is fine */
        return;
    }
    WDF_OBJECT_ATTRIBUTES attributes;
    WDF_OBJECT_ATTRIBUTES_INIT(&attributes);
    attributes.ParentObject = request;
    WDFMEMORY memory;
    LONGLONG offset = (LONGLONG)round * 512;
    if (WdfMemoryCreate(&attributes, NonPagedPool, 0, 512, &memory, NULL) != STATUS_SUCCESS ||
        WdfIoTargetFormatRequestForRead(t, request, memory, NULL, &offset) != STATUS_SUCCESS) {
        atomic_fetch_add(&self->failures, 1);
        return;
    }
    WdfRequestSetCompletionRoutine(request, resend, self);
    if (!WdfRequestSend(request, t, NULL)) atomic_fetch_add(&self->failures, 1);
}

static void the_routine_may_reuse_resend_and_delete(void) {
    REQUIRE_OPEN_DISK();
    static resender self;
    memset(&self, 0, sizeof self);
    self.stop_after = 20;
    WDFREQUEST request;
    WDFMEMORY memory;
    REQUIRE_STATUS(WdfRequestCreate(NULL, target, &request), STATUS_SUCCESS);
    WDF_OBJECT_ATTRIBUTES attributes;
    WDF_OBJECT_ATTRIBUTES_INIT(&attributes);
    attributes.ParentObject = request;
    REQUIRE_STATUS(WdfMemoryCreate(&attributes, NonPagedPool, 0, 512, &memory, NULL), STATUS_SUCCESS);
    REQUIRE_STATUS(WdfIoTargetFormatRequestForRead(target, request, memory, NULL, NULL), STATUS_SUCCESS);
    WdfRequestSetCompletionRoutine(request, resend, &self);
    CHECK(WdfRequestSend(request, target, NULL));
    CHECK(wait_for_count(&self.rounds, self.stop_after));
    CHECK_EQ(atomic_load(&self.failures), 0);
    /* The request deleted itself, with its memory (gone once its routine has returned). */
    for (int i = 0; i < 1000 && WdfioHostObjectCount() != 2; ++i) sleep_ms(1);
    CHECK_EQ(WdfioHostObjectCount(), 2);
    WdfObjectDelete(disk);
}

static void refused_sends_say_why_and_skip_the_routine(void) {
    REQUIRE_OPEN_DISK();
    WDFREQUEST request;
    WDFMEMORY memory;
    REQUIRE_STATUS(WdfRequestCreate(NULL, NULL, &request), STATUS_SUCCESS);
    REQUIRE_STATUS(WdfMemoryCreate(NULL, NonPagedPool, 0, 512, &memory, NULL), STATUS_SUCCESS);
    static seen_completion seen;
    memset(&seen, 0, sizeof seen);
    WdfRequestSetCompletionRoutine(request, record, &seen);
    CHECK(!WdfRequestSend(request, target, NULL)); /* never formatted */
    CHECK_STATUS(WdfRequestGetStatus(request), STATUS_REQUEST_NOT_ACCEPTED);

    REQUIRE_STATUS(WdfIoTargetFormatRequestForRead(target, request, memory, NULL, NULL), STATUS_SUCCESS);
    WDF_REQUEST_SEND_OPTIONS options;
    WDF_REQUEST_SEND_OPTIONS_INIT(&options, 0);
    options.Size = 12;
    CHECK(!WdfRequestSend(request, target, &options));
    CHECK_STATUS(WdfRequestGetStatus(request), STATUS_INVALID_PARAMETER); /* a wrong Size reads so too */
    WDF_REQUEST_SEND_OPTIONS_INIT(&options, 0x40);
    CHECK(!WdfRequestSend(request, target, &options));
    CHECK_STATUS(WdfRequestGetStatus(request), STATUS_INVALID_PARAMETER);
    WDF_REQUEST_SEND_OPTIONS_INIT(&options, WDF_REQUEST_SEND_OPTION_SEND_AND_FORGET);
    CHECK(!WdfRequestSend(request, target, &options)); /* not for driver-created requests */
    CHECK_STATUS(WdfRequestGetStatus(request), STATUS_INVALID_DEVICE_STATE);
    CHECK_EQ(atomic_load(&seen.runs), 0);

    /* The routine stayed set through the refusals: a good send runs it. */
    CHECK(WdfRequestSend(request, target, NULL));
    CHECK(wait_for_count(&seen.runs, 1));
    CHECK_STATUS(WdfRequestGetStatus(request), STATUS_SUCCESS);

    /* Formatting with a window outside the buffer. */
    WDFMEMORY_OFFSET outside = {256, 512};
    CHECK_STATUS(WdfIoTargetFormatRequestForWrite(target, request, memory, &outside, NULL), STATUS_INTEGER_OVERFLOW);
    CHECK_STATUS(WdfIoTargetFormatRequestForIoctl(target, request, 1, memory, &outside, NULL, NULL),
                 STATUS_INTEGER_OVERFLOW);
    /* Offsets are checked before anything changes (spec §2.1 step 1): the read format stands. */
    WDF_REQUEST_SEND_OPTIONS_INIT(&options, WDF_REQUEST_SEND_OPTION_SYNCHRONOUS);
    CHECK(WdfRequestSend(request, target, &options));
    CHECK_EQ(WdfRequestGetInformation(request), 512);
    WDF_REQUEST_COMPLETION_PARAMS params;
    WDF_REQUEST_COMPLETION_PARAMS_INIT(&params);
    WdfRequestGetCompletionParams(request, &params);
    CHECK_EQ(params.Type, WdfRequestTypeRead);
    CHECK(params.Parameters.Read.Buffer == memory);
    WdfObjectDelete(request);
    WdfObjectDelete(memory);
    WdfObjectDelete(disk);
}

static void cancel_is_sticky_until_reuse(void) {
    REQUIRE_OPEN_DISK();
    WDFREQUEST request;
    WDFMEMORY memory;
    REQUIRE_STATUS(WdfRequestCreate(NULL, target, &request), STATUS_SUCCESS);
    REQUIRE_STATUS(WdfMemoryCreate(NULL, NonPagedPool, 0, 512, &memory, NULL), STATUS_SUCCESS);
    CHECK(!WdfRequestCancelSentRequest(request)); /* nothing outstanding */
    REQUIRE_STATUS(WdfIoTargetFormatRequestForRead(target, request, memory, NULL, NULL), STATUS_SUCCESS);
    CHECK(!WdfRequestSend(request, target, NULL));
    CHECK_STATUS(WdfRequestGetStatus(request), STATUS_CANCELLED);

    WDF_REQUEST_REUSE_PARAMS reuse;
    WDF_REQUEST_REUSE_PARAMS_INIT(&reuse, WDF_REQUEST_REUSE_NO_FLAGS, STATUS_PENDING);
    CHECK_STATUS(WdfRequestReuse(request, &reuse), STATUS_SUCCESS);
    CHECK_STATUS(WdfRequestGetStatus(request), STATUS_PENDING); /* the reuse status */
    REQUIRE_STATUS(WdfIoTargetFormatRequestForRead(target, request, memory, NULL, NULL), STATUS_SUCCESS);
    WDF_REQUEST_SEND_OPTIONS sync;
    WDF_REQUEST_SEND_OPTIONS_INIT(&sync, WDF_REQUEST_SEND_OPTION_SYNCHRONOUS);
    CHECK(WdfRequestSend(request, target, &sync));
    CHECK_STATUS(WdfRequestGetStatus(request), STATUS_SUCCESS);

    /* Reuse's own bad input. */
    CHECK_STATUS(WdfRequestReuse(request, NULL), STATUS_INVALID_PARAMETER);
    reuse.Size = 4;
    CHECK_STATUS(WdfRequestReuse(request, &reuse), STATUS_INVALID_PARAMETER);
    WDF_REQUEST_REUSE_PARAMS_INIT(&reuse, WDF_REQUEST_REUSE_SET_NEW_IRP, STATUS_SUCCESS);
    CHECK_STATUS(WdfRequestReuse(request, &reuse), STATUS_INVALID_PARAMETER);
    CHECK_EQ(WdfRequestGetInformation(request), 512); /* the refusals changed nothing */
    WdfObjectDelete(request);
    WdfObjectDelete(memory);
    WdfObjectDelete(disk);
}

static void a_supplied_request_leaves_a_helper_unformatted(void) {
    REQUIRE_OPEN_DISK();
    WDFREQUEST request;
    REQUIRE_STATUS(WdfRequestCreate(NULL, NULL, &request), STATUS_SUCCESS);
    static seen_completion seen;
    memset(&seen, 0, sizeof seen);
    WdfRequestSetCompletionRoutine(request, record, &seen);
    unsigned char buffer[512];
    WDF_MEMORY_DESCRIPTOR into;
    WDF_MEMORY_DESCRIPTOR_INIT_BUFFER(&into, buffer, sizeof buffer);
    ULONG_PTR bytes = 0;
    CHECK_STATUS(WdfIoTargetSendReadSynchronously(target, request, &into, NULL, NULL, &bytes), STATUS_SUCCESS);
    CHECK_EQ(bytes, 512);
    CHECK_EQ(atomic_load(&seen.runs), 0);          /* helpers never call it */
    CHECK(!WdfRequestSend(request, target, NULL)); /* unformatted now */
    CHECK_STATUS(WdfRequestGetStatus(request), STATUS_REQUEST_NOT_ACCEPTED);
    WDF_REQUEST_COMPLETION_PARAMS params;
    WDF_REQUEST_COMPLETION_PARAMS_INIT(&params);
    WdfRequestGetCompletionParams(request, &params);
    CHECK_EQ(params.Type, WdfRequestTypeNoFormat);
    WdfObjectDelete(request);
    WdfObjectDelete(disk);
}

static void change_target_and_completion_params_bad_input(void) {
    REQUIRE_OPEN_DISK();
    WDFREQUEST request;
    CHECK_STATUS(WdfRequestCreate(NULL, NULL, NULL), STATUS_INVALID_PARAMETER);
    WDF_OBJECT_ATTRIBUTES attributes;
    WDF_OBJECT_ATTRIBUTES_INIT(&attributes);
    WDF_OBJECT_CONTEXT_TYPE_INFO bad_type = {3, "bad", 8, NULL, NULL}; /* Size: neither KMDF's nor 1.0's */
    attributes.ContextTypeInfo = &bad_type;
    CHECK_STATUS(WdfRequestCreate(&attributes, NULL, &request), STATUS_INFO_LENGTH_MISMATCH);
    REQUIRE_STATUS(WdfRequestCreate(NULL, NULL, &request), STATUS_SUCCESS);
    CHECK_STATUS(WdfRequestChangeTarget(request, target), STATUS_SUCCESS);
    WDF_REQUEST_COMPLETION_PARAMS params;
    WDF_REQUEST_COMPLETION_PARAMS_INIT(&params);
    params.Size = 3;
    params.Type = (WDF_REQUEST_TYPE)0x42;
    WdfRequestGetCompletionParams(request, &params);
    CHECK_EQ(params.Type, 0x42); /* wrong Size: nothing written */
    WdfRequestGetCompletionParams(request, NULL);
    WdfRequestSetCompletionRoutine(request, NULL, NULL); /* none: fine */
    WdfObjectDelete(request);
    WdfObjectDelete(disk);
}

/* A file target completes on the engine thread: cancel from here races it.
 * Whoever wins, the routine runs exactly once per accepted send. */
static void cancel_racing_completion_runs_the_routine_once(void) {
    char path[] = "/tmp/wdfio-compat-race-XXXXXX";
    const int fd = mkstemp(path);
    if (fd < 0 || ftruncate(fd, 1 << 16) != 0) {
        CHECK(!"temporary file");
        return;
    }
    close(fd);
    WDFIOTARGET file;
    WDF_IO_TARGET_OPEN_PARAMS open;
    WDF_IO_TARGET_OPEN_PARAMS_INIT_OPEN_BY_NAME(&open, UNICODE_NAME(path), GENERIC_READ);
    REQUIRE_STATUS(WdfIoTargetCreate(NULL, NULL, &file), STATUS_SUCCESS);
    REQUIRE_STATUS(WdfIoTargetOpen(file, &open), STATUS_SUCCESS);
    WDFREQUEST request;
    WDFMEMORY memory;
    REQUIRE_STATUS(WdfRequestCreate(NULL, file, &request), STATUS_SUCCESS);
    REQUIRE_STATUS(WdfMemoryCreate(NULL, NonPagedPool, 0, 4096, &memory, NULL), STATUS_SUCCESS);
    static seen_completion seen;
    memset(&seen, 0, sizeof seen);
    WDF_REQUEST_REUSE_PARAMS reuse;
    WDF_REQUEST_REUSE_PARAMS_INIT(&reuse, WDF_REQUEST_REUSE_NO_FLAGS, STATUS_SUCCESS);
    int accepted = 0, odd_status = 0;
    for (int round = 0; round < 2000; ++round) {
        if (WdfRequestReuse(request, &reuse) != STATUS_SUCCESS ||
            WdfIoTargetFormatRequestForRead(file, request, memory, NULL, NULL) != STATUS_SUCCESS)
            break;
        WdfRequestSetCompletionRoutine(request, record, &seen);
        if (!WdfRequestSend(request, file, NULL)) continue;
        ++accepted;
        WdfRequestCancelSentRequest(request);
        if (!wait_for_count(&seen.runs, accepted)) break;
        const NTSTATUS s = seen.params.IoStatus.Status;
        if (s != STATUS_SUCCESS && s != STATUS_CANCELLED) ++odd_status;
    }
    CHECK_EQ(accepted, 2000);
    sleep_ms(10);
    CHECK_EQ(atomic_load(&seen.runs), accepted);
    CHECK_EQ(odd_status, 0);
    WdfObjectDelete(request);
    WdfObjectDelete(memory);
    WdfObjectDelete(file);
    unlink(path);
}

/* Sending a request that is still outstanding is a verifier violation: in
 * report mode (as the tests run) the send is refused and the one in flight
 * is untouched. */
static void sending_an_outstanding_request_is_refused(void) {
    const char* mode = getenv("WDFIO_VERIFIER");
    if (!mode || strcmp(mode, "report") != 0) return; /* would abort, as KMDF bugchecks */
    WDFDEVICE ram, never;
    WDFIOTARGET top;
    WDFIO_FAULT_CONFIG config;
    WDFIO_FAULT_CONFIG_INIT(&config, WdfioFaultNeverComplete, 1.0);
    REQUIRE_STATUS(WdfioRamDiskCreate(1 << 16, 512, NULL, &ram), STATUS_SUCCESS);
    REQUIRE_STATUS(WdfioFaultFilterCreate(ram, &config, NULL, &never), STATUS_SUCCESS);
    REQUIRE_STATUS(WdfioDeviceOpenTarget(never, NULL, &top), STATUS_SUCCESS);
    WDFREQUEST request;
    WDFMEMORY memory;
    REQUIRE_STATUS(WdfRequestCreate(NULL, top, &request), STATUS_SUCCESS);
    REQUIRE_STATUS(WdfMemoryCreate(NULL, NonPagedPool, 0, 512, &memory, NULL), STATUS_SUCCESS);
    REQUIRE_STATUS(WdfIoTargetFormatRequestForRead(top, request, memory, NULL, NULL), STATUS_SUCCESS);
    static seen_completion seen;
    memset(&seen, 0, sizeof seen);
    WdfRequestSetCompletionRoutine(request, record, &seen);
    CHECK(WdfRequestSend(request, top, NULL));
    CHECK(!WdfRequestSend(request, top, NULL));
    const ULONGLONG before = WdfioHostVerifierViolations();
    WdfRequestSetCompletionRoutine(request, NULL, NULL); /* refused too: it is outstanding */
    CHECK_EQ(WdfioHostVerifierViolations(), before + 1);
    CHECK_STATUS(WdfIoTargetFormatRequestForWrite(top, request, memory, NULL, NULL), STATUS_INVALID_DEVICE_STATE);
    WDF_REQUEST_REUSE_PARAMS reuse;
    WDF_REQUEST_REUSE_PARAMS_INIT(&reuse, WDF_REQUEST_REUSE_NO_FLAGS, STATUS_SUCCESS);
    CHECK_STATUS(WdfRequestReuse(request, &reuse), STATUS_INVALID_DEVICE_STATE);
    CHECK(WdfRequestCancelSentRequest(request));
    CHECK(wait_for_count(&seen.runs, 1));
    CHECK_STATUS(seen.params.IoStatus.Status, STATUS_CANCELLED);
    CHECK(seen.params.Parameters.Read.Buffer == memory); /* the first format, intact */
    sleep_ms(10);
    CHECK_EQ(atomic_load(&seen.runs), 1);
    WdfObjectDelete(request);
    WdfObjectDelete(memory);
    WdfObjectDelete(never);
    WdfObjectDelete(ram);
}

const compat_test request_tests[] = {
    {"Request.AsyncReadRunsTheRoutineOnceWithItsParams", async_read_runs_the_routine_once_with_its_params},
    {"Request.ASynchronousSendRunsTheRoutineBeforeItReturns", a_synchronous_send_runs_the_routine_before_it_returns},
    {"Request.TheRoutineMayReuseResendAndDelete", the_routine_may_reuse_resend_and_delete},
    {"Request.RefusedSendsSayWhyAndSkipTheRoutine", refused_sends_say_why_and_skip_the_routine},
    {"Request.CancelIsStickyUntilReuse", cancel_is_sticky_until_reuse},
    {"Request.ASuppliedRequestLeavesAHelperUnformatted", a_supplied_request_leaves_a_helper_unformatted},
    {"Request.ChangeTargetAndCompletionParamsBadInput", change_target_and_completion_params_bad_input},
    {"Request.CancelRacingCompletionRunsTheRoutineOnce", cancel_racing_completion_runs_the_routine_once},
    {"Request.SendingAnOutstandingRequestIsRefused", sending_an_outstanding_request_is_refused},
    {NULL, NULL},
};
