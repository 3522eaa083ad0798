/* I/O targets from C: open by path and by device name, the state machine
 * (start, stop, purge, close, reopen), parked requests, and bad open params. */
#include "compat_test.h"

#include <stddef.h>

#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* A temporary file of `size` bytes; the path is written to `path`. */
static int make_temp_file(char* path, size_t size) {
    strcpy(path, "/tmp/wdfio-compat-XXXXXX");
    const int fd = mkstemp(path);
    if (fd < 0) return 0;
    const int ok = ftruncate(fd, (off_t)size) == 0;
    close(fd);
    return ok;
}

static void open_a_file_by_path_write_and_read_back(void) {
    char path[64];
    if (!make_temp_file(path, 65536)) {
        CHECK(!"temporary file");
        return;
    }
    WDFIOTARGET target;
    REQUIRE_STATUS(WdfIoTargetCreate(WDF_NO_HANDLE, WDF_NO_OBJECT_ATTRIBUTES, &target), STATUS_SUCCESS);
    CHECK_EQ(WdfIoTargetGetState(target), WdfIoTargetClosed); /* never opened */
    WDF_IO_TARGET_OPEN_PARAMS open;
    WDF_IO_TARGET_OPEN_PARAMS_INIT_OPEN_BY_NAME(&open, UNICODE_NAME(path), GENERIC_READ | GENERIC_WRITE);
    CHECK_STATUS(WdfIoTargetOpen(target, &open), STATUS_SUCCESS);
    CHECK_EQ(open.FileInformation, FILE_OPENED);
    CHECK_EQ(WdfIoTargetGetState(target), WdfIoTargetStarted);
    CHECK_STATUS(WdfIoTargetOpen(target, &open), STATUS_INVALID_DEVICE_STATE); /* already open */

    static unsigned char out[4096], in[4096];
    fill_pattern(out, sizeof out, 5);
    WDF_MEMORY_DESCRIPTOR from, into;
    WDF_MEMORY_DESCRIPTOR_INIT_BUFFER(&from, out, sizeof out);
    WDF_MEMORY_DESCRIPTOR_INIT_BUFFER(&into, in, sizeof in);
    LONGLONG offset = 8192;
    ULONG_PTR bytes = 0;
    CHECK_STATUS(WdfIoTargetSendWriteSynchronously(target, NULL, &from, &offset, NULL, &bytes), STATUS_SUCCESS);
    CHECK_EQ(bytes, sizeof out);
    CHECK_STATUS(WdfIoTargetSendReadSynchronously(target, NULL, &into, &offset, NULL, &bytes), STATUS_SUCCESS);
    CHECK(memcmp(in, out, sizeof in) == 0);

    /* Close, then reopen with the same name and options. */
    WdfIoTargetClose(target);
    CHECK_EQ(WdfIoTargetGetState(target), WdfIoTargetClosed);
    CHECK_STATUS(WdfIoTargetSendReadSynchronously(target, NULL, &into, &offset, NULL, &bytes),
                 STATUS_INVALID_DEVICE_STATE);
    CHECK_STATUS(WdfIoTargetStart(target), STATUS_INVALID_DEVICE_STATE);
    WDF_IO_TARGET_OPEN_PARAMS_INIT_REOPEN(&open);
    CHECK_STATUS(WdfIoTargetOpen(target, &open), STATUS_SUCCESS);
    memset(in, 0, sizeof in);
    CHECK_STATUS(WdfIoTargetSendReadSynchronously(target, NULL, &into, &offset, NULL, &bytes), STATUS_SUCCESS);
    CHECK(memcmp(in, out, sizeof in) == 0);
    WdfObjectDelete(target);
    unlink(path);
}

static void create_by_name_makes_the_file(void) {
    char path[64];
    if (!make_temp_file(path, 0)) {
        CHECK(!"temporary file");
        return;
    }
    unlink(path);
    WDFIOTARGET target;
    REQUIRE_STATUS(WdfIoTargetCreate(NULL, NULL, &target), STATUS_SUCCESS);
    WDF_IO_TARGET_OPEN_PARAMS open;
    WDF_IO_TARGET_OPEN_PARAMS_INIT_OPEN_BY_NAME(&open, UNICODE_NAME(path), GENERIC_WRITE);
    CHECK_STATUS(WdfIoTargetOpen(target, &open), STATUS_OBJECT_NAME_NOT_FOUND); /* FILE_OPEN: must exist */
    WDF_IO_TARGET_OPEN_PARAMS_INIT_CREATE_BY_NAME(&open, UNICODE_NAME(path), GENERIC_WRITE);
    CHECK_STATUS(WdfIoTargetOpen(target, &open), STATUS_SUCCESS);
    CHECK(access(path, F_OK) == 0);
    WdfObjectDelete(target);
    unlink(path);
}

