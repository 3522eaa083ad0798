/* <wdfcontrol.h> for driver sources: KMDF's per-concept header (wdfio/wdfcontrol.h), with
 * the MSVC dialect driver sources are written in (wdfio/msvc.h). */
#ifndef WDFIO_KMDF_WDFCONTROL_H
#define WDFIO_KMDF_WDFCONTROL_H

#include <wdfio/msvc.h>
#include <wdfio/wdfcontrol.h>

#endif
