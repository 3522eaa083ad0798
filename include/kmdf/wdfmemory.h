/* <wdfmemory.h> for driver sources: KMDF's per-concept header (wdfio/wdfmemory.h), with
 * the MSVC dialect driver sources are written in (wdfio/msvc.h). */
#ifndef WDFIO_KMDF_WDFMEMORY_H
#define WDFIO_KMDF_WDFMEMORY_H

#include <wdfio/msvc.h>
#include <wdfio/wdfmemory.h>

#endif