static atomic_int routine_runs;
static atomic_int routine_status;
static void record_completion(WDFREQUEST request, WDFIOTARGET target, PWDF_REQUEST_COMPLETION_PARAMS params,
                              WDFCONTEXT context) {
    (void)request, (void)target, (void)context;
    atomic_store(&routine_status, params->IoStatus.Status);
    atomic_fetch_add(&routine_runs, 1);
}

/* Sends an asynchronous read of `memory` at 0 with the recording routine. */
static BOOLEAN send_read(WDFIOTARGET target, WDFREQUEST request, WDFMEMORY memory) {
    WDF_REQUEST_REUSE_PARAMS reuse;
    WDF_REQUEST_REUSE_PARAMS_INIT(&reuse, WDF_REQUEST_REUSE_NO_FLAGS, STATUS_SUCCESS);
    WdfRequestReuse(request, &reuse);
    if (WdfIoTargetFormatRequestForRead(target, request, memory, NULL, NULL) != STATUS_SUCCESS) return FALSE;
    WdfRequestSetCompletionRoutine(request, record_completion, NULL);
    return WdfRequestSend(request, target, WDF_NO_SEND_OPTIONS);
}

static void a_stopped_target_parks_sends_until_started(void) {
    WDFDEVICE disk;
    WDFIOTARGET target;
    WDFREQUEST request;
    WDFMEMORY memory;
    REQUIRE_STATUS(WdfioRamDiskCreate(1 << 16, 512, NULL, &disk), STATUS_SUCCESS);
    REQUIRE_STATUS(WdfioDeviceOpenTarget(disk, NULL, &target), STATUS_SUCCESS);
    REQUIRE_STATUS(WdfRequestCreate(NULL, target, &request), STATUS_SUCCESS);
    REQUIRE_STATUS(WdfMemoryCreate(NULL, NonPagedPool, 0, 512, &memory, NULL), STATUS_SUCCESS);
    atomic_store(&routine_runs, 0);

    WdfIoTargetStop(target, WdfIoTargetLeaveSentIoPending);
    CHECK_EQ(WdfIoTargetGetState(target), WdfIoTargetStopped);
    CHECK(send_read(target, request, memory)); /* accepted: parked */
    sleep_ms(20);
    CHECK_EQ(atomic_load(&routine_runs), 0);
    CHECK_STATUS(WdfIoTargetStart(target), STATUS_SUCCESS);
    CHECK(wait_for_count(&routine_runs, 1));
    CHECK_STATUS(atomic_load(&routine_status), STATUS_SUCCESS);

    /* Purge fails what is parked; new sends are refused until Start. */
    WdfIoTargetStop(target, WdfIoTargetCancelSentIo);
    CHECK(send_read(target, request, memory));
    WdfIoTargetPurge(target, WdfIoTargetPurgeIoAndWait);
    CHECK(wait_for_count(&routine_runs, 2));
    CHECK_STATUS(atomic_load(&routine_status), STATUS_WDF_DEVICE_REMOVED_NOT_SENT);
    CHECK_EQ(WdfIoTargetGetState(target), WdfIoTargetPurged);
    CHECK(!send_read(target, request, memory));
    CHECK_STATUS(WdfRequestGetStatus(request), STATUS_INVALID_DEVICE_STATE);
    CHECK_EQ(atomic_load(&routine_runs), 2); /* not for a refused send */

    /* Undefined actions are ignored. */
    CHECK_STATUS(WdfIoTargetStart(target), STATUS_SUCCESS);
    WdfIoTargetStop(target, (WDF_IO_TARGET_SENT_IO_ACTION)0);
    WdfIoTargetStop(target, (WDF_IO_TARGET_SENT_IO_ACTION)258); /* must not wrap into a defined one */
    WdfIoTargetPurge(target, (WDF_IO_TARGET_PURGE_IO_ACTION)7);
    CHECK_EQ(WdfIoTargetGetState(target), WdfIoTargetStarted);

    WdfObjectDelete(request);
    WdfObjectDelete(memory);
    WdfObjectDelete(disk);
}

