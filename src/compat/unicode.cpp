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

}  // namespace wdfio::compat
