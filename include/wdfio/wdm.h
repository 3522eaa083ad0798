/* wdm.h — the few I/O-manager definitions of the WDK's wdm.h that the C API
 * takes or returns: the I/O status block, pool types, access masks, the
 * create dispositions and options of an open by name, and the driver,
 * device and file objects as opaque types with the driver's entry and
 * unload function types. */
#ifndef WDFIO_WDM_H
#define WDFIO_WDM_H

#include <wdfio/guiddef.h>
#include <wdfio/ntdef.h>

#pragma GCC visibility push(default)  // what the public headers declare is the ABI (the rest is hidden)

#ifdef __cplusplus
extern "C" {
#endif

typedef struct _IO_STATUS_BLOCK {
    union {
        NTSTATUS Status;
        PVOID Pointer;
    };
    ULONG_PTR Information;
} IO_STATUS_BLOCK, *PIO_STATUS_BLOCK;

typedef enum _POOL_TYPE {
    NonPagedPool = 0,
    NonPagedPoolExecute = 0,
    PagedPool = 1,
    NonPagedPoolMustSucceed = 2,
    NonPagedPoolCacheAligned = 4,
    PagedPoolCacheAligned = 5,
    NonPagedPoolNx = 512,
    NonPagedPoolNxCacheAligned = 516,
} POOL_TYPE;

typedef ULONG ACCESS_MASK;

/* DesiredAccess bits that matter on Linux (read and/or write). */
#define GENERIC_READ    0x80000000UL
#define GENERIC_WRITE   0x40000000UL
#define GENERIC_ALL     0x10000000UL
#define FILE_READ_DATA  0x00000001UL
#define FILE_WRITE_DATA 0x00000002UL
/* CreateDisposition: FILE_OPEN, or FILE_OPEN_IF to create a regular file
 * (mode 0644); the other NT dispositions → STATUS_NOT_SUPPORTED. */
#define FILE_SUPERSEDE    0x00000000UL
#define FILE_OPEN         0x00000001UL
#define FILE_CREATE       0x00000002UL
#define FILE_OPEN_IF      0x00000003UL
#define FILE_OVERWRITE    0x00000004UL
#define FILE_OVERWRITE_IF 0x00000005UL
/* CreateOptions: FILE_NO_INTERMEDIATE_BUFFERING opens with O_DIRECT; others are ignored. */
#define FILE_NO_INTERMEDIATE_BUFFERING 0x00000008UL
#define FILE_NON_DIRECTORY_FILE        0x00000040UL
/* FileInformation on success. */
#define FILE_OPENED 0x00000001UL

/* Opaque: a driver passes them on, never looks inside (they come with the
 * driver half of the API). */
typedef struct _DRIVER_OBJECT DRIVER_OBJECT, *PDRIVER_OBJECT;
typedef struct _DEVICE_OBJECT DEVICE_OBJECT, *PDEVICE_OBJECT;
typedef struct _FILE_OBJECT FILE_OBJECT, *PFILE_OBJECT;

/* A driver declares `DRIVER_INITIALIZE DriverEntry;`, then defines it. */
typedef NTSTATUS DRIVER_INITIALIZE(PDRIVER_OBJECT DriverObject, PUNICODE_STRING RegistryPath);
typedef DRIVER_INITIALIZE* PDRIVER_INITIALIZE;
typedef VOID DRIVER_UNLOAD(PDRIVER_OBJECT DriverObject);
typedef DRIVER_UNLOAD* PDRIVER_UNLOAD;

/* Strings one after another, each NUL-terminated, then an empty one. */
typedef WCHAR* PZZWSTR;
#define DEVICE_INTERFACE_INCLUDE_NONACTIVE 0x00000001
/* The symbolic links of the enabled device interfaces of a class (Flags
 * DEVICE_INTERFACE_INCLUDE_NONACTIVE: the disabled ones too), as a PZZWSTR
 * the caller frees with ExFreePool; each opens with WdfIoTargetOpen by name.
 * PhysicalDeviceObject must be NULL. */
NTSTATUS IoGetDeviceInterfaces(CONST GUID* InterfaceClassGuid, PDEVICE_OBJECT PhysicalDeviceObject, ULONG Flags,
                               PZZWSTR* SymbolicLinkList);

#ifdef __cplusplus
} /* extern "C" */
#endif

#pragma GCC visibility pop
#endif /* WDFIO_WDM_H */