static void a_target_never_opened_refuses_io(void) {
    WDFIOTARGET target;
    WDFREQUEST request = (WDFREQUEST)(uintptr_t)1, spare;
    WDFMEMORY memory;
    REQUIRE_STATUS(WdfIoTargetCreate(NULL, NULL, &target), STATUS_SUCCESS);
    REQUIRE_STATUS(WdfMemoryCreate(NULL, NonPagedPool, 0, 512, &memory, NULL), STATUS_SUCCESS);
    CHECK_STATUS(WdfRequestCreate(NULL, target, &request), STATUS_INVALID_DEVICE_STATE);
    CHECK(request == NULL);
    REQUIRE_STATUS(WdfRequestCreate(NULL, NULL, &spare), STATUS_SUCCESS);
    CHECK_STATUS(WdfIoTargetFormatRequestForRead(target, spare, memory, NULL, NULL), STATUS_INVALID_DEVICE_STATE);
    CHECK_STATUS(WdfRequestChangeTarget(spare, target), STATUS_INVALID_DEVICE_STATE);
    CHECK(!WdfRequestSend(spare, target, NULL));
    CHECK_STATUS(WdfRequestGetStatus(spare), STATUS_INVALID_DEVICE_STATE);
    CHECK_STATUS(WdfIoTargetStart(target), STATUS_INVALID_DEVICE_STATE);
    WdfIoTargetStop(target, WdfIoTargetCancelSentIo); /* nothing to do, nothing breaks */
    WdfIoTargetPurge(target, WdfIoTargetPurgeIo);
    WdfIoTargetClose(target);
    CHECK_EQ(WdfIoTargetGetState(target), WdfIoTargetClosed);
    WdfObjectDelete(spare);
    WdfObjectDelete(memory);
    WdfObjectDelete(target);
}

