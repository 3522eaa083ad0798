/* <wdfdevice.h> for driver sources: KMDF's per-concept header (wdfio/wdfdevice.h), with
 * the MSVC dialect driver sources are written in (wdfio/msvc.h). */
#ifndef WDFIO_KMDF_WDFDEVICE_H
#define WDFIO_KMDF_WDFDEVICE_H

#include <wdfio/msvc.h>
#include <wdfio/wdfdevice.h>

#endif
