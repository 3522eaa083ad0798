#include "compat/windows_format.hpp"

#include <wdfio/ntdef.h>

#include "compat/unicode.hpp"

#include <algorithm>
#include <climits>
#include <cstdint>
#include <cstdio>
#include <string>
#include <type_traits>

namespace wdfio::compat {

namespace {

// The argument list, in a struct so helpers can take it by reference (a
// va_list is an array type on x86-64).
struct Args {
    std::va_list list;
};

enum class Size { Default, Char, Short, Long, Bits32, Bits64, Pointer, Wide, LongDouble };

struct Spec {
    std::string flags;  // of "-+ #0", as written
    int width = 0;
    int precision = -1;  // -1: none
    Size size = Size::Default;
    bool left() const { return flags.find('-') != std::string::npos; }
};

// `count` source characters, narrow (UTF-8) or wide, in the output's
// character type.
template <class Char>
std::basic_string<Char> convert(const char* s, std::size_t count) {
    if constexpr (std::is_same_v<Char, char>) {
        return std::string(s, count);
    } else {
        std::wstring out;
        const auto* p = reinterpret_cast<const unsigned char*>(s);
        while (count > 0) out += static_cast<wchar_t>(next_utf8(p, count));
        return out;
    }
}

template <class Char>
std::basic_string<Char> convert(const wchar_t* s, std::size_t count) {
    if constexpr (std::is_same_v<Char, wchar_t>) {
        return std::wstring(s, count);
    } else {
        std::string out;
        for (std::size_t i = 0; i < count; ++i) append_utf8(out, static_cast<char32_t>(s[i]));
        return out;
    }
}

// The length of a NUL-terminated string, reading no more than `limit` (-1: no limit).
template <class T>
std::size_t bounded_length(const T* s, int limit) {
    std::size_t n = 0;
    while ((limit < 0 || n < static_cast<std::size_t>(limit)) && s[n] != 0) ++n;
    return n;
}

template <class Char>
class Formatter {
public:
    Formatter(BoundedOutput<Char>& out, Args& args) : out_(out), args_(args) {}

    void run(const Char* f) {
        while (*f) {
            if (*f != '%') {
                out_.put(*f++);
                continue;
            }
            const Char* start = f++;
            if (*f == '%') {
                out_.put('%');
                ++f;
                continue;
            }
            Spec spec;
            f = parse(f, spec);
            if (!*f) {  // a lone '%...' at the end: shown as written
                for (const Char* p = start; p != f; ++p) out_.put(*p);
                return;
            }
            if (!convert_one(*f, spec)) {  // unknown conversion: shown as written
                for (const Char* p = start; p != f + 1; ++p) out_.put(*p);
            }
            ++f;
        }
    }

private:
    static constexpr bool kWide = std::is_same_v<Char, wchar_t>;

    const Char* parse(const Char* f, Spec& spec) {
        while (*f == '-' || *f == '+' || *f == ' ' || *f == '#' || *f == '0') spec.flags += static_cast<char>(*f++);
        if (*f == '*') {
            spec.width = va_arg(args_.list, int);
            if (spec.width < 0) {
                spec.flags += '-';
                spec.width = spec.width == INT_MIN ? 0 : -spec.width;
            }
            ++f;
        } else {
            while (*f >= '0' && *f <= '9' && spec.width < 100000) spec.width = spec.width * 10 + (*f++ - '0');
        }
        if (*f == '.') {
            ++f;
            spec.precision = 0;
            if (*f == '*') {
                spec.precision = va_arg(args_.list, int);
                if (spec.precision < 0) spec.precision = -1;
                ++f;
            } else {
                while (*f >= '0' && *f <= '9' && spec.precision < 100000)
                    spec.precision = spec.precision * 10 + (*f++ - '0');
            }
        }
        if (f[0] == 'I' && f[1] == '6' && f[2] == '4') {
            spec.size = Size::Bits64;
            f += 3;
        } else if (f[0] == 'I' && f[1] == '3' && f[2] == '2') {
            spec.size = Size::Bits32;
            f += 3;
        } else if (f[0] == 'h' && f[1] == 'h') {
            spec.size = Size::Char;
            f += 2;
        } else if (f[0] == 'l' && f[1] == 'l') {
            spec.size = Size::Bits64;
            f += 2;
        } else if (*f == 'I' || *f == 'z' || *f == 't') {
            spec.size = Size::Pointer;
            ++f;
        } else if (*f == 'j') {
            spec.size = Size::Bits64;
            ++f;
        } else if (*f == 'h') {
            spec.size = Size::Short;
            ++f;
        } else if (*f == 'l') {
            spec.size = Size::Long;
            ++f;
        } else if (*f == 'w') {
            spec.size = Size::Wide;
            ++f;
        } else if (*f == 'L') {
            spec.size = Size::LongDouble;
            ++f;
        }
        return f;
    }