static void open_params_bad_input(void) {
    WDFIOTARGET target = (WDFIOTARGET)(uintptr_t)1;
    CHECK_STATUS(WdfIoTargetCreate(NULL, NULL, NULL), STATUS_INVALID_PARAMETER);
    WDF_OBJECT_ATTRIBUTES attributes;
    WDF_OBJECT_ATTRIBUTES_INIT(&attributes);
    attributes.Size = 1;
    CHECK_STATUS(WdfIoTargetCreate(NULL, &attributes, &target), STATUS_INFO_LENGTH_MISMATCH);
    CHECK(target == NULL);
    REQUIRE_STATUS(WdfIoTargetCreate(NULL, NULL, &target), STATUS_SUCCESS);

    WDF_IO_TARGET_OPEN_PARAMS open;
    CHECK_STATUS(WdfIoTargetOpen(target, NULL), STATUS_INVALID_PARAMETER);
    WDF_IO_TARGET_OPEN_PARAMS_INIT_OPEN_BY_NAME(&open, UNICODE_NAME("/dev/null"), GENERIC_READ);
    open.Size -= 4;
    CHECK_STATUS(WdfIoTargetOpen(target, &open), STATUS_INFO_LENGTH_MISMATCH);
    open.Size = offsetof(WDF_IO_TARGET_OPEN_PARAMS, FileName) - 8; /* shorter than any KMDF's */
    CHECK_STATUS(WdfIoTargetOpen(target, &open), STATUS_INFO_LENGTH_MISMATCH);
    {
        /* KMDF 1.11's size (no FileName) is one KMDF takes too. */
        WDFIOTARGET old_form;
        REQUIRE_STATUS(WdfIoTargetCreate(NULL, NULL, &old_form), STATUS_SUCCESS);
        WDF_IO_TARGET_OPEN_PARAMS_INIT_OPEN_BY_NAME(&open, UNICODE_NAME("/dev/null"), GENERIC_READ);
        open.Size = offsetof(WDF_IO_TARGET_OPEN_PARAMS, FileName);
        open.FileInformation = 0;
        CHECK_STATUS(WdfIoTargetOpen(old_form, &open), STATUS_SUCCESS);
        CHECK_EQ(open.FileInformation, FILE_OPENED);
        WdfObjectDelete(old_form);
    }
    WDF_IO_TARGET_OPEN_PARAMS_INIT_OPEN_BY_NAME(&open, UNICODE_NAME(NULL), GENERIC_READ);
    CHECK_STATUS(WdfIoTargetOpen(target, &open), STATUS_INVALID_PARAMETER);
    WDF_IO_TARGET_OPEN_PARAMS_INIT_OPEN_BY_NAME(&open, UNICODE_NAME(""), GENERIC_READ);
    CHECK_STATUS(WdfIoTargetOpen(target, &open), STATUS_INVALID_PARAMETER);
    WDF_IO_TARGET_OPEN_PARAMS_INIT_OPEN_BY_NAME(&open, UNICODE_NAME("/dev/null"), GENERIC_READ);
    open.Type = WdfIoTargetOpenUseExistingDevice;
    CHECK_STATUS(WdfIoTargetOpen(target, &open), STATUS_INVALID_PARAMETER);
    open.Type = WdfIoTargetOpenLocalTargetByFile;
    CHECK_STATUS(WdfIoTargetOpen(target, &open), STATUS_INVALID_PARAMETER);
    open.Type = (WDF_IO_TARGET_OPEN_TYPE)77;
    CHECK_STATUS(WdfIoTargetOpen(target, &open), STATUS_INVALID_PARAMETER);
    WDF_IO_TARGET_OPEN_PARAMS_INIT_REOPEN(&open);
    CHECK_STATUS(WdfIoTargetOpen(target, &open), STATUS_INVALID_DEVICE_REQUEST); /* never opened by name */
    WDF_IO_TARGET_OPEN_PARAMS_INIT_OPEN_BY_NAME(&open, UNICODE_NAME("/dev/null"), GENERIC_READ);
    open.CreateDisposition = FILE_OVERWRITE_IF;
    CHECK_STATUS(WdfIoTargetOpen(target, &open), STATUS_NOT_SUPPORTED);
    open.CreateDisposition = 99;
    CHECK_STATUS(WdfIoTargetOpen(target, &open), STATUS_INVALID_PARAMETER);
    WDF_IO_TARGET_OPEN_PARAMS_INIT_OPEN_BY_NAME(&open, UNICODE_NAME("/dev/null"), 0);
    CHECK_STATUS(WdfIoTargetOpen(target, &open), STATUS_INVALID_PARAMETER); /* neither read nor write */
    WDF_IO_TARGET_OPEN_PARAMS_INIT_OPEN_BY_NAME(&open, UNICODE_NAME("/nonexistent/wdfio"), GENERIC_READ);
    CHECK_STATUS(WdfIoTargetOpen(target, &open), STATUS_OBJECT_NAME_NOT_FOUND);
    WDF_IO_TARGET_OPEN_PARAMS_INIT_OPEN_BY_NAME(&open, UNICODE_NAME("\\Device\\NoSuchCompatDevice"), GENERIC_READ);
    CHECK_STATUS(WdfIoTargetOpen(target, &open), STATUS_OBJECT_NAME_NOT_FOUND);
    CHECK_EQ(WdfIoTargetGetState(target), WdfIoTargetClosed); /* every refusal left it closed */
    WDF_IO_TARGET_OPEN_PARAMS_INIT_OPEN_BY_NAME(&open, UNICODE_NAME("/dev/null"), GENERIC_READ);
    CHECK_STATUS(WdfIoTargetOpen(target, &open), STATUS_SUCCESS);
    WdfObjectDelete(target);
}

/* WdfioHostShutdown from a completion routine would destroy the engine from
 * its own thread: the verifier reports it and nothing happens; the process
 * lives on, and a shutdown from a thread of the program's own works. */
static atomic_int shutdown_runs;
static atomic_ullong violations_in_routine;
static NTSTATUS status_in_routine;
static void shut_down_from_routine(WDFREQUEST request, WDFIOTARGET target, PWDF_REQUEST_COMPLETION_PARAMS params,
                                   WDFCONTEXT context) {
    (void)target, (void)params, (void)context;
    const ULONGLONG before = WdfioHostVerifierViolations();
    WdfioHostShutdown();
    atomic_store(&violations_in_routine, WdfioHostVerifierViolations() - before);
    status_in_routine = WdfRequestGetStatus(request); /* the request is still there */
    atomic_fetch_add(&shutdown_runs, 1);
}

