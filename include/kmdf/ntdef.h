/* <ntdef.h> for driver sources: the NT base types (wdfio/ntdef.h), with SAL and the NTSTATUS values. */
#ifndef WDFIO_KMDF_NTDEF_H
#define WDFIO_KMDF_NTDEF_H

#include <wdfio/msvc.h>
#include <wdfio/ntdef.h>
#include <wdfio/ntstatus.h>
#include <wdfio/sal.h>

#endif
