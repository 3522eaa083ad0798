/* <wdftimer.h> for driver sources: KMDF's per-concept header (wdfio/wdftimer.h), with
 * the MSVC dialect driver sources are written in (wdfio/msvc.h). */
#ifndef WDFIO_KMDF_WDFTIMER_H
#define WDFIO_KMDF_WDFTIMER_H

#include <wdfio/msvc.h>
#include <wdfio/wdftimer.h>

#endif