    bool convert_one(Char conversion, const Spec& spec) {
        switch (conversion) {
        case 'd':
        case 'i': number(spec, static_cast<char>(conversion), signed_argument(spec.size)); return true;
        case 'u':
        case 'x':
        case 'X':
        case 'o': number(spec, static_cast<char>(conversion), unsigned_argument(spec.size)); return true;
        case 'c': character(spec, wide_text(spec.size, kWide)); return true;
        case 'C': character(spec, wide_text(spec.size, !kWide)); return true;
        case 's': string(spec, wide_text(spec.size, kWide)); return true;
        case 'S': string(spec, wide_text(spec.size, !kWide)); return true;
        case 'Z': counted_string(spec); return true;
        case 'p': pointer(spec); return true;
        case 'e':
        case 'E':
        case 'f':
        case 'F':
        case 'g':
        case 'G':
        case 'a':
        case 'A': floating(spec, static_cast<char>(conversion)); return true;
        case 'n': (void)va_arg(args_.list, void*); return true;  // never written to: a classic exploit
        default: return false;
        }
    }

    // Whether a %s/%c names wide text: h forces narrow, l and w force wide,
    // otherwise the conversion's default (%s in a wide format is wide).
    static bool wide_text(Size size, bool wide_default) {
        if (size == Size::Short) return false;
        if (size == Size::Long || size == Size::Wide) return true;
        return wide_default;
    }

    // The next argument, read as the type the caller passed (T, promoted)
    // and narrowed to Narrow.
    template <class T, class Narrow = T>
    Narrow next() {
        return static_cast<Narrow>(va_arg(args_.list, T));
    }

    // Integers: LONG is 32 bits on Windows, so %l is too.
    long long signed_argument(Size size) {
        switch (size) {
        case Size::Char: return next<int, signed char>();
        case Size::Short: return next<int, short>();
        case Size::Bits64:
        case Size::LongDouble: return next<long long>();
        case Size::Pointer: return next<std::ptrdiff_t>();
        default: return next<int>();
        }
    }
    unsigned long long unsigned_argument(Size size) {
        switch (size) {
        case Size::Char: return next<unsigned, unsigned char>();
        case Size::Short: return next<unsigned, unsigned short>();
        case Size::Bits64:
        case Size::LongDouble: return next<unsigned long long>();
        case Size::Pointer: return next<std::size_t>();
        default: return next<unsigned>();
        }
    }

    template <class T>
    void number(const Spec& spec, char conversion, T value) {
        std::string f = "%" + spec.flags + "*.*ll" + conversion;
        if (spec.precision < 0) f = "%" + spec.flags + "*ll" + conversion;
        emit_printf(f, spec, value);
    }

    void floating(const Spec& spec, char conversion) {
        const bool long_double = spec.size == Size::LongDouble;
        std::string f = "%" + spec.flags + "*.*" + (long_double ? "L" : "") + conversion;
        if (long_double) emit_printf(f, spec, next<long double>());
        else emit_printf(f, spec, next<double>());
    }

