/* <ntstatus.h> for driver sources: the NTSTATUS values (wdfio/ntstatus.h). */
#ifndef WDFIO_KMDF_NTSTATUS_H
#define WDFIO_KMDF_NTSTATUS_H

#include <wdfio/msvc.h>
#include <wdfio/ntstatus.h>

#endif
