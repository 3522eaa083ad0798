/* <wdfobject.h> for driver sources: KMDF's per-concept header (wdfio/wdfobject.h), with
 * the MSVC dialect driver sources are written in (wdfio/msvc.h). */
#ifndef WDFIO_KMDF_WDFOBJECT_H
#define WDFIO_KMDF_WDFOBJECT_H

#include <wdfio/msvc.h>
#include <wdfio/wdfobject.h>

#endif