static void shutdown_from_a_completion_routine_is_refused(void) {
    char path[64];
    if (!make_temp_file(path, 65536)) {
        CHECK(!"temporary file");
        return;
    }
    WDFIOTARGET target;
    REQUIRE_STATUS(WdfIoTargetCreate(WDF_NO_HANDLE, WDF_NO_OBJECT_ATTRIBUTES, &target), STATUS_SUCCESS);
    WDF_IO_TARGET_OPEN_PARAMS open;
    WDF_IO_TARGET_OPEN_PARAMS_INIT_OPEN_BY_NAME(&open, UNICODE_NAME(path), GENERIC_READ);
    REQUIRE_STATUS(WdfIoTargetOpen(target, &open), STATUS_SUCCESS);
    WDFREQUEST request;
    WDFMEMORY memory;
    REQUIRE_STATUS(WdfRequestCreate(NULL, target, &request), STATUS_SUCCESS);
    REQUIRE_STATUS(WdfMemoryCreate(NULL, NonPagedPool, 0, 4096, &memory, NULL), STATUS_SUCCESS);
    REQUIRE_STATUS(WdfIoTargetFormatRequestForRead(target, request, memory, NULL, NULL), STATUS_SUCCESS);
    atomic_store(&shutdown_runs, 0);
    atomic_store(&violations_in_routine, 0);
    status_in_routine = STATUS_UNSUCCESSFUL;
    WdfRequestSetCompletionRoutine(request, shut_down_from_routine, NULL);
    CHECK(WdfRequestSend(request, target, NULL));
    CHECK(wait_for_count(&shutdown_runs, 1));
    CHECK_EQ(atomic_load(&violations_in_routine), 1);
    CHECK_STATUS(status_in_routine, STATUS_SUCCESS);
    /* Everything is still alive and working. */
    CHECK_EQ(WdfioHostObjectCount(), 3);
    CHECK_EQ(WdfIoTargetGetState(target), WdfIoTargetStarted);
    static unsigned char in[512];
    WDF_MEMORY_DESCRIPTOR into;
    WDF_MEMORY_DESCRIPTOR_INIT_BUFFER(&into, in, sizeof in);
    ULONG_PTR bytes = 0;
    CHECK_STATUS(WdfIoTargetSendReadSynchronously(target, NULL, &into, NULL, NULL, &bytes), STATUS_SUCCESS);
    CHECK_EQ(bytes, sizeof in);
    /* From this thread the shutdown deletes everything. */
    WdfioHostShutdown();
    CHECK_EQ(WdfioHostObjectCount(), 0);
    CHECK_STATUS(WdfioHostInitialize(), STATUS_SUCCESS);
    unlink(path);
}

/* An action outside the enum is ignored, and the log names the value passed. */
static char logged[4096];
static void capture_log(ULONG level, const char* message, PVOID context) {
    (void)level, (void)context;
    const size_t used = strlen(logged);
    snprintf(logged + used, sizeof logged - used, "%s\n", message);
}

static void undefined_stop_and_purge_actions_are_logged_as_passed(void) {
    char path[64];
    if (!make_temp_file(path, 4096)) {
        CHECK(!"temporary file");
        return;
    }
    WDFIOTARGET target;
    REQUIRE_STATUS(WdfIoTargetCreate(WDF_NO_HANDLE, WDF_NO_OBJECT_ATTRIBUTES, &target), STATUS_SUCCESS);
    WDF_IO_TARGET_OPEN_PARAMS open;
    WDF_IO_TARGET_OPEN_PARAMS_INIT_OPEN_BY_NAME(&open, UNICODE_NAME(path), GENERIC_READ);
    REQUIRE_STATUS(WdfIoTargetOpen(target, &open), STATUS_SUCCESS);

    logged[0] = '\0';
    WdfioHostSetLogCallback(capture_log, NULL);
    WdfIoTargetStop(target, (WDF_IO_TARGET_SENT_IO_ACTION)77);
    WdfioHostSetLogCallback(NULL, NULL);
    CHECK(strstr(logged, "WdfIoTargetStop") != NULL);
    CHECK(strstr(logged, "77") != NULL);
    CHECK(strstr(logged, "WdfIoTargetCancelSentIo") != NULL); /* what to pass instead */
    CHECK_EQ(WdfIoTargetGetState(target), WdfIoTargetStarted);

    logged[0] = '\0';
    WdfioHostSetLogCallback(capture_log, NULL);
    WdfIoTargetPurge(target, (WDF_IO_TARGET_PURGE_IO_ACTION)300);
    WdfioHostSetLogCallback(NULL, NULL);
    CHECK(strstr(logged, "WdfIoTargetPurge") != NULL);
    CHECK(strstr(logged, "300") != NULL);
    CHECK(strstr(logged, "WdfIoTargetPurgeIoAndWait") != NULL);
    CHECK_EQ(WdfIoTargetGetState(target), WdfIoTargetStarted);

    WdfIoTargetStop(target, WdfIoTargetLeaveSentIoPending); /* a stopped target stays stopped too */
    WdfIoTargetStop(target, (WDF_IO_TARGET_SENT_IO_ACTION)77);
    CHECK_EQ(WdfIoTargetGetState(target), WdfIoTargetStopped);
    WdfObjectDelete(target);
    unlink(path);
}

