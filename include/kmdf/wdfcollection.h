/* <wdfcollection.h> for driver sources: KMDF's per-concept header (wdfio/wdfcollection.h), with
 * the MSVC dialect driver sources are written in (wdfio/msvc.h). */
#ifndef WDFIO_KMDF_WDFCOLLECTION_H
#define WDFIO_KMDF_WDFCOLLECTION_H

#include <wdfio/msvc.h>
#include <wdfio/wdfcollection.h>

#endif
