#include "compat/unicode.hpp"

namespace wdfio::compat {

void append_utf8(std::string& out, char32_t c) {
    if (!is_scalar_value(c)) c = kReplacementCharacter;
    if (c < 0x80) {
        out += static_cast<char>(c);
    } else if (c < 0x800) {
        out += static_cast<char>(0xC0 | (c >> 6));
        out += static_cast<char>(0x80 | (c & 0x3F));
    } else if (c < 0x10000) {
        out += static_cast<char>(0xE0 | (c >> 12));
        out += static_cast<char>(0x80 | ((c >> 6) & 0x3F));
        out += static_cast<char>(0x80 | (c & 0x3F));
    } else {
        out += static_cast<char>(0xF0 | (c >> 18));
        out += static_cast<char>(0x80 | ((c >> 12) & 0x3F));
        out += static_cast<char>(0x80 | ((c >> 6) & 0x3F));
        out += static_cast<char>(0x80 | (c & 0x3F));
    }
}

char32_t next_utf8(const unsigned char*& s, std::size_t& n) {
    const unsigned char lead = *s;
    const int extra = lead < 0x80             ? 0
                      : (lead & 0xE0) == 0xC0 ? 1
                      : (lead & 0xF0) == 0xE0 ? 2
                      : (lead & 0xF8) == 0xF0 ? 3
                                              : -1;
    auto skip_one = [&](char32_t value) {
        ++s;
        --n;
        return value;
    };
    if (extra == 0) return skip_one(lead);
    if (extra < 0 || static_cast<std::size_t>(extra) >= n) return skip_one(kReplacementCharacter);
    char32_t c = lead & (0x3F >> extra);
    for (int i = 1; i <= extra; ++i) {
        if ((s[i] & 0xC0) != 0x80) return skip_one(kReplacementCharacter);
        c = (c << 6) | (s[i] & 0x3F);
    }
    // The shortest form only: an overlong sequence is malformed.
    const char32_t smallest = extra == 1 ? 0x80 : extra == 2 ? 0x800 : 0x10000;
    if (c < smallest || !is_scalar_value(c)) return skip_one(kReplacementCharacter);
    s += extra + 1;
    n -= extra + 1;
    return c;
}

Status to_utf8_name(const char* call, const char* what, const UNICODE_STRING& name, std::string& out) {
    if (name.Length % sizeof(WCHAR) != 0 || name.Length > name.MaximumLength || (!name.Buffer && name.Length > 0)) {
        log(LogLevel::Error,
            "%s: %s is malformed (Length %u, MaximumLength %u, Buffer %s; Length counts bytes, "
            "sizeof(WCHAR) each)",
            call, what, name.Length, name.MaximumLength, name.Buffer ? "set" : "NULL");
        return STATUS_INVALID_PARAMETER;
    }
    if (name.Length == 0) {
        log(LogLevel::Error, "%s: %s is empty", call, what);
        return STATUS_INVALID_PARAMETER;
    }
    out.clear();
    for (std::size_t i = 0; i < name.Length / sizeof(WCHAR); ++i) {
        const auto c = static_cast<char32_t>(name.Buffer[i]);
        if (c == 0 || !is_scalar_value(c)) {
            log(LogLevel::Error, "%s: %s holds %s at character %zu", call, what,
                c == 0 ? "a NUL" : "a value that is not a character", i);
            return STATUS_OBJECT_NAME_INVALID;
        }
        append_utf8(out, c);
    }
    return STATUS_SUCCESS;
}

}  // namespace wdfio::compat
