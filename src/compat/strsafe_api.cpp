// ntstrsafe.h: RtlStringCch/Cb Copy, CopyN, Cat, CatN, Printf, VPrintf and
// Length in their A and W forms, and RtlUnicodeStringPrintf. One template
// per operation serves both character types; the Cb forms convert bytes to
// characters and call the Cch ones.
#include "compat/boundary.hpp"
#include "compat/windows_format.hpp"

#include <cstdarg>

using namespace wdfio;
using namespace wdfio::compat;

namespace {

constexpr std::size_t kMaxCch = NTSTRSAFE_MAX_CCH;

template <class Char>
std::size_t cch_of(std::size_t cb) {
    return cb / sizeof(Char);
}

// The destination checks every function starts with. On failure, a
// destination with room gets an empty string, so it never holds garbage.
template <class Char>
Status check_destination(const char* call, Char* dest, std::size_t cch) {
    if (dest && cch > 0 && cch <= kMaxCch) return STATUS_SUCCESS;
    if (dest && cch > 0) dest[0] = 0;
    log(LogLevel::Error, "%s: %s", call,
        !dest ? "the destination is NULL" : "the destination size is 0 or above NTSTRSAFE_MAX_CCH");
    return STATUS_INVALID_PARAMETER;
}

// Appends at most `max` characters of src at dest[length], within cch.
template <class Char>
Status append(Char* dest, std::size_t cch, std::size_t length, const Char* src, std::size_t max) {
    std::size_t i = 0;
    while (i < max && src[i] != 0 && length + 1 < cch) dest[length++] = src[i++];
    dest[length] = 0;
    return i < max && src[i] != 0 ? STATUS_BUFFER_OVERFLOW : STATUS_SUCCESS;
}

template <class Char>
NTSTATUS copy_n(const char* call, Char* dest, std::size_t cch, const Char* src, std::size_t max) {
    return guard(call, [&]() -> Status {
        if (Status s = check_destination(call, dest, cch); !s.ok()) return s;
        if (!src || max > kMaxCch) {
            dest[0] = 0;
            log(LogLevel::Error, "%s: %s", call, !src ? "the source is NULL" : "the count is above NTSTRSAFE_MAX_CCH");
            return STATUS_INVALID_PARAMETER;
        }
        return append(dest, cch, 0, src, max);
    });
}

template <class Char>
NTSTATUS cat_n(const char* call, Char* dest, std::size_t cch, const Char* src, std::size_t max) {
    return guard(call, [&]() -> Status {
        if (!dest || cch == 0 || cch > kMaxCch) {  // unlike a copy, the destination's text is kept
            log(LogLevel::Error, "%s: the destination is NULL, or its size 0 or above NTSTRSAFE_MAX_CCH", call);
            return STATUS_INVALID_PARAMETER;
        }
        std::size_t length = 0;
        while (length < cch && dest[length] != 0) ++length;
        if (length == cch) {
            log(LogLevel::Error, "%s: the destination has no NUL within its size", call);
            return STATUS_INVALID_PARAMETER;
        }
        if (!src || max > kMaxCch) {
            log(LogLevel::Error, "%s: %s", call, !src ? "the source is NULL" : "the count is above NTSTRSAFE_MAX_CCH");
            return STATUS_INVALID_PARAMETER;
        }
        return append(dest, cch, length, src, max);
    });
}

template <class Char>
NTSTATUS print_into(const char* call, Char* dest, std::size_t cch, const Char* format, std::va_list args) {
    return guard(call, [&]() -> Status {
        if (Status s = check_destination(call, dest, cch); !s.ok()) return s;
        if (!format) {
            dest[0] = 0;
            log(LogLevel::Error, "%s: the format is NULL", call);
            return STATUS_INVALID_PARAMETER;
        }
        BoundedOutput<Char> out(dest, cch - 1);
        try {
            format_windows(out, format, args);
        } catch (...) {
            dest[0] = 0;
            throw;
        }
        dest[out.length()] = 0;
        return out.truncated() ? STATUS_BUFFER_OVERFLOW : STATUS_SUCCESS;
    });
}

template <class Char>
NTSTATUS length(const char* call, const Char* s, std::size_t cch_max, std::size_t* result) {
    return guard(call, [&]() -> Status {
        if (result) *result = 0;
        if (!s || cch_max == 0 || cch_max > kMaxCch) {
            log(LogLevel::Error, "%s: %s", call,
                !s ? "the string is NULL" : "the maximum is 0 or above NTSTRSAFE_MAX_CCH");
            return STATUS_INVALID_PARAMETER;
        }
        std::size_t n = 0;
        while (n < cch_max && s[n] != 0) ++n;
        if (n == cch_max) return STATUS_INVALID_PARAMETER;  // no NUL within the maximum
        if (result) *result = n;
        return STATUS_SUCCESS;
    });
}

// A byte size too large to be counted in characters stays too large.
template <class Char>
std::size_t cb_to_cch(std::size_t cb) {
    return cb / sizeof(Char) > kMaxCch ? kMaxCch + 1 : cch_of<Char>(cb);
}

}  // namespace

