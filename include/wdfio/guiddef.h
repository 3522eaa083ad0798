/* guiddef.h — GUID, DEFINE_GUID and the comparisons, as in the WDK.
 *
 * DEFINE_GUID declares an extern const GUID, unless INITGUID is defined
 * (which <initguid.h> does) when this header is included: then it defines
 * one. The definitions are weak, so every translation unit that includes
 * <initguid.h> may define the same GUID and the program still links (on
 * Windows, selectany does the same). Like the WDK's, the DEFINE_GUID part is
 * outside the include guard: including <initguid.h> after this header
 * switches the DEFINE_GUID lines that follow to definitions. */
#ifndef WDFIO_GUIDDEF_H
#define WDFIO_GUIDDEF_H

#include <wdfio/ntdef.h>

#include <string.h>

#pragma GCC visibility push(default)  // what the public headers declare is the ABI (the rest is hidden)

#ifdef __cplusplus
extern "C" {
#endif

typedef struct _GUID {
    ULONG Data1;
    USHORT Data2;
    USHORT Data3;
    UCHAR Data4[8];
} GUID, *PGUID, *LPGUID;
typedef const GUID* LPCGUID;
typedef const GUID* PCGUID;
typedef GUID IID;
typedef GUID CLSID;

static inline int InlineIsEqualGUID(const GUID* A, const GUID* B) { return memcmp(A, B, sizeof(GUID)) == 0; }
static inline int IsEqualGUID(const GUID* A, const GUID* B) { return InlineIsEqualGUID(A, B); }

#ifdef __cplusplus
} /* extern "C" */

/* C++ drivers compare GUIDs by reference, as the WDK's C++ overloads allow. */
extern "C++" {
inline bool InlineIsEqualGUID(const GUID& A, const GUID& B) { return memcmp(&A, &B, sizeof(GUID)) == 0; }
inline bool IsEqualGUID(const GUID& A, const GUID& B) { return InlineIsEqualGUID(A, B); }
inline bool operator==(const GUID& A, const GUID& B) { return InlineIsEqualGUID(A, B); }
}
#endif

#pragma GCC visibility pop
#endif /* WDFIO_GUIDDEF_H */

/* Outside the guard on purpose (see above). */
#undef DEFINE_GUID
#ifdef INITGUID
#ifdef __cplusplus
#define DEFINE_GUID(Name, L, W1, W2, B1, B2, B3, B4, B5, B6, B7, B8) \
    extern "C" __attribute__((weak)) const GUID Name = {L, W1, W2, {B1, B2, B3, B4, B5, B6, B7, B8}}
#else
#define DEFINE_GUID(Name, L, W1, W2, B1, B2, B3, B4, B5, B6, B7, B8) \
    __attribute__((weak)) const GUID Name = {L, W1, W2, {B1, B2, B3, B4, B5, B6, B7, B8}}
#endif
#else
#ifdef __cplusplus
#define DEFINE_GUID(Name, L, W1, W2, B1, B2, B3, B4, B5, B6, B7, B8) extern "C" const GUID Name
#else
#define DEFINE_GUID(Name, L, W1, W2, B1, B2, B3, B4, B5, B6, B7, B8) extern const GUID Name
#endif
#endif
