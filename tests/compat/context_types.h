/* Context types the context tests declare in two translation units
 * (context_test.c and context_other_unit.c): the type info must be one
 * program-wide, as __declspec(selectany) makes it on Windows. */
#ifndef WDFIO_COMPAT_CONTEXT_TYPES_H
#define WDFIO_COMPAT_CONTEXT_TYPES_H

#include <wdfio/wdf.h>

typedef struct {
    int Value;
    char Name[12];
} DISK_CONTEXT;
WDF_DECLARE_CONTEXT_TYPE_WITH_NAME(DISK_CONTEXT, GetDiskContext)

typedef struct {
    unsigned long long Counter;
} STATS;
WDF_DECLARE_CONTEXT_TYPE(STATS) /* accessor: WdfObjectGet_STATS */

/* In the other unit: the DISK_CONTEXT area of `object`, looked up there. */
DISK_CONTEXT* disk_context_from_other_unit(WDFOBJECT object);

#endif