NTSTATUS RtlStringCchCopyA(NTSTRSAFE_PSTR pszDest, size_t cchDest, NTSTRSAFE_PCSTR pszSrc) {
    return copy_n("RtlStringCchCopyA", pszDest, cchDest, pszSrc, kMaxCch);
}
NTSTATUS RtlStringCchCopyW(NTSTRSAFE_PWSTR pszDest, size_t cchDest, NTSTRSAFE_PCWSTR pszSrc) {
    return copy_n("RtlStringCchCopyW", pszDest, cchDest, pszSrc, kMaxCch);
}
NTSTATUS RtlStringCbCopyA(NTSTRSAFE_PSTR pszDest, size_t cbDest, NTSTRSAFE_PCSTR pszSrc) {
    return copy_n("RtlStringCbCopyA", pszDest, cb_to_cch<char>(cbDest), pszSrc, kMaxCch);
}
NTSTATUS RtlStringCbCopyW(NTSTRSAFE_PWSTR pszDest, size_t cbDest, NTSTRSAFE_PCWSTR pszSrc) {
    return copy_n("RtlStringCbCopyW", pszDest, cb_to_cch<wchar_t>(cbDest), pszSrc, kMaxCch);
}

NTSTATUS RtlStringCchCopyNA(NTSTRSAFE_PSTR pszDest, size_t cchDest, NTSTRSAFE_PCSTR pszSrc, size_t cchToCopy) {
    return copy_n("RtlStringCchCopyNA", pszDest, cchDest, pszSrc, cchToCopy);
}
NTSTATUS RtlStringCchCopyNW(NTSTRSAFE_PWSTR pszDest, size_t cchDest, NTSTRSAFE_PCWSTR pszSrc, size_t cchToCopy) {
    return copy_n("RtlStringCchCopyNW", pszDest, cchDest, pszSrc, cchToCopy);
}
NTSTATUS RtlStringCbCopyNA(NTSTRSAFE_PSTR pszDest, size_t cbDest, NTSTRSAFE_PCSTR pszSrc, size_t cbToCopy) {
    return copy_n("RtlStringCbCopyNA", pszDest, cb_to_cch<char>(cbDest), pszSrc, cb_to_cch<char>(cbToCopy));
}
NTSTATUS RtlStringCbCopyNW(NTSTRSAFE_PWSTR pszDest, size_t cbDest, NTSTRSAFE_PCWSTR pszSrc, size_t cbToCopy) {
    return copy_n("RtlStringCbCopyNW", pszDest, cb_to_cch<wchar_t>(cbDest), pszSrc, cb_to_cch<wchar_t>(cbToCopy));
}

