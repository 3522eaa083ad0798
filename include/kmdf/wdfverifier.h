/* <wdfverifier.h> for driver sources: KMDF's per-concept header (wdfio/wdfverifier.h), with
 * the MSVC dialect driver sources are written in (wdfio/msvc.h). */
#ifndef WDFIO_KMDF_WDFVERIFIER_H
#define WDFIO_KMDF_WDFVERIFIER_H

#include <wdfio/msvc.h>
#include <wdfio/wdfverifier.h>

#endif
