/* msvc.h — the Microsoft C dialect driver sources are written in, mapped to
 * GCC and Clang: calling conventions, __declspec, __forceinline, __int64,
 * __pragma, IN/OUT/OPTIONAL, DECLSPEC_*, and #pragma alloc_text.
 *
 * Included by the include/kmdf headers (a driver's <ntddk.h>, <wdf.h>, ...),
 * not by <wdfio/wdf.h>: short macro names such as IN, OUT and CONST would
 * rewrite a host program's own identifiers, and the pragma below changes the
 * includer's diagnostics.
 *
 * #pragma alloc_text(PAGE, Fn) places code in pageable sections on Windows;
 * nothing pages here, so it must simply be accepted. GCC warns about unknown
 * pragmas under -Wall, so this header turns -Wunknown-pragmas off for the rest
 * of the translation unit. That works in C (and in Clang, and in C++ from
 * GCC 13 on); GCC 12's C++ front end reads pragmas before it sees this, so
 * the wdfio::kmdf CMake target and the wdfio-kmdf pkg-config module also pass
 * -Wno-unknown-pragmas. ALLOC_PRAGMA is defined, as the WDK defines it, so
 * drivers keep the code path they use on Windows.
 *
 * Pool tags are written as multi-character constants ('Tag1'); GCC gives
 * them MSVC's value, and warns: -Wmultichar goes off the same way. */
#ifndef WDFIO_MSVC_H
#define WDFIO_MSVC_H

#pragma GCC diagnostic ignored "-Wunknown-pragmas"
#pragma GCC diagnostic ignored "-Wmultichar"

#ifndef ALLOC_PRAGMA
#define ALLOC_PRAGMA 1
#endif
#ifndef ALLOC_DATA_PRAGMA
#define ALLOC_DATA_PRAGMA 1
#endif

/* __pragma(x) is MSVC's operator form of #pragma. */
#define __pragma(x) _Pragma(#x)

/* Calling conventions: x86-64 Linux has one. */
#ifndef __stdcall
#define __stdcall
#endif
#ifndef __cdecl
#define __cdecl
#endif
#ifndef __fastcall
#define __fastcall
#endif
#define NTAPI
#define NTAPI_INLINE
#define WINAPI
#define FASTCALL
#define NTSYSAPI
#define NTSYSCALLAPI
#define NTKERNELAPI
#define NTHALAPI

#define __forceinline inline __attribute__((always_inline))
#define FORCEINLINE __forceinline
#define __int8 char
#define __int16 short
#define __int32 int
#define __int64 long long

/* Parameter decorations of older drivers. */
#define IN
#define OUT
#define OPTIONAL
#define CONST const
#define UNALIGNED
#define RESTRICTED_POINTER
#define POINTER_32
#define POINTER_64

/* __declspec(x) becomes WDFIO_DECLSPEC_x: the kinds with a GCC meaning map to
 * their attribute, the ones with none (dllimport, code_seg, ...) to nothing;
 * one not listed is a compile error naming WDFIO_DECLSPEC_<kind>. */
#define __declspec(x) WDFIO_DECLSPEC_##x
#define WDFIO_DECLSPEC_selectany  __attribute__((weak))
#define WDFIO_DECLSPEC_noinline   __attribute__((noinline))
#define WDFIO_DECLSPEC_noreturn   __attribute__((noreturn))
#define WDFIO_DECLSPEC_nothrow    __attribute__((nothrow))
#define WDFIO_DECLSPEC_deprecated __attribute__((deprecated))
#define WDFIO_DECLSPEC_align(n)   __attribute__((aligned(n)))
#define WDFIO_DECLSPEC_thread     __thread
#define WDFIO_DECLSPEC_restrict
#define WDFIO_DECLSPEC_noalias
#define WDFIO_DECLSPEC_novtable
#define WDFIO_DECLSPEC_dllimport
#define WDFIO_DECLSPEC_dllexport __attribute__((visibility("default")))
#define WDFIO_DECLSPEC_code_seg(s)
#define WDFIO_DECLSPEC_allocate(s)
#define WDFIO_DECLSPEC_safebuffers
#define WDFIO_DECLSPEC_guard(x)

#define DECLSPEC_NOINLINE   __declspec(noinline)
#define DECLSPEC_NORETURN   __declspec(noreturn)
#define DECLSPEC_NOTHROW    __declspec(nothrow)
#define DECLSPEC_SELECTANY  __declspec(selectany)
#define DECLSPEC_ALIGN(n)   __declspec(align(n))
#define DECLSPEC_CACHEALIGN DECLSPEC_ALIGN(64)
#define DECLSPEC_IMPORT     __declspec(dllimport)
#define DECLSPEC_EXPORT     __declspec(dllexport)
#define DECLSPEC_NOVTABLE   __declspec(novtable)
#define DECLSPEC_DEPRECATED __declspec(deprecated)
#define DECLSPEC_GUARDNOCF
#define DECLSPEC_SAFEBUFFERS __declspec(safebuffers)

#endif /* WDFIO_MSVC_H */
