// CompletionParams: WDF_REQUEST_COMPLETION_PARAMS (spec §3.3).
#pragma once
#include <wdfio/status.hpp>

#include <cstddef>
#include <cstdint>

#pragma GCC visibility push(default)  // what the public headers declare is the ABI (the rest is hidden)

namespace wdfio {

class Memory;

// WDF_REQUEST_TYPE values, as in wdfrequest.h.
enum class RequestType : std::uint8_t {
    Read = 0x03,
    Write = 0x04,
    DeviceControl = 0x0E,
    DeviceControlInternal = 0x0F,
    Other = 0x1C,
    NoFormat = 0xFF,
};
const char* to_string(RequestType t) noexcept;

struct CompletionParams {
    RequestType type = RequestType::NoFormat;
    Status status;  // after the timeout translation (spec §4.5)
    std::uint64_t information = 0;

    struct Transfer {
        Memory* buffer;      // the Memory formatted with, or null
        std::size_t offset;  // MemoryOffset::offset from the format
        std::size_t length;  // = information
    };
    struct Ioctl {
        std::uint32_t code;
        struct {
            Memory* buffer;
            std::size_t offset;
        } input;
        struct {
            Memory* buffer;
            std::size_t offset;
            std::size_t length;  // = information
        } output;
    };
    struct Others {
        Memory* argument1;
        Memory* argument2;
        Memory* argument4;
    };
    // Only the member of `type` is meaningful: a union, as in KMDF, which keeps
    // the request small (the largest member is zeroed at construction).
    union {
        Ioctl ioctl{};   // types DeviceControl and DeviceControlInternal
        Transfer read;   // type Read
        Transfer write;  // type Write
        Others others;   // type Other
    };
};

}  // namespace wdfio
#pragma GCC visibility pop
