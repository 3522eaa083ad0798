/* Runs the sample driver (sample_driver.c, built as C and as C++) the way
 * the system would call DriverEntry, and checks what it printed and that it
 * left nothing behind. */
#include <wdf.h>

#include <stdio.h>
#include <string.h>

#include "sample_driver.h"

static char lines[4][256];
static int line_count;

static VOID capture(ULONG Level, const char* Message, PVOID Context) {
    UNREFERENCED_PARAMETER(Level);
    UNREFERENCED_PARAMETER(Context);
    if (line_count < 4) snprintf(lines[line_count], sizeof lines[0], "%s", Message);
    ++line_count;
}

static int run(DRIVER_INITIALIZE* entry, const char* name) {
    UNICODE_STRING registry_path = RTL_CONSTANT_STRING(L"\\Registry\\Machine\\System\\Sample");
    line_count = 0;
    WdfioHostSetLogCallback(capture, NULL);
    const NTSTATUS status = entry(NULL, &registry_path);
    WdfioHostSetLogCallback(NULL, NULL);
    int failures = 0;
    if (!NT_SUCCESS(status)) {
        fprintf(stderr, "%s: DriverEntry failed: 0x%08X\n", name, (unsigned)status);
        ++failures;
    }
    const char* want[] = {
        "WdfioSample: DriverEntry \\Registry\\Machine\\System\\Sample, context 152 bytes",
        "WdfioSample: \\Device\\WdfioSample7, 1 opens, guid 6d3a1f0b",
    };
    for (int i = 0; i < 2; ++i) {
        if (i >= line_count || strcmp(lines[i], want[i]) != 0) {
            fprintf(stderr, "%s: line %d is \"%s\", expected \"%s\"\n", name, i, i < line_count ? lines[i] : "",
                    want[i]);
            ++failures;
        }
    }
    if (line_count != 2) {
        fprintf(stderr, "%s: %d log lines, expected 2\n", name, line_count);
        ++failures;
    }
    if (WdfioHostObjectCount() != 0) {
        fprintf(stderr, "%s: %u objects left behind\n", name, (unsigned)WdfioHostObjectCount());
        ++failures;
    }
    return failures;
}

int main(void) {
    const GUID sample = {0x6d3a1f0b, 0x52c4, 0x4e7a, {0x9b, 0x1e, 0x0c, 0x7d, 0x2a, 0x4f, 0x88, 0x31}};
    int failures = run(DriverEntry, "C") + run(DriverEntryCpp, "C++");
    if (!SampleGuidIsDefined(&sample) || !SampleGuidIsDefinedCpp(&sample)) {
        fprintf(stderr, "the GUID both builds define is not the sample's\n");
        ++failures;
    }
    WdfioHostShutdown();
    fprintf(stderr, "kmdf driver-style build: %s\n", failures ? "FAILED" : "passed");
    return failures ? 1 : 0;
}
