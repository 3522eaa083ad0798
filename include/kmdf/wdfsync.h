/* <wdfsync.h> for driver sources: KMDF's per-concept header (wdfio/wdfsync.h), with
 * the MSVC dialect driver sources are written in (wdfio/msvc.h). */
#ifndef WDFIO_KMDF_WDFSYNC_H
#define WDFIO_KMDF_WDFSYNC_H

#include <wdfio/msvc.h>
#include <wdfio/wdfsync.h>

#endif
