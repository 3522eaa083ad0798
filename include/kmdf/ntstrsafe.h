/* <ntstrsafe.h> for driver sources: bounded string functions (wdfio/ntstrsafe.h). */
#ifndef WDFIO_KMDF_NTSTRSAFE_H
#define WDFIO_KMDF_NTSTRSAFE_H

#include <wdfio/msvc.h>
#include <wdfio/ntstrsafe.h>

#endif