NTSTATUS RtlStringCchCatA(NTSTRSAFE_PSTR pszDest, size_t cchDest, NTSTRSAFE_PCSTR pszSrc) {
    return cat_n("RtlStringCchCatA", pszDest, cchDest, pszSrc, kMaxCch);
}
NTSTATUS RtlStringCchCatW(NTSTRSAFE_PWSTR pszDest, size_t cchDest, NTSTRSAFE_PCWSTR pszSrc) {
    return cat_n("RtlStringCchCatW", pszDest, cchDest, pszSrc, kMaxCch);
}
NTSTATUS RtlStringCbCatA(NTSTRSAFE_PSTR pszDest, size_t cbDest, NTSTRSAFE_PCSTR pszSrc) {
    return cat_n("RtlStringCbCatA", pszDest, cb_to_cch<char>(cbDest), pszSrc, kMaxCch);
}
NTSTATUS RtlStringCbCatW(NTSTRSAFE_PWSTR pszDest, size_t cbDest, NTSTRSAFE_PCWSTR pszSrc) {
    return cat_n("RtlStringCbCatW", pszDest, cb_to_cch<wchar_t>(cbDest), pszSrc, kMaxCch);
}
NTSTATUS RtlStringCchCatNA(NTSTRSAFE_PSTR pszDest, size_t cchDest, NTSTRSAFE_PCSTR pszSrc, size_t cchToAppend) {
    return cat_n("RtlStringCchCatNA", pszDest, cchDest, pszSrc, cchToAppend);
}
NTSTATUS RtlStringCchCatNW(NTSTRSAFE_PWSTR pszDest, size_t cchDest, NTSTRSAFE_PCWSTR pszSrc, size_t cchToAppend) {
    return cat_n("RtlStringCchCatNW", pszDest, cchDest, pszSrc, cchToAppend);
}
NTSTATUS RtlStringCbCatNA(NTSTRSAFE_PSTR pszDest, size_t cbDest, NTSTRSAFE_PCSTR pszSrc, size_t cbToAppend) {
    return cat_n("RtlStringCbCatNA", pszDest, cb_to_cch<char>(cbDest), pszSrc, cb_to_cch<char>(cbToAppend));
}
NTSTATUS RtlStringCbCatNW(NTSTRSAFE_PWSTR pszDest, size_t cbDest, NTSTRSAFE_PCWSTR pszSrc, size_t cbToAppend) {
    return cat_n("RtlStringCbCatNW", pszDest, cb_to_cch<wchar_t>(cbDest), pszSrc, cb_to_cch<wchar_t>(cbToAppend));
}

NTSTATUS RtlStringCchVPrintfA(NTSTRSAFE_PSTR pszDest, size_t cchDest, NTSTRSAFE_PCSTR pszFormat, va_list argList) {
    return print_into("RtlStringCchVPrintfA", pszDest, cchDest, pszFormat, argList);
}
NTSTATUS RtlStringCchVPrintfW(NTSTRSAFE_PWSTR pszDest, size_t cchDest, NTSTRSAFE_PCWSTR pszFormat, va_list argList) {
    return print_into("RtlStringCchVPrintfW", pszDest, cchDest, pszFormat, argList);
}
NTSTATUS RtlStringCbVPrintfA(NTSTRSAFE_PSTR pszDest, size_t cbDest, NTSTRSAFE_PCSTR pszFormat, va_list argList) {
    return print_into("RtlStringCbVPrintfA", pszDest, cb_to_cch<char>(cbDest), pszFormat, argList);
}
NTSTATUS RtlStringCbVPrintfW(NTSTRSAFE_PWSTR pszDest, size_t cbDest, NTSTRSAFE_PCWSTR pszFormat, va_list argList) {
    return print_into("RtlStringCbVPrintfW", pszDest, cb_to_cch<wchar_t>(cbDest), pszFormat, argList);
}