    // snprintf with width and precision passed as '*' arguments.
    template <class T>
    void emit_printf(const std::string& f, const Spec& spec, T value) {
        const bool has_precision = f.find(".*") != std::string::npos;
        const int precision = spec.precision < 0 ? 6 : spec.precision;
        auto print = [&](char* buf, std::size_t size) {
            return has_precision ? std::snprintf(buf, size, f.c_str(), spec.width, precision, value)
                                 : std::snprintf(buf, size, f.c_str(), spec.width, value);
        };
        const int n = print(nullptr, 0);
        if (n <= 0) return;
        std::string text(static_cast<std::size_t>(n) + 1, '\0');
        print(text.data(), text.size());
        text.resize(static_cast<std::size_t>(n));
        for (char c : text) out_.put(static_cast<Char>(static_cast<unsigned char>(c)));
    }

    // Windows prints pointers as 16 upper-case hex digits, without 0x.
    void pointer(const Spec& spec) {
        char text[32];
        const auto value = reinterpret_cast<std::uintptr_t>(va_arg(args_.list, void*));
        std::snprintf(text, sizeof text, "%016llX", static_cast<unsigned long long>(value));
        padded(spec, convert<Char>(text, 16));
    }

    void character(const Spec& spec, bool wide) {
        if (wide) {
            const wchar_t c = static_cast<wchar_t>(va_arg(args_.list, wint_t));
            padded(spec, convert<Char>(&c, 1));
        } else {
            const char c = static_cast<char>(va_arg(args_.list, int));
            padded(spec, convert<Char>(&c, 1));
        }
    }

    void string(const Spec& spec, bool wide) {
        if (wide) {
            const auto* s = va_arg(args_.list, const wchar_t*);
            if (!s) return null_string(spec);
            padded(spec, convert<Char>(s, bounded_length(s, spec.precision)));
        } else {
            const auto* s = va_arg(args_.list, const char*);
            if (!s) return null_string(spec);
            padded(spec, convert<Char>(s, bounded_length(s, spec.precision)));
        }
    }

    // %wZ: a PUNICODE_STRING; %Z: a PANSI_STRING. Length in bytes, no NUL needed.
    void counted_string(const Spec& spec) {
        std::size_t limit = spec.precision < 0 ? SIZE_MAX : static_cast<std::size_t>(spec.precision);
        if (wide_text(spec.size, false)) {
            const auto* s = va_arg(args_.list, const UNICODE_STRING*);
            if (!s || !s->Buffer) return null_string(spec);
            padded(spec, convert<Char>(s->Buffer, std::min<std::size_t>(s->Length / sizeof(WCHAR), limit)));
        } else {
            const auto* s = va_arg(args_.list, const ANSI_STRING*);
            if (!s || !s->Buffer) return null_string(spec);
            padded(spec, convert<Char>(s->Buffer, std::min<std::size_t>(s->Length, limit)));
        }
    }

    void null_string(const Spec& spec) { padded(spec, convert<Char>("(null)", 6)); }

    void padded(const Spec& spec, const std::basic_string<Char>& text) {
        const auto width = static_cast<std::size_t>(spec.width);
        const std::size_t pad = width > text.size() ? width - text.size() : 0;
        if (!spec.left())
            for (std::size_t i = 0; i < pad; ++i) out_.put(' ');
        for (Char c : text) out_.put(c);
        if (spec.left())
            for (std::size_t i = 0; i < pad; ++i) out_.put(' ');
    }

    BoundedOutput<Char>& out_;
    Args& args_;
};

template <class Char>
void run_format(BoundedOutput<Char>& out, const Char* format, std::va_list args) {
    Args copy;
    va_copy(copy.list, args);
    try {
        Formatter<Char>(out, copy).run(format);
    } catch (...) {
        va_end(copy.list);
        throw;
    }
    va_end(copy.list);
}

}  // namespace

void format_windows(BoundedOutput<char>& out, const char* format, std::va_list args) { run_format(out, format, args); }
void format_windows(BoundedOutput<wchar_t>& out, const wchar_t* format, std::va_list args) {
    run_format(out, format, args);
}

}  // namespace wdfio::compat
