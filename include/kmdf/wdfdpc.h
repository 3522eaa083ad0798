/* <wdfdpc.h> for driver sources: KMDF's per-concept header (wdfio/wdfdpc.h), with
 * the MSVC dialect driver sources are written in (wdfio/msvc.h). */
#ifndef WDFIO_KMDF_WDFDPC_H
#define WDFIO_KMDF_WDFDPC_H

#include <wdfio/msvc.h>
#include <wdfio/wdfdpc.h>

#endif
