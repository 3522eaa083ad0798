/* <sal.h> for driver sources: the SAL annotations, empty (wdfio/sal.h). */
#ifndef WDFIO_KMDF_SAL_H
#define WDFIO_KMDF_SAL_H

#include <wdfio/msvc.h>
#include <wdfio/sal.h>

#endif
