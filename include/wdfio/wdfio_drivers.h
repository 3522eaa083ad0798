/* wdfio_drivers.h — wdfio's built-in drivers for the C API (a RAM disk and
 * a fault-injection filter) and a target on any device without opening it
 * by name. */
#ifndef WDFIO_WDFIO_DRIVERS_H
#define WDFIO_WDFIO_DRIVERS_H

#include <wdfio/ntdef.h>
#include <wdfio/ntstatus.h>
#include <wdfio/wdfobject.h>
#include <wdfio/wdftypes.h>

#include <string.h>

#pragma GCC visibility push(default)  // what the public headers declare is the ABI (the rest is hidden)

#ifdef __cplusplus
extern "C" {
#endif

/* A RAM disk: reads at or past the end → STATUS_END_OF_FILE, reads crossing
 * it complete short, writes past it → STATUS_DISK_FULL; answers BLKGETSIZE64
 * and BLKSSZGET. SectorSize 512 or 4096 (0: 512); Size a non-zero multiple
 * of it, else STATUS_INVALID_PARAMETER. DeviceName ("\\Device\\Name",
 * optional) makes it openable by name with WdfIoTargetOpen; a bad name →
 * STATUS_OBJECT_NAME_INVALID, a name in use → STATUS_OBJECT_NAME_COLLISION.
 * WdfObjectDelete removes the device. */
NTSTATUS WdfioRamDiskCreate(ULONGLONG Size, ULONG SectorSize, const char* DeviceName /* optional */, WDFDEVICE* Device);

typedef enum _WDFIO_FAULT_MODE {
    WdfioFaultFail = 0,      /* complete with Status, Information 0, without sending down */
    WdfioFaultDelay,         /* pass down; complete no earlier than DelayMicroseconds after arrival */
    WdfioFaultShort,         /* pass down; reads and writes complete with Information * ShortFraction */
    WdfioFaultNeverComplete, /* hold until cancelled (or the filter is removed) */
} WDFIO_FAULT_MODE;

/* WDFIO_FAULT_CONFIG.Types: which request types faults may hit. */
#define WDFIO_FAULT_TYPE_READ           0x01UL
#define WDFIO_FAULT_TYPE_WRITE          0x02UL
#define WDFIO_FAULT_TYPE_DEVICE_CONTROL 0x04UL
#define WDFIO_FAULT_TYPE_INTERNAL       0x08UL /* internal ioctls with buffers */
#define WDFIO_FAULT_TYPE_OTHERS         0x10UL /* internal ioctls with the three arguments */
#define WDFIO_FAULT_TYPE_ALL            0x1FUL

typedef struct _WDFIO_FAULT_CONFIG {
    ULONG Size;
    WDFIO_FAULT_MODE Mode;
    double Share;                /* fraction 0..1 of the matching requests affected */
    ULONG Types;                 /* WDFIO_FAULT_TYPE_* bits */
    ULONGLONG Seed;              /* same seed, same choices */
    NTSTATUS Status;             /* Fail: a failure status */
    ULONGLONG DelayMicroseconds; /* Delay: more than 0 */
    double ShortFraction;        /* Short: in [0, 1) */
} WDFIO_FAULT_CONFIG, *PWDFIO_FAULT_CONFIG;

/* Defaults: all types, seed 1, STATUS_IO_DEVICE_ERROR, short fraction 0.5. */
static inline void WDFIO_FAULT_CONFIG_INIT(PWDFIO_FAULT_CONFIG Config, WDFIO_FAULT_MODE Mode, double Share) {
    memset(Config, 0, sizeof(*Config));
    Config->Size = sizeof(WDFIO_FAULT_CONFIG);
    Config->Mode = Mode;
    Config->Share = Share;
    Config->Types = WDFIO_FAULT_TYPE_ALL;
    Config->Seed = 1;
    Config->Status = STATUS_IO_DEVICE_ERROR;
    Config->ShortFraction = 0.5;
}

typedef struct _WDFIO_FAULT_COUNTERS {
    ULONG Size;
    ULONGLONG Seen; /* = Passed + Failed + Delayed + Shortened + Held */
    ULONGLONG Passed;
    ULONGLONG Failed;
    ULONGLONG Delayed;
    ULONGLONG Shortened;
    ULONGLONG Held;
} WDFIO_FAULT_COUNTERS, *PWDFIO_FAULT_COUNTERS;

static inline void WDFIO_FAULT_COUNTERS_INIT(PWDFIO_FAULT_COUNTERS Counters) {
    memset(Counters, 0, sizeof(*Counters));
    Counters->Size = sizeof(WDFIO_FAULT_COUNTERS);
}

/* A fault-injection filter above Lower: a WDFDEVICE (the filter opens a
 * target on it) or an open WDFIOTARGET (the filter takes it over: leave it
 * alone while the filter exists). Bad config (Share outside [0,1], unknown
 * Types bits or Mode, Fail with a success Status, Delay without delay, Short
 * fraction outside [0,1)) → STATUS_INVALID_PARAMETER; Size wrong →
 * STATUS_INFO_LENGTH_MISMATCH. Names as for WdfioRamDiskCreate. */
NTSTATUS WdfioFaultFilterCreate(WDFOBJECT Lower, const WDFIO_FAULT_CONFIG* Config,
                                const char* DeviceName /* optional */, WDFDEVICE* Device);
/* Not a fault filter → STATUS_INVALID_DEVICE_REQUEST. */
NTSTATUS WdfioFaultFilterGetCounters(WDFDEVICE Device, PWDFIO_FAULT_COUNTERS Counters);
NTSTATUS WdfioFaultFilterResetCounters(WDFDEVICE Device);

/* A started target whose next level down is Device (what opening the
 * device's name gives): works for unnamed devices too. Parent: the device. */
NTSTATUS WdfioDeviceOpenTarget(WDFDEVICE Device, PWDF_OBJECT_ATTRIBUTES IoTargetAttributes, WDFIOTARGET* IoTarget);

#ifdef __cplusplus
} /* extern "C" */
#endif

#pragma GCC visibility pop
#endif /* WDFIO_WDFIO_DRIVERS_H */
