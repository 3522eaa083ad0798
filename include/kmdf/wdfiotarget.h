/* <wdfiotarget.h> for driver sources: KMDF's per-concept header (wdfio/wdfiotarget.h), with
 * the MSVC dialect driver sources are written in (wdfio/msvc.h). */
#ifndef WDFIO_KMDF_WDFIOTARGET_H
#define WDFIO_KMDF_WDFIOTARGET_H

#include <wdfio/msvc.h>
#include <wdfio/wdfiotarget.h>

#endif
