/* <ntddk.h> for driver sources: as <wdm.h>: wdfio/wdf.h with the MSVC dialect (wdfio/msvc.h). */
#ifndef WDFIO_KMDF_NTDDK_H
#define WDFIO_KMDF_NTDDK_H

#include <wdfio/msvc.h>
#include <wdfio/wdf.h>

#endif
