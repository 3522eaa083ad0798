/* What the monitor driver and its clients share: its name, what it reads and
 * how often, and the ioctl that reports what it saw. */
#ifndef MONITOR_H
#define MONITOR_H

#define MONITOR_DEVICE_NAME      L"\\Device\\KmdfMonitor"
#define MONITOR_PERIOD_MS        20
#define MONITOR_BLOCK_OFFSET     0
#define MONITOR_BLOCK_SIZE       512
#define IOCTL_MONITOR_GET_STATUS CTL_CODE(FILE_DEVICE_UNKNOWN, 0x900, METHOD_BUFFERED, FILE_READ_ACCESS)

typedef struct _MONITOR_STATUS {
    LONG Reads;     /* reads that returned the whole block */
    LONG Failures;  /* reads that failed, came back short, or were not sent */
    LONG BusyTicks; /* ticks that found the previous read still out */
    NTSTATUS LastStatus;
    UCHAR LastBlock[MONITOR_BLOCK_SIZE]; /* what the last good read returned */
} MONITOR_STATUS, *PMONITOR_STATUS;

#endif
