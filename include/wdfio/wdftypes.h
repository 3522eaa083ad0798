/* wdftypes.h — the handle types of the C API, the WDF_NO_* placeholders and
 * the execution-level and synchronization-scope enums, as in KMDF's
 * wdftypes.h. */
#ifndef WDFIO_WDFTYPES_H
#define WDFIO_WDFTYPES_H

#include <stddef.h>

#pragma GCC visibility push(default)  // what the public headers declare is the ABI (the rest is hidden)

#ifdef __cplusplus
extern "C" {
#endif

/* Opaque, typed: passing one kind where another is expected is a compile
 * error in C++ and a warning in C, and STATUS_INVALID_HANDLE at run time. */
typedef struct WDFMEMORY__* WDFMEMORY;
typedef struct WDFREQUEST__* WDFREQUEST;
typedef struct WDFIOTARGET__* WDFIOTARGET;
typedef struct WDFDEVICE__* WDFDEVICE;
typedef struct WDFSPINLOCK__* WDFSPINLOCK;
typedef struct WDFWAITLOCK__* WDFWAITLOCK;
typedef struct WDFTIMER__* WDFTIMER;
typedef struct WDFWORKITEM__* WDFWORKITEM;
typedef struct WDFCOLLECTION__* WDFCOLLECTION;
typedef struct WDFDRIVER__* WDFDRIVER;
typedef struct WDFQUEUE__* WDFQUEUE;
typedef struct WDFSTRING__* WDFSTRING;
typedef struct WDFFILEOBJECT__* WDFFILEOBJECT;
typedef struct WDFCMRESLIST__* WDFCMRESLIST; /* no hardware resources here: always NULL */
typedef void* WDFOBJECT;                     /* any of the above */
typedef void* WDFCONTEXT;

#define WDF_NO_HANDLE            NULL
#define WDF_NO_CONTEXT           NULL
#define WDF_NO_OBJECT_ATTRIBUTES NULL
#define WDF_NO_SEND_OPTIONS      NULL

typedef enum _WDF_TRI_STATE {
    WdfFalse = 0,
    WdfTrue = 1,
    WdfUseDefault = 2,
} WDF_TRI_STATE,
    *PWDF_TRI_STATE;

typedef enum _WDF_EXECUTION_LEVEL {
    WdfExecutionLevelInvalid = 0,
    WdfExecutionLevelInheritFromParent,
    WdfExecutionLevelPassive,
    WdfExecutionLevelDispatch,
} WDF_EXECUTION_LEVEL;

typedef enum _WDF_SYNCHRONIZATION_SCOPE {
    WdfSynchronizationScopeInvalid = 0,
    WdfSynchronizationScopeInheritFromParent,
    WdfSynchronizationScopeDevice,
    WdfSynchronizationScopeQueue,
    WdfSynchronizationScopeNone,
} WDF_SYNCHRONIZATION_SCOPE;

#ifdef __cplusplus
} /* extern "C" */
#endif

#pragma GCC visibility pop
#endif /* WDFIO_WDFTYPES_H */
