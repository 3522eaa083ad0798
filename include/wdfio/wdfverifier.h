/* wdfverifier.h — the driver's own calls into the verifier, as KMDF's
 * wdfverifier.h: a breakpoint and a bug check become verifier reports (with
 * WDFIO_VERIFIER=abort, the default, a report ends the process; with report,
 * it is counted and the driver goes on). WdfioHostSetVerifierMode chooses. */
#ifndef WDFIO_WDFVERIFIER_H
#define WDFIO_WDFVERIFIER_H

#include <wdfio/ntdef.h>

#pragma GCC visibility push(default)  // what the public headers declare is the ABI (the rest is hidden)

#ifdef __cplusplus
extern "C" {
#endif

VOID WdfVerifierDbgBreakPoint(VOID);
/* The code and parameters are logged with the report. */
VOID WdfVerifierKeBugCheck(ULONG BugCheckCode, ULONG_PTR BugCheckParameter1, ULONG_PTR BugCheckParameter2,
                           ULONG_PTR BugCheckParameter3, ULONG_PTR BugCheckParameter4);

#ifdef __cplusplus
} /* extern "C" */
#endif

#pragma GCC visibility pop
#endif /* WDFIO_WDFVERIFIER_H */