/* The host engine's engine threads: set before the engine exists, refused
 * once it does, bad counts refused; reads work on an engine of two. */
static void engine_threads_are_set_before_the_engine(void) {
    CHECK_STATUS(WdfioHostInitialize(), STATUS_SUCCESS);
    const ULONG before = WdfioHostEngineThreads(); /* the default (WDFIO_ENGINES, else 1), put back at the end */
    CHECK(before >= 1);
    CHECK_STATUS(WdfioHostSetEngineThreads(2), STATUS_INVALID_DEVICE_STATE); /* the engine exists */
    WdfioHostShutdown();
    CHECK_EQ(WdfioHostEngineThreads(), 0);
    CHECK_STATUS(WdfioHostSetEngineThreads(0), STATUS_INVALID_PARAMETER);
    CHECK_STATUS(WdfioHostSetEngineThreads(65), STATUS_INVALID_PARAMETER);
    CHECK_STATUS(WdfioHostSetEngineThreads(2), STATUS_SUCCESS);
    CHECK_STATUS(WdfioHostInitialize(), STATUS_SUCCESS);
    CHECK_EQ(WdfioHostEngineThreads(), 2);

    char path[64];
    if (make_temp_file(path, 4096)) {
        WDFIOTARGET target;
        CHECK_STATUS(WdfIoTargetCreate(WDF_NO_HANDLE, WDF_NO_OBJECT_ATTRIBUTES, &target), STATUS_SUCCESS);
        WDF_IO_TARGET_OPEN_PARAMS open;
        WDF_IO_TARGET_OPEN_PARAMS_INIT_OPEN_BY_NAME(&open, UNICODE_NAME(path), GENERIC_READ);
        CHECK_STATUS(WdfIoTargetOpen(target, &open), STATUS_SUCCESS);
        char in[4096];
        WDF_MEMORY_DESCRIPTOR into;
        WDF_MEMORY_DESCRIPTOR_INIT_BUFFER(&into, in, sizeof in);
        ULONG_PTR bytes = 0;
        CHECK_STATUS(WdfIoTargetSendReadSynchronously(target, NULL, &into, NULL, NULL, &bytes), STATUS_SUCCESS);
        CHECK_EQ(bytes, sizeof in);
        WdfObjectDelete(target);
        unlink(path);
    } else {
        CHECK(!"temporary file");
    }
    /* As it was for the tests that follow. */
    WdfioHostShutdown();
    CHECK_STATUS(WdfioHostSetEngineThreads(before), STATUS_SUCCESS);
    CHECK_STATUS(WdfioHostInitialize(), STATUS_SUCCESS);
}

const compat_test io_target_tests[] = {
    {"IoTarget.OpenAFileByPathWriteAndReadBack", open_a_file_by_path_write_and_read_back},
    {"IoTarget.CreateByNameMakesTheFile", create_by_name_makes_the_file},
    {"IoTarget.AStoppedTargetParksSendsUntilStarted", a_stopped_target_parks_sends_until_started},
    {"IoTarget.ATargetNeverOpenedRefusesIo", a_target_never_opened_refuses_io},
    {"IoTarget.OpenParamsBadInput", open_params_bad_input},
    {"IoTarget.ShutdownFromACompletionRoutineIsRefused", shutdown_from_a_completion_routine_is_refused},
    {"IoTarget.UndefinedStopAndPurgeActionsAreLoggedAsPassed", undefined_stop_and_purge_actions_are_logged_as_passed},
    {"IoTarget.EngineThreadsAreSetBeforeTheEngine", engine_threads_are_set_before_the_engine},
    {NULL, NULL},
};
