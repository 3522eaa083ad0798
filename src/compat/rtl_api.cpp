// RtlCompareMemory and the counted-string helpers: RtlInitUnicodeString,
// RtlInitAnsiString, RtlInitString, RtlCopyUnicodeString,
// RtlEqualUnicodeString, RtlCompareUnicodeString.
#include "compat/boundary.hpp"

#include <algorithm>
#include <cwchar>
#include <cwctype>

using namespace wdfio::compat;

SIZE_T RtlCompareMemory(const VOID* Source1, const VOID* Source2, SIZE_T Length) {
    if (!Source1 || !Source2) return 0;
    const auto* a = static_cast<const unsigned char*>(Source1);
    const auto* b = static_cast<const unsigned char*>(Source2);
    SIZE_T i = 0;
    while (i < Length && a[i] == b[i]) ++i;
    return i;
}

namespace {
// The largest Length a USHORT-sized string of T can have while MaximumLength
// (one more character, for the NUL) still fits.
template <class T>
constexpr std::size_t kMaxLength = (0xFFFF / sizeof(T) - 1) * sizeof(T);

template <class S, class T>
void init_string(S* destination, const T* source, std::size_t length_in_chars) {
    if (!destination) return;
    destination->Buffer = const_cast<T*>(source);  // the WDK's types: Buffer is not const
    if (!source) {
        destination->Length = destination->MaximumLength = 0;
        return;
    }
    const std::size_t bytes = std::min(length_in_chars * sizeof(T), kMaxLength<T>);
    destination->Length = static_cast<USHORT>(bytes);
    destination->MaximumLength = static_cast<USHORT>(bytes + sizeof(T));
}

wchar_t fold(wchar_t c, bool case_insensitive) {
    return case_insensitive ? static_cast<wchar_t>(std::towupper(static_cast<wint_t>(c))) : c;
}
}  // namespace

VOID RtlInitUnicodeString(PUNICODE_STRING DestinationString, PCWSTR SourceString) {
    init_string(DestinationString, SourceString, SourceString ? std::wcslen(SourceString) : 0);
}

VOID RtlInitAnsiString(PANSI_STRING DestinationString, PCSTR SourceString) {
    init_string(DestinationString, SourceString, SourceString ? std::strlen(SourceString) : 0);
}

VOID RtlInitString(PSTRING DestinationString, PCSTR SourceString) {
    RtlInitAnsiString(DestinationString, SourceString);
}

VOID RtlCopyUnicodeString(PUNICODE_STRING DestinationString, PCUNICODE_STRING SourceString) {
    if (!DestinationString) return;
    if (!SourceString || !SourceString->Buffer || !DestinationString->Buffer) {
        DestinationString->Length = 0;
        return;
    }
    const USHORT room = DestinationString->MaximumLength / sizeof(WCHAR) * sizeof(WCHAR);
    const USHORT bytes = std::min<USHORT>(SourceString->Length / sizeof(WCHAR) * sizeof(WCHAR), room);
    std::memmove(DestinationString->Buffer, SourceString->Buffer, bytes);
    DestinationString->Length = bytes;
    if (bytes + sizeof(WCHAR) <= DestinationString->MaximumLength)
        DestinationString->Buffer[bytes / sizeof(WCHAR)] = UNICODE_NULL;
}

LONG RtlCompareUnicodeString(PCUNICODE_STRING String1, PCUNICODE_STRING String2, BOOLEAN CaseInSensitive) {
    // NULL or empty strings sort first; two of them are equal.
    const std::size_t n1 = String1 && String1->Buffer ? String1->Length / sizeof(WCHAR) : 0;
    const std::size_t n2 = String2 && String2->Buffer ? String2->Length / sizeof(WCHAR) : 0;
    for (std::size_t i = 0; i < std::min(n1, n2); ++i) {
        const wchar_t a = fold(String1->Buffer[i], CaseInSensitive);
        const wchar_t b = fold(String2->Buffer[i], CaseInSensitive);
        if (a != b) return a < b ? -1 : 1;
    }
    return n1 == n2 ? 0 : n1 < n2 ? -1 : 1;
}

BOOLEAN RtlEqualUnicodeString(PCUNICODE_STRING String1, PCUNICODE_STRING String2, BOOLEAN CaseInSensitive) {
    if (!String1 || !String2) return FALSE;
    if (String1->Length / sizeof(WCHAR) != String2->Length / sizeof(WCHAR)) return FALSE;
    return RtlCompareUnicodeString(String1, String2, CaseInSensitive) == 0 ? TRUE : FALSE;
}
