/* ntstatus.h — the NTSTATUS values of the C API (STATUS_SUCCESS,
 * STATUS_IO_TIMEOUT, the WDF ones of wdfstatus.h, ...), expanded from the
 * list the C++ core uses too (detail/ntstatus_list.h).
 *
 * They are constants, not the WDK's macros: a preprocessor list cannot
 * expand to #define lines, and in C++ a macro would rewrite the core's
 * wdfio::STATUS_* of the same name. In C they are enumerators (type int,
 * which is NTSTATUS here); in C++ they are the core's constants themselves,
 * brought to global scope, so both spellings name one entity and wdf.h and
 * the C++ headers can be included in any order. Either way they work in
 * case labels and constant expressions, not in #if. */
#ifndef WDFIO_NTSTATUS_H
#define WDFIO_NTSTATUS_H

#include <wdfio/ntdef.h>

#ifdef __cplusplus

#include <wdfio/ntstatus.hpp>

#define WDFIO_USING_NTSTATUS(Name, Value) using wdfio::Name;
WDFIO_NTSTATUS_LIST(WDFIO_USING_NTSTATUS)
#undef WDFIO_USING_NTSTATUS

#else

#include <wdfio/detail/ntstatus_list.h>

/* The cast keeps the severity bit: 0xC0000120 becomes a negative NTSTATUS. */
#define WDFIO_NTSTATUS_ENUMERATOR(Name, Value) Name = (NTSTATUS)(Value),
enum { WDFIO_NTSTATUS_LIST(WDFIO_NTSTATUS_ENUMERATOR) };
#undef WDFIO_NTSTATUS_ENUMERATOR

#endif /* __cplusplus */

#endif /* WDFIO_NTSTATUS_H */
