/* dbgprint.h — debug output and assertions: DbgPrint, DbgPrintEx,
 * vDbgPrintEx, KdPrint, KdPrintEx, ASSERT, NT_ASSERT, NT_VERIFY, RtlAssert.
 *
 * Output goes to wdfio's log, one line per call (a trailing newline is
 * dropped): stderr, or the callback of WdfioHostSetLogCallback. DbgPrintEx
 * levels map to log levels — DPFLTR_ERROR_LEVEL → error (0),
 * DPFLTR_WARNING_LEVEL → warning (1), the rest → info (2); DbgPrint is info.
 * Nothing is filtered by component. KdPrint and ASSERT are always on, as in
 * a checked (DBG) build.
 *
 * Formats are Windows': %Iu %Id %Ix %IX (pointer-sized), %I64d/u/x, %I32d/u/x,
 * %ld/%lu/%lx are 32 bits (LONG/ULONG, as on Windows, not Linux's long),
 * %lld/%llu 64, %hd, %hhd, %zu; %s narrow, %ws %ls %S wide (UTF-8 out),
 * %wZ a PUNICODE_STRING, %Z a PANSI_STRING, %c, %C/%wc wide char, %p as 16
 * hex digits. %n writes nothing. NULL strings print "(null)".
 *
 * A failed ASSERT calls RtlAssert, which logs "file:line: ASSERT(expression)
 * failed" and counts a verifier violation: it aborts unless
 * WDFIO_VERIFIER=report, when it returns and the program goes on. */
#ifndef WDFIO_DBGPRINT_H
#define WDFIO_DBGPRINT_H

#include <wdfio/ntdef.h>

#include <stdarg.h>

#pragma GCC visibility push(default)  // what the public headers declare is the ABI (the rest is hidden)

#ifdef __cplusplus
extern "C" {
#endif

#define DPFLTR_ERROR_LEVEL   0
#define DPFLTR_WARNING_LEVEL 1
#define DPFLTR_TRACE_LEVEL   2
#define DPFLTR_INFO_LEVEL    3
#define DPFLTR_MASK          0x80000000

#define DPFLTR_IHVDRIVER_ID    77
#define DPFLTR_IHVVIDEO_ID     78
#define DPFLTR_IHVAUDIO_ID     79
#define DPFLTR_IHVNETWORK_ID   80
#define DPFLTR_IHVSTREAMING_ID 81
#define DPFLTR_IHVBUS_ID       82
#define DPFLTR_DEFAULT_ID      101

/* STATUS_SUCCESS; Format NULL → STATUS_INVALID_PARAMETER. Not printf-checked:
 * GCC's checker rejects the Windows size prefixes. */
ULONG DbgPrint(PCSTR Format, ...);
ULONG DbgPrintEx(ULONG ComponentId, ULONG Level, PCSTR Format, ...);
ULONG vDbgPrintEx(ULONG ComponentId, ULONG Level, PCSTR Format, va_list arglist);

#define KdPrint(Args)   ((void)DbgPrint Args)
#define KdPrintEx(Args) ((void)DbgPrintEx Args)

/* FailedAssertion and FileName are the expression's and file's text; Message
 * is optional. NULL texts print as "?". */
VOID RtlAssert(PVOID VoidFailedAssertion, PVOID VoidFileName, ULONG LineNumber, PSTR MutableMessage);

#define WDFIO_ASSERT_FAILED(Expression, Message) \
    RtlAssert((PVOID) #Expression, (PVOID)__FILE__, __LINE__, (PSTR)(Message))
#define ASSERT(Expression)                ((Expression) ? (void)0 : WDFIO_ASSERT_FAILED(Expression, NULL))
#define ASSERTMSG(Message, Expression)    ((Expression) ? (void)0 : WDFIO_ASSERT_FAILED(Expression, Message))
#define NT_ASSERT(Expression)             ASSERT(Expression)
#define NT_ASSERTMSG(Message, Expression) ASSERTMSG(Message, Expression)
#define RTL_SOFT_ASSERT(Expression)       ASSERT(Expression)
/* Evaluated in every build; its value is the expression's truth, as TRUE/FALSE. */
#define NT_VERIFY(Expression)             ((Expression) ? TRUE : (WDFIO_ASSERT_FAILED(Expression, NULL), FALSE))
#define NT_VERIFYMSG(Message, Expression) ((Expression) ? TRUE : (WDFIO_ASSERT_FAILED(Expression, Message), FALSE))

#ifdef __cplusplus
} /* extern "C" */
#endif

#pragma GCC visibility pop
#endif /* WDFIO_DBGPRINT_H */
