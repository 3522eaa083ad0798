/* <wdfstring.h> for driver sources: KMDF's per-concept header (wdfio/wdfstring.h), with
 * the MSVC dialect driver sources are written in (wdfio/msvc.h). */
#ifndef WDFIO_KMDF_WDFSTRING_H
#define WDFIO_KMDF_WDFSTRING_H

#include <wdfio/msvc.h>
#include <wdfio/wdfstring.h>

#endif
