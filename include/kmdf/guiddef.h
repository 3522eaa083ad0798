/* <guiddef.h> for driver sources: GUID and DEFINE_GUID (wdfio/guiddef.h). */
#ifndef WDFIO_KMDF_GUIDDEF_H
#define WDFIO_KMDF_GUIDDEF_H

#include <wdfio/guiddef.h>
#include <wdfio/msvc.h>

#endif
