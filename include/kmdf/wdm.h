/* <wdm.h> for driver sources: the WDK's kernel-mode base; here all of wdfio/wdf.h's (types, Rtl, pool,
 * Interlocked, Ke, DbgPrint, ntstrsafe, GUIDs, CTL_CODE) with the MSVC dialect (wdfio/msvc.h). */
#ifndef WDFIO_KMDF_WDM_H
#define WDFIO_KMDF_WDM_H

#include <wdfio/msvc.h>
#include <wdfio/wdf.h>

#endif
