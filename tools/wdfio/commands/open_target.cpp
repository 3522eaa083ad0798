#include "commands/open_target.hpp"

#include <wdfio/memory.hpp>
#include <wdfio/request.hpp>

#include <linux/fs.h>
#include <sys/stat.h>

#include <cstring>

namespace wdfio::cli {

IoctlReply send_ioctl(IoTarget& target, std::uint32_t code, std::span<const unsigned char> input,
                      std::size_t out_size) {
    IoctlReply reply;
    Ref<Memory> in;
    Ref<Memory> out;
    if (!input.empty()) {
        auto m = Memory::allocate(input.size());
        if (!m) return {m.status(), 0, {}};
        in = std::move(m).value();
        std::memcpy(in->data(), input.data(), input.size());
    }
    if (out_size) {
        auto m = Memory::allocate(out_size);
        if (!m) return {m.status(), 0, {}};
        out = std::move(m).value();
    }
    auto request = Request::create(target);
    if (!request) return {request.status(), 0, {}};
    if (Status s = request->format_ioctl(target, code, in, std::nullopt, out, std::nullopt); !s.ok()) return {s, 0, {}};
    request->send(target, SendOptions::synchronous());
    reply.status = request->status();
    reply.information = request->information();
    if (out) {
        const auto* bytes = static_cast<const unsigned char*>(out->data());
        reply.output.assign(bytes, bytes + out_size);
    }
    return reply;
}

std::optional<std::uint64_t> target_size(IoTarget& target, const TargetSpec& spec) {
    if (spec.is_ram()) return spec.ram_bytes;
    struct stat st {};
    if (spec.is_path() && stat(spec.path.c_str(), &st) == 0 && S_ISREG(st.st_mode))
        return static_cast<std::uint64_t>(st.st_size);
    const IoctlReply r = send_ioctl(target, static_cast<std::uint32_t>(BLKGETSIZE64), {}, sizeof(std::uint64_t));
    if (!r.status.ok() || r.information < sizeof(std::uint64_t)) return std::nullopt;
    std::uint64_t bytes = 0;
    std::memcpy(&bytes, r.output.data(), sizeof bytes);
    return bytes;
}

std::uint64_t logical_block_size(IoTarget& target) {
    constexpr std::uint64_t kDefault = 512;
    const IoctlReply r = send_ioctl(target, static_cast<std::uint32_t>(BLKSSZGET), {}, sizeof(int));
    if (!r.status.ok() || r.information < sizeof(int)) return kDefault;
    int bytes = 0;
    std::memcpy(&bytes, r.output.data(), sizeof bytes);
    return bytes > 0 ? static_cast<std::uint64_t>(bytes) : kDefault;
}

}  // namespace wdfio::cli
