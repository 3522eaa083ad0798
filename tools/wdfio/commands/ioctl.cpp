// `wdfio ioctl TARGET NAME|NUMBER`: one device-control request, formatted and
// sent through the framework like any other, and its answer decoded. Known
// names carry their argument's layout; any other number is sent as given, its
// _IOC fields (direction, type, number, size) decoded for the output.
#include "bench_target.hpp"
#include "commands/command.hpp"
#include "commands/open_target.hpp"
#include "size_arg.hpp"
#include "target_spec.hpp"

#include <wdfio/engine.hpp>

#include <fmt/core.h>
#include <nlohmann/json.hpp>

#include <linux/fs.h>
#include <sys/ioctl.h>

#include <array>
#include <cstring>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace wdfio::cli {

namespace {

struct IoctlOptions {
    std::string target;
    std::string code;
    std::string in;
    std::string out_size;
    std::string range;
    bool json = false;
};

// How a known ioctl's argument is laid out.
enum class Layout : std::uint8_t { None, U64, Int, UInt, Range, WinSize };

struct KnownIoctl {
    const char* name;
    std::uint32_t code;
    Layout layout;        // of the output (Range: of the input)
    const char* meaning;  // what the value is
};

const std::array<KnownIoctl, 10> kKnown = {{
    {"BLKGETSIZE64", static_cast<std::uint32_t>(BLKGETSIZE64), Layout::U64, "size in bytes"},
    {"BLKSSZGET", static_cast<std::uint32_t>(BLKSSZGET), Layout::Int, "logical block size in bytes"},
    {"BLKPBSZGET", static_cast<std::uint32_t>(BLKPBSZGET), Layout::UInt, "physical block size in bytes"},
    {"BLKIOMIN", static_cast<std::uint32_t>(BLKIOMIN), Layout::UInt, "minimum I/O size in bytes"},
    {"BLKIOOPT", static_cast<std::uint32_t>(BLKIOOPT), Layout::UInt, "optimal I/O size in bytes"},
    {"BLKROGET", static_cast<std::uint32_t>(BLKROGET), Layout::Int, "read-only (1) or writable (0)"},
    {"BLKFLSBUF", static_cast<std::uint32_t>(BLKFLSBUF), Layout::None, "buffers flushed"},
    {"BLKDISCARD", static_cast<std::uint32_t>(BLKDISCARD), Layout::Range, "range discarded"},
    {"FIONREAD", static_cast<std::uint32_t>(FIONREAD), Layout::Int, "bytes ready to read"},
    {"TIOCGWINSZ", static_cast<std::uint32_t>(TIOCGWINSZ), Layout::WinSize, "terminal size"},
}};

std::size_t layout_size(Layout l) {
    switch (l) {
    case Layout::U64: return sizeof(std::uint64_t);
    case Layout::Int:
    case Layout::UInt: return sizeof(int);
    case Layout::WinSize: return sizeof(struct winsize);
    case Layout::None:
    case Layout::Range: return 0;
    }
    return 0;
}

std::string known_names() {
    std::string names;
    for (const auto& k : kKnown) names += (names.empty() ? "" : ", ") + std::string(k.name);
    return names;
}

const char* dir_name(unsigned dir) {
    switch (dir) {
    case _IOC_NONE: return "none";
    case _IOC_READ: return "read";
    case _IOC_WRITE: return "write";
    default: return "read/write";
    }
}

struct Call {
    std::string name;  // the known name, or the number as given
    std::uint32_t code = 0;
    std::optional<Layout> layout;  // known names only
    const char* meaning = "";
    std::vector<unsigned char> input;
    std::size_t out_size = 0;
};

Checked<std::vector<unsigned char>> parse_hex(const std::string& text) {
    std::string digits;
    for (char c : text)
        if (c != ' ' && c != ':' && c != '_') digits += c;
    if (digits.starts_with("0x") || digits.starts_with("0X")) digits.erase(0, 2);
    if (digits.size() % 2 != 0)
        return bad_input("--in '" + text + "' has an odd number of hex digits: give bytes, e.g. 0a00ff");
    std::vector<unsigned char> bytes;
    for (std::size_t i = 0; i < digits.size(); i += 2) {
        unsigned v = 0;
        if (std::sscanf(digits.c_str() + i, "%2x", &v) != 1 || !std::isxdigit(static_cast<unsigned char>(digits[i])) ||
            !std::isxdigit(static_cast<unsigned char>(digits[i + 1])))
            return bad_input("--in '" + text + "' is not hex bytes: give e.g. 0a00ff");
        bytes.push_back(static_cast<unsigned char>(v));
    }
    return bytes;
}

Checked<Call> make_call(const IoctlOptions& o) {
    Call call;
    for (const auto& k : kKnown)
        if (o.code == k.name) {
            call = {k.name, k.code, k.layout, k.meaning, {}, layout_size(k.layout)};
        }
    if (!call.layout) {
        char* end = nullptr;
        errno = 0;
        const unsigned long long n = std::strtoull(o.code.c_str(), &end, 0);
        if (o.code.empty() || *end != '\0' || errno != 0 || n > UINT32_MAX || o.code[0] == '-')
            return bad_input("'" + o.code + "' is neither a known ioctl (" + known_names() +
                             ") nor a number (decimal or 0x hex)");
        call.name = o.code;
        call.code = static_cast<std::uint32_t>(n);
        if (_IOC_DIR(call.code) & _IOC_READ) call.out_size = _IOC_SIZE(call.code);
    }
    if (call.layout == Layout::Range) {
        const auto colon = o.range.find(':');
        const auto off = colon == std::string::npos ? std::nullopt : parse_size(o.range.substr(0, colon));
        const auto len = colon == std::string::npos ? std::nullopt : parse_size(o.range.substr(colon + 1));
        if (!off || !len || *len == 0)
            return bad_input("BLKDISCARD needs --range OFF:LEN (bytes or K/M/G, LEN more than 0), e.g. --range 0:1M");
        const std::uint64_t range[2] = {*off, *len};
        call.input.resize(sizeof range);
        std::memcpy(call.input.data(), range, sizeof range);
    } else if (!o.range.empty()) {
        return bad_input("--range is for BLKDISCARD only");
    }
    if (!o.in.empty()) {
        if (call.layout) return bad_input("--in is for raw numbers: " + call.name + " builds its own argument");
        auto in = parse_hex(o.in);
        if (!in.ok()) return in.failure();
        call.input = std::move(in).value();
    }
    if (!o.out_size.empty()) {
        const auto n = parse_size(o.out_size);
        if (!n || *n > (1u << 20)) return bad_input("--out-size must be a size of at most 1M, e.g. 8");
        if (call.layout && *n < call.out_size)
            return bad_input(fmt::format("--out-size must be at least {} for {}", call.out_size, call.name));
        call.out_size = static_cast<std::size_t>(*n);
    }
    return call;
}

template <class T>
T read_as(const std::vector<unsigned char>& bytes) {
    T v{};
    std::memcpy(&v, bytes.data(), std::min(sizeof v, bytes.size()));
    return v;
}

// The decoded result of a known ioctl, as JSON (a number or an object).
nlohmann::ordered_json decode(const Call& call, const IoctlReply& reply) {
    if (!call.layout || !reply.status.ok()) return nullptr;
    switch (*call.layout) {
    case Layout::U64: return read_as<std::uint64_t>(reply.output);
    case Layout::Int: return read_as<int>(reply.output);
    case Layout::UInt: return read_as<unsigned>(reply.output);
    case Layout::WinSize: {
        const auto ws = read_as<struct winsize>(reply.output);
        return {{"rows", ws.ws_row}, {"columns", ws.ws_col}, {"xpixel", ws.ws_xpixel}, {"ypixel", ws.ws_ypixel}};
    }
    case Layout::Range: {
        const auto off = read_as<std::uint64_t>(call.input);
        std::uint64_t len = 0;
        std::memcpy(&len, call.input.data() + sizeof off, sizeof len);
        return {{"offset", off}, {"length", len}};
    }
    case Layout::None: return true;
    }
    return nullptr;
}

std::string hex(const std::vector<unsigned char>& bytes, std::size_t n) {
    std::string s;
    for (std::size_t i = 0; i < n && i < bytes.size(); ++i) s += fmt::format("{}{:02x}", i ? " " : "", bytes[i]);
    return s;
}

int run_ioctl(const IoctlOptions& o) {
    auto fail = [](const CommandFailure& f) {
        fmt::print(stderr, "wdfio ioctl: {}\n", f.message);
        return f.exit_code;
    };
    auto spec = parse_target(o.target);
    if (!spec.ok()) return fail(spec.failure());
    auto call_checked = make_call(o);
    if (!call_checked.ok()) return fail(call_checked.failure());
    const Call& call = call_checked.value();

    Engine engine;
    // Read and write where allowed (BLKDISCARD needs write access), else read only.
    StackSpec stack{spec.value(), 0, std::nullopt, false, true};
    auto opened = open_bench_target(engine, stack, 0);
    if (!opened && opened.status() == Status(STATUS_ACCESS_DENIED) && call.layout != Layout::Range) {
        stack.writes = false;
        opened = open_bench_target(engine, stack, 0);
    }
    if (!opened) return fail(bad_input(fmt::format("cannot open {}: {}", o.target, opened.status().to_string())));
    const IoctlReply reply = send_ioctl((*opened)->target(), call.code, call.input, call.out_size);
    const std::size_t shown = std::min<std::size_t>(reply.output.size(), reply.information);
    const nlohmann::ordered_json value = decode(call, reply);

    if (o.json) {
        nlohmann::ordered_json j;
        j["target"] = o.target;
        j["ioctl"] = call.name;
        j["code"] = fmt::format("{:#010x}", call.code);
        j["ioc"] = {{"dir", dir_name(_IOC_DIR(call.code))},
                    {"type", _IOC_TYPE(call.code)},
                    {"nr", _IOC_NR(call.code)},
                    {"size", _IOC_SIZE(call.code)}};
        j["status"] = reply.status.to_string();
        j["ok"] = reply.status.ok();
        j["information"] = reply.information;
        j["output_hex"] = hex(reply.output, shown);
        j["value"] = value;
        fmt::print("{}\n", j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace));
    } else {
        fmt::print("target       {}\n", o.target);
        fmt::print("ioctl        {} = {:#010x} (_IOC dir {}, type {:#04x}, nr {}, size {})\n", call.name, call.code,
                   dir_name(_IOC_DIR(call.code)), _IOC_TYPE(call.code), _IOC_NR(call.code), _IOC_SIZE(call.code));
        fmt::print("status       {}\n", reply.status.to_string());
        fmt::print("information  {}\n", reply.information);
        if (shown) fmt::print("output       {}\n", hex(reply.output, shown));
        if (!value.is_null()) fmt::print("value        {} ({})\n", value.dump(), call.meaning);
    }
    if (!reply.status.ok()) {
        fmt::print(stderr, "wdfio ioctl: {} failed on {}: {}\n", call.name, o.target, reply.status.to_string());
        return kExitFailed;
    }
    return 0;
}
}  // namespace

