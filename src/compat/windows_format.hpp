// printf with Windows' conventions, for DbgPrint and ntstrsafe's Printf
// functions: the I, I32, I64 and w size prefixes, 32-bit %l, %S/%ws wide
// strings, %wZ/%Z counted strings (the full list is in dbgprint.h). glibc's
// printf knows none of these, and GCC's format checking rejects them, so the
// conversions are parsed here and only the numbers go to snprintf.
#pragma once
#include <cstdarg>
#include <cstddef>

namespace wdfio::compat {

// Characters into a caller's buffer, at most `capacity` of them (no NUL is
// added); the rest are counted as dropped.
template <class Char>
class BoundedOutput {
public:
    BoundedOutput(Char* buffer, std::size_t capacity) noexcept : buffer_(buffer), capacity_(capacity) {}
    void put(Char c) noexcept {
        if (length_ < capacity_) buffer_[length_++] = c;
        else truncated_ = true;
    }
    std::size_t length() const noexcept { return length_; }
    bool truncated() const noexcept { return truncated_; }

private:
    Char* buffer_;
    std::size_t capacity_;
    std::size_t length_ = 0;
    bool truncated_ = false;
};

// `format` with the arguments `args` (copied: the caller's list is left as
// it was). Wide formats make wide output, where %s means a wide string, as
// in Windows' wide printf. Throws std::bad_alloc only.
void format_windows(BoundedOutput<char>& out, const char* format, std::va_list args);
void format_windows(BoundedOutput<wchar_t>& out, const wchar_t* format, std::va_list args);

}  // namespace wdfio::compat
