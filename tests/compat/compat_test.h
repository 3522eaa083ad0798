/* A small test harness for the C API tests: checks that report and count
 * failures, a test table, and waiting for completion routines (which run on
 * other threads). Every test must delete what it creates: the runner checks
 * WdfioHostObjectCount() after each one. */
#ifndef WDFIO_COMPAT_TEST_H
#define WDFIO_COMPAT_TEST_H

#include <wdfio/wdf.h>

#include <stdatomic.h>
#include <stdio.h>

extern int compat_failures;
void compat_fail(const char* file, int line, const char* what);
void compat_fail_status(const char* file, int line, const char* what, NTSTATUS got, NTSTATUS want);
void compat_fail_number(const char* file, int line, const char* what, unsigned long long got, unsigned long long want);

#define CHECK(cond)                                          \
    do {                                                     \
        if (!(cond)) compat_fail(__FILE__, __LINE__, #cond); \
    } while (0)

#define CHECK_STATUS(expr, want)                                                         \
    do {                                                                                 \
        const NTSTATUS got_ = (expr);                                                    \
        if (got_ != (want)) compat_fail_status(__FILE__, __LINE__, #expr, got_, (want)); \
    } while (0)

#define CHECK_EQ(expr, want)                                                           \
    do {                                                                               \
        const unsigned long long got_ = (unsigned long long)(expr);                    \
        const unsigned long long want_ = (unsigned long long)(want);                   \
        if (got_ != want_) compat_fail_number(__FILE__, __LINE__, #expr, got_, want_); \
    } while (0)

/* Stops the test when a step that later steps depend on failed. */
#define REQUIRE_STATUS(expr, want)                                       \
    do {                                                                 \
        const NTSTATUS got_ = (expr);                                    \
        if (got_ != (want)) {                                            \
            compat_fail_status(__FILE__, __LINE__, #expr, got_, (want)); \
            return;                                                      \
        }                                                                \
    } while (0)

typedef struct {
    const char* name;
    void (*run)(void);
} compat_test;

/* Waits (at most 10 s) until *counter reaches want; 0 on a stall. */
int wait_for_count(atomic_int* counter, int want);
void sleep_ms(int ms);

/* A UNICODE_STRING naming an ASCII path, for the open-by-name INIT macros
 * (NULL stays NULL). UNICODE_NAME's buffer lives to the end of the block. */
typedef struct {
    UNICODE_STRING string;
    WCHAR buffer[256];
} unicode_name;
PCUNICODE_STRING unicode_name_of(unicode_name* name, const char* text);
#define UNICODE_NAME(text) unicode_name_of(&(unicode_name){{0, 0, NULL}, {0}}, (text))

/* A new target opened by `name` (WdfIoTargetOpen by name, for reading and
 * writing); on failure the status, and *target is NULL. */
NTSTATUS open_by_wide_name(PCWSTR name, WDFIOTARGET* target);
/* Through a target opened by `name`, a synchronous read of `size` bytes into
 * `out` whose byte count must be `want`; the open's status. */
NTSTATUS open_and_read_back(PCWSTR name, void* out, size_t size, size_t want);

/* A client's asynchronous request to a driver under test: a read, or an
 * ioctl (code 0x222000), of `length` bytes through `target`; `done` and
 * `status` are set by its completion routine. */
typedef struct {
    WDFREQUEST request;
    WDFMEMORY memory;
    atomic_int done;
    NTSTATUS status;
} client_io;
void send_client_io(client_io* io, WDFIOTARGET target, size_t length, BOOLEAN ioctl);
/* Waits (at most 10 s) for io's completion; 0 on a stall. */
int wait_done(client_io* io);
/* Deletes io's request and memory. */
void free_io(client_io* io);

/* A byte pattern that differs per seed. */
void fill_pattern(void* buffer, size_t size, unsigned seed);

/* The tests, one table per file. */
extern const compat_test handle_tests[];
extern const compat_test memory_tests[];
extern const compat_test io_target_tests[];
extern const compat_test open_by_name_tests[];
extern const compat_test request_tests[];
extern const compat_test ram_disk_tests[];
extern const compat_test power_tests[];
extern const compat_test sync_scope_tests[];
extern const compat_test fault_filter_tests[];
extern const compat_test context_tests[];
extern const compat_test sync_tests[];
extern const compat_test deferred_tests[];
extern const compat_test collection_tests[];
extern const compat_test driver_tests[];
extern const compat_test kernel_tests[];
extern const compat_test pool_tests[];
extern const compat_test debug_print_tests[];
extern const compat_test strsafe_tests[];
extern const compat_test lookaside_tests[];
extern const compat_test dpc_tests[];
extern const compat_test control_device_tests[];
extern const compat_test fault_injection_tests[];
extern const compat_test device_interface_tests[];
extern const compat_test file_object_tests[];
extern const compat_test queue_ops_tests[];
extern const compat_test in_caller_context_tests[];

/* The same GUID, defined through <initguid.h> in two translation units. */
const GUID* guid_defined_in_a(void);
const GUID* guid_defined_in_b(void);

#endif
