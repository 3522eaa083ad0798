/* <wdfrequest.h> for driver sources: KMDF's per-concept header (wdfio/wdfrequest.h), with
 * the MSVC dialect driver sources are written in (wdfio/msvc.h). */
#ifndef WDFIO_KMDF_WDFREQUEST_H
#define WDFIO_KMDF_WDFREQUEST_H

#include <wdfio/msvc.h>
#include <wdfio/wdfrequest.h>

#endif
