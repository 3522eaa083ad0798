/* wdfstring.h — string objects, as KMDF's wdfstring.h (driver spec §9.2): a
 * framework-owned copy of a UNICODE_STRING, NUL-terminated. */
#ifndef WDFIO_WDFSTRING_H
#define WDFIO_WDFSTRING_H

#include <wdfio/ntdef.h>
#include <wdfio/wdfobject.h>
#include <wdfio/wdftypes.h>

#pragma GCC visibility push(default)  // what the public headers declare is the ABI (the rest is hidden)

#ifdef __cplusplus
extern "C" {
#endif

/* A deep copy of UnicodeString (NULL: an empty string). A malformed one (odd
 * Length, Length above MaximumLength, a NULL Buffer with a Length) →
 * STATUS_INVALID_PARAMETER. Attributes as any object's (no level, no scope). */
NTSTATUS WdfStringCreate(PCUNICODE_STRING UnicodeString, PWDF_OBJECT_ATTRIBUTES StringAttributes, WDFSTRING* String);
/* The string's descriptor; its Buffer is valid until the string is deleted
 * or assigned again (WdfDriverRetrieveVersionString). */
VOID WdfStringGetUnicodeString(WDFSTRING String, PUNICODE_STRING UnicodeString);

#ifdef __cplusplus
} /* extern "C" */
#endif

#pragma GCC visibility pop
#endif /* WDFIO_WDFSTRING_H */
