/* wdmsec.h — the SDDL strings drivers pass to WdfControlDeviceInitAllocate
 * (and IoCreateDeviceSecure), as Windows' wdmsec.h names them. wdfio checks
 * and keeps them; nothing enforces them in-process. */
#ifndef WDFIO_WDMSEC_H
#define WDFIO_WDMSEC_H

#include <wdfio/ntdef.h>
#include <wdfio/ntrtl.h>

/* Each translation unit gets its own copy (static: a C file-scope const would be one per program). */
#define WDFIO_SDDL(Name, Literal)                                                                                      \
    __attribute__((unused)) static const WCHAR Name##_wdfio_buffer[] = Literal;                                        \
    __attribute__((unused)) static const UNICODE_STRING Name = {(USHORT)(sizeof(Name##_wdfio_buffer) - sizeof(WCHAR)), \
                                                                (USHORT)sizeof(Name##_wdfio_buffer),                   \
                                                                (PWCH)Name##_wdfio_buffer}

WDFIO_SDDL(SDDL_DEVOBJ_KERNEL_ONLY, L"D:P");
WDFIO_SDDL(SDDL_DEVOBJ_SYS_ALL, L"D:P(A;;GA;;;SY)");
WDFIO_SDDL(SDDL_DEVOBJ_SYS_ALL_ADM_ALL, L"D:P(A;;GA;;;SY)(A;;GA;;;BA)");
WDFIO_SDDL(SDDL_DEVOBJ_SYS_ALL_ADM_RX, L"D:P(A;;GA;;;SY)(A;;GRGX;;;BA)");
WDFIO_SDDL(SDDL_DEVOBJ_SYS_ALL_ADM_RWX_WORLD_R, L"D:P(A;;GA;;;SY)(A;;GRGWGX;;;BA)(A;;GR;;;WD)");
WDFIO_SDDL(SDDL_DEVOBJ_SYS_ALL_ADM_RWX_WORLD_RW_RES_R, L"D:P(A;;GA;;;SY)(A;;GRGWGX;;;BA)(A;;GRGW;;;WD)(A;;GR;;;RC)");
WDFIO_SDDL(SDDL_DEVOBJ_SYS_ALL_ADM_RWX_WORLD_RWX_RES_RWX,
           L"D:P(A;;GA;;;SY)(A;;GRGWGX;;;BA)(A;;GRGWGX;;;WD)(A;;GRGWGX;;;RC)");

#endif /* WDFIO_WDMSEC_H */
