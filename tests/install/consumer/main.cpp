// A program built against an installed wdfio: it must find the headers and
// libraries through find_package(wdfio) or pkg-config, and do real I/O.
#include <wdfio/wdfio.hpp>

#include <cstdio>

int main() {
    wdfio::Engine engine;
    auto null = wdfio::IoTarget::open(engine, "/dev/null");
    if (!null) return 1;
    auto buf = wdfio::Memory::allocate(16).value();
    std::uint64_t n = 0;
    const wdfio::Status s = wdfio::send_write_synchronously(*null, nullptr, buf, {}, 0, {}, &n);
    std::printf("%s %llu\n", s.to_string().c_str(), static_cast<unsigned long long>(n));
    return s.ok() && n == 16 ? 0 : 1;
}
