/* <devioctl.h> for driver sources: CTL_CODE and its parts (wdfio/devioctl.h). */
#ifndef WDFIO_KMDF_DEVIOCTL_H
#define WDFIO_KMDF_DEVIOCTL_H

#include <wdfio/devioctl.h>
#include <wdfio/msvc.h>

#endif
