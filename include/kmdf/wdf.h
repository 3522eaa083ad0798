/* <wdf.h> for driver sources: KMDF's API and the Windows base around it (wdfio/wdf.h), with
 * the MSVC dialect driver sources are written in (wdfio/msvc.h). */
#ifndef WDFIO_KMDF_WDF_H
#define WDFIO_KMDF_WDF_H

#include <wdfio/msvc.h>
#include <wdfio/wdf.h>

#endif
