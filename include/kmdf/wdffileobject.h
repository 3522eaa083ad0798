/* <wdffileobject.h> for driver sources: KMDF's per-concept header
 * (wdfio/wdffileobject.h), with the MSVC dialect driver sources are written
 * in (wdfio/msvc.h). */
#ifndef WDFIO_KMDF_WDFFILEOBJECT_H
#define WDFIO_KMDF_WDFFILEOBJECT_H

#include <wdfio/msvc.h>
#include <wdfio/wdffileobject.h>

#endif
