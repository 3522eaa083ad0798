// CompletionParams: WDF_REQUEST_COMPLETION_PARAMS (spec §3.3).
#pragma once
#include <wdfio/status.hpp>

#include <cstddef>
#include <cstdint>

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
    Status status;                // after the timeout translation (spec §4.5)
    std::uint64_t information = 0;

    struct Transfer {
        Memory* buffer = nullptr;  // the Memory formatted with, or null
        std::size_t offset = 0;    // MemoryOffset::offset from the format
        std::size_t length = 0;    // = information
    };
    Transfer read;   // type Read
    Transfer write;  // type Write

    struct Ioctl {
        std::uint32_t code = 0;
        struct {
            Memory* buffer = nullptr;
            std::size_t offset = 0;
        } input;
        struct {
            Memory* buffer = nullptr;
            std::size_t offset = 0;
            std::size_t length = 0;  // = information
        } output;
    } ioctl;  // types DeviceControl and DeviceControlInternal

    struct Others {
        Memory* argument1 = nullptr;
        Memory* argument2 = nullptr;
        Memory* argument4 = nullptr;
    } others;  // type Other
};

}  // namespace wdfio
