/* <wdfcore.h> for driver sources: KMDF's per-concept header (wdfio/wdfcore.h), with
 * the MSVC dialect driver sources are written in (wdfio/msvc.h). */
#ifndef WDFIO_KMDF_WDFCORE_H
#define WDFIO_KMDF_WDFCORE_H

#include <wdfio/msvc.h>
#include <wdfio/wdfcore.h>

#endif
