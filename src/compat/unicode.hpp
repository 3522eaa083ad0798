// UTF-8 and the wide characters of the C API (wchar_t: UTF-32 here):
// DbgPrint and ntstrsafe convert between them, and an open by name turns a
// UNICODE_STRING into the UTF-8 path Linux opens.
#pragma once
#include "compat/compat.hpp"

#include <cstddef>
#include <string>

namespace wdfio::compat {

inline constexpr char32_t kReplacementCharacter = 0xFFFD;

// A Unicode scalar value: at most U+10FFFF and not a surrogate.
constexpr bool is_scalar_value(char32_t c) { return c <= 0x10FFFF && (c < 0xD800 || c > 0xDFFF); }

// Appends c's UTF-8 form; a value that is not a character becomes U+FFFD.
void append_utf8(std::string& out, char32_t c);

// Reads one UTF-8 sequence from s (n > 0 bytes left), advancing both. A
// malformed one yields U+FFFD for its first byte.
char32_t next_utf8(const unsigned char*& s, std::size_t& n);

// A name in a UNICODE_STRING (`what`: the parameter, for the log) as the
// UTF-8 the core uses (a path, a device's name). KMDF's checks first: an odd
// or too large Length, or a NULL Buffer with a Length →
// STATUS_INVALID_PARAMETER; empty → STATUS_INVALID_PARAMETER; a NUL or a
// value that is not a character → STATUS_OBJECT_NAME_INVALID.
Status to_utf8_name(const char* call, const char* what, const UNICODE_STRING& name, std::string& out);

}  // namespace wdfio::compat
