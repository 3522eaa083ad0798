/* What the counting filter and its clients share: its name, the ioctl it
 * answers itself, and the counts that ioctl returns. */
#ifndef FILTER_H
#define FILTER_H

#define FILTER_DEVICE_NAME        L"\\Device\\KmdfCountingFilter"
#define IOCTL_FILTER_GET_COUNTERS CTL_CODE(FILE_DEVICE_UNKNOWN, 0x900, METHOD_BUFFERED, FILE_READ_ACCESS)

typedef struct _FILTER_COUNTERS {
    LONG IoctlsForwarded;   /* sent down with a completion routine */
    LONG IoctlsCompleted;   /* came back through it */
    LONG IoctlsFailedBelow; /* of those, with a failure status from below */
    LONG ReadsPassedDown;   /* sent down and forgotten */
    LONG WritesPassedDown;
    LONG OthersPassedDown;
} FILTER_COUNTERS, *PFILTER_COUNTERS;

#endif
