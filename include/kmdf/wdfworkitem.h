/* <wdfworkitem.h> for driver sources: KMDF's per-concept header (wdfio/wdfworkitem.h), with
 * the MSVC dialect driver sources are written in (wdfio/msvc.h). */
#ifndef WDFIO_KMDF_WDFWORKITEM_H
#define WDFIO_KMDF_WDFWORKITEM_H

#include <wdfio/msvc.h>
#include <wdfio/wdfworkitem.h>

#endif