// The variadic forms: their arguments as a va_list, to the same template.
NTSTATUS RtlStringCchPrintfA(NTSTRSAFE_PSTR pszDest, size_t cchDest, NTSTRSAFE_PCSTR pszFormat, ...) {
    std::va_list args;
    va_start(args, pszFormat);
    const NTSTATUS s = print_into("RtlStringCchPrintfA", pszDest, cchDest, pszFormat, args);
    va_end(args);
    return s;
}
NTSTATUS RtlStringCchPrintfW(NTSTRSAFE_PWSTR pszDest, size_t cchDest, NTSTRSAFE_PCWSTR pszFormat, ...) {
    std::va_list args;
    va_start(args, pszFormat);
    const NTSTATUS s = print_into("RtlStringCchPrintfW", pszDest, cchDest, pszFormat, args);
    va_end(args);
    return s;
}
NTSTATUS RtlStringCbPrintfA(NTSTRSAFE_PSTR pszDest, size_t cbDest, NTSTRSAFE_PCSTR pszFormat, ...) {
    std::va_list args;
    va_start(args, pszFormat);
    const NTSTATUS s = print_into("RtlStringCbPrintfA", pszDest, cb_to_cch<char>(cbDest), pszFormat, args);
    va_end(args);
    return s;
}
NTSTATUS RtlStringCbPrintfW(NTSTRSAFE_PWSTR pszDest, size_t cbDest, NTSTRSAFE_PCWSTR pszFormat, ...) {
    std::va_list args;
    va_start(args, pszFormat);
    const NTSTATUS s = print_into("RtlStringCbPrintfW", pszDest, cb_to_cch<wchar_t>(cbDest), pszFormat, args);
    va_end(args);
    return s;
}

NTSTATUS RtlStringCchLengthA(NTSTRSAFE_PCSTR psz, size_t cchMax, size_t* pcchLength) {
    return length("RtlStringCchLengthA", psz, cchMax, pcchLength);
}
NTSTATUS RtlStringCchLengthW(NTSTRSAFE_PCWSTR psz, size_t cchMax, size_t* pcchLength) {
    return length("RtlStringCchLengthW", psz, cchMax, pcchLength);
}
NTSTATUS RtlStringCbLengthA(NTSTRSAFE_PCSTR psz, size_t cbMax, size_t* pcbLength) {
    return length("RtlStringCbLengthA", psz, cb_to_cch<char>(cbMax), pcbLength);
}
NTSTATUS RtlStringCbLengthW(NTSTRSAFE_PCWSTR psz, size_t cbMax, size_t* pcbLength) {
    const NTSTATUS s = length("RtlStringCbLengthW", psz, cb_to_cch<wchar_t>(cbMax), pcbLength);
    if (pcbLength) *pcbLength *= sizeof(wchar_t);  // characters to bytes (0 on failure)
    return s;
}

NTSTATUS RtlUnicodeStringPrintf(PUNICODE_STRING DestinationString, NTSTRSAFE_PCWSTR pszFormat, ...) {
    constexpr const char* call = "RtlUnicodeStringPrintf";
    std::va_list args;
    va_start(args, pszFormat);
    const NTSTATUS result = guard(call, [&]() -> Status {
        UNICODE_STRING* d = DestinationString;
        if (!d || !pszFormat || d->Length % sizeof(WCHAR) != 0 || d->MaximumLength % sizeof(WCHAR) != 0 ||
            d->Length > d->MaximumLength || (!d->Buffer && d->MaximumLength > 0)) {
            log(LogLevel::Error, "%s: NULL or malformed UNICODE_STRING, or NULL format", call);
            return STATUS_INVALID_PARAMETER;
        }
        BoundedOutput<wchar_t> out(d->Buffer, d->MaximumLength / sizeof(WCHAR));
        format_windows(out, pszFormat, args);
        d->Length = static_cast<USHORT>(out.length() * sizeof(WCHAR));
        return out.truncated() ? STATUS_BUFFER_OVERFLOW : STATUS_SUCCESS;
    });
    va_end(args);
    return result;
}
