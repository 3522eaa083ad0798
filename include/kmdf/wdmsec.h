/* <wdmsec.h> for driver sources: Windows' SDDL strings (wdfio/wdmsec.h), with
 * the MSVC dialect driver sources are written in (wdfio/msvc.h). */
#ifndef WDFIO_KMDF_WDMSEC_H
#define WDFIO_KMDF_WDMSEC_H

#include <wdfio/msvc.h>
#include <wdfio/wdmsec.h>

#endif
