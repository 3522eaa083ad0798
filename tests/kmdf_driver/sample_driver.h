/* The sample driver's entry points (sample_driver.c), for driver_host.c. */
#ifndef WDFIO_SAMPLE_DRIVER_H
#define WDFIO_SAMPLE_DRIVER_H

#include <wdf.h>

#ifdef __cplusplus
extern "C" {
#endif

DRIVER_INITIALIZE DriverEntry;
DRIVER_INITIALIZE DriverEntryCpp; /* the same source built as C++ */

_Must_inspect_result_ BOOLEAN SampleGuidIsDefined(_In_ const GUID* Guid);
_Must_inspect_result_ BOOLEAN SampleGuidIsDefinedCpp(_In_ const GUID* Guid);

#ifdef __cplusplus
}
#endif

#endif