Command add_ioctl_command(CLI::App& app) {
    auto options = std::make_shared<IoctlOptions>();
    IoctlOptions& o = *options;
    CLI::App* cmd = app.add_subcommand(
        "ioctl", "Send one ioctl to a target through the framework and print what came back, decoded");
    cmd->add_option("TARGET", o.target, "A file, a block or character device, ram:SIZE, or another name wdfio opens")
        ->required();
    cmd->add_option("NAME|NUMBER", o.code, "A known name (" + known_names() + ") or a number (decimal or 0x hex)")
        ->required();
    cmd->add_option("--in", o.in, "Raw numbers: the input bytes in hex, e.g. 0a00ff");
    cmd->add_option("--out-size", o.out_size, "Bytes of output buffer (default: what the number or name says)");
    cmd->add_option("--range", o.range, "BLKDISCARD: OFF:LEN, e.g. 0:1M");
    cmd->add_flag("--json", o.json, "Print one JSON object");
    cmd->footer(
        "Exit status: 0 the ioctl succeeded, 1 it failed (its status is printed), 2 bad input.\n"
        "Example:\n  wdfio ioctl /dev/loop0 BLKGETSIZE64");
    return {cmd, [options] { return run_ioctl(*options); }};
}

}  // namespace wdfio::cli
