/* <wdfdriver.h> for driver sources: KMDF's per-concept header (wdfio/wdfdriver.h), with
 * the MSVC dialect driver sources are written in (wdfio/msvc.h). */
#ifndef WDFIO_KMDF_WDFDRIVER_H
#define WDFIO_KMDF_WDFDRIVER_H

#include <wdfio/msvc.h>
#include <wdfio/wdfdriver.h>

#endif
