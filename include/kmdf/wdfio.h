/* <wdfio.h> for driver sources: KMDF's per-concept header (wdfio/wdfio.h), with
 * the MSVC dialect driver sources are written in (wdfio/msvc.h). */
#ifndef WDFIO_KMDF_WDFIO_H
#define WDFIO_KMDF_WDFIO_H

#include <wdfio/msvc.h>
#include <wdfio/wdfio.h>

#endif
