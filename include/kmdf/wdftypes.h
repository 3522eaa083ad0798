/* <wdftypes.h> for driver sources: KMDF's per-concept header (wdfio/wdftypes.h), with
 * the MSVC dialect driver sources are written in (wdfio/msvc.h). */
#ifndef WDFIO_KMDF_WDFTYPES_H
#define WDFIO_KMDF_WDFTYPES_H

#include <wdfio/msvc.h>
#include <wdfio/wdftypes.h>

#endif
