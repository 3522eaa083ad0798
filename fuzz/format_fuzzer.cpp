// Format-parameter validation on a real file target (a temporary file, opened
// as wdfio opens any path), on both backends: random buffer sizes, memory
// windows (MemoryOffset), device offsets, ioctl directions and sizes, and send
// options. A format that fails leaves the request unformatted; a window that
// does not fit its buffer never formats; a format that succeeds describes
// exactly the window asked for, is sent, and its routine runs exactly once (a
// refused send: never). The fuzzer's own checks abort; ASan and UBSan catch the
// rest, libFuzzer's -timeout a hang.
//
// Only harmless ioctl numbers reach the kernel: the fuzzer runs as root on a
// real file system, where a random number could be FIFREEZE or a file system's
// shutdown. It keeps the type and number of a read-only query (or one a
// regular file refuses) and randomises the direction and size bits, which is
// all the file target's check_format looks at; wholly random numbers are
// formatted, checked and dropped unsent.
#include "fuzz_input.hpp"

#include <wdfio/wdfio.hpp>

#include <linux/fs.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <thread>
#include <vector>

// Huge sizes must fail with a status, not end the run in ASan's allocator.
extern "C" const char* __asan_default_options() { return "allocator_may_return_null=1"; }

namespace {

using namespace wdfio;
using fuzz::FuzzInput;

constexpr const char* kName = "format fuzzer";
constexpr std::size_t kFileSize = 64 * 1024;
constexpr std::size_t kMaxBuffer = 256 * 1024;  // a bigger size is only tried for refusal

void expect(bool ok, const char* what) { fuzz::fuzz_expect(ok, kName, what); }

// One file, opened on each backend; built once, kept for the process.
struct Fixture {
    Fixture() {
        char path[] = "/tmp/wdfio-fuzz-format-XXXXXX";
        fd = mkstemp(path);
        expect(fd >= 0 && ftruncate(fd, kFileSize) == 0, "cannot create the temporary file");
        file = path;
        for (int b = 0; b < 2; ++b) {
            engines[b] =
                std::make_unique<Engine>(EngineOptions{.backend = b == 0 ? BackendKind::Uring : BackendKind::Threads});
            auto t = IoTarget::open(*engines[b], file);
            expect(static_cast<bool>(t), "cannot open the temporary file as a target");
            targets[b] = t.value();
        }
        ::unlink(path);  // open already: gone when the process ends
    }
    int fd = -1;
    std::string file;
    std::unique_ptr<Engine> engines[2];
    Ref<IoTarget> targets[2];
};

Fixture& fixture() {
    static Fixture* f = new Fixture;  // never destroyed: the engines outlive every input
    return *f;
}

struct Calls {
    static void routine(Request& r, IoTarget&, const CompletionParams& p, void* context) {
        auto* self = static_cast<Calls*>(context);
        // The routine sees the request done and agreeing with its params.
        if (r.is_outstanding() || r.status() != p.status || r.information() != p.information) self->consistent = false;
        self->count.fetch_add(1);
    }
    std::atomic<int> count{0};
    std::atomic<bool> consistent{true};
};

bool wait_for(const std::atomic<int>& count, int want) {
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(5);
    while (count.load() < want)
        if (std::chrono::steady_clock::now() > deadline) return false;
        else std::this_thread::sleep_for(std::chrono::microseconds(50));
    return true;
}

// A buffer (or none) of a fuzzed size: allocated, or wrapping caller memory
// that `keep` holds until the input ends.
Ref<Memory> make_memory(FuzzInput& in, std::vector<std::unique_ptr<std::byte[]>>& keep) {
    const unsigned how = in.below(4);
    if (how == 0) return nullptr;
    std::uint64_t size = in.edgy(4096);
    if (size > kMaxBuffer) {
        // Only a size no allocator can give is tried as it is: it must be refused.
        if (size >= (std::uint64_t{1} << 47)) {
            auto m = Memory::allocate(size);
            expect(!m && !m.status().ok(), "an impossible allocation succeeded");
        }
        size %= kMaxBuffer;
    }
    if (how == 3 && size) {
        keep.push_back(std::make_unique<std::byte[]>(size));
        auto m = Memory::wrap(keep.back().get(), size);
        expect(static_cast<bool>(m), "wrap of a real buffer failed");
        return m.value();
    }
    auto m = Memory::allocate(size);
    expect(size == 0 ? !m : static_cast<bool>(m), size == 0 ? "a 0-byte allocation succeeded" : "allocation failed");
    return m ? m.value() : nullptr;
}

std::optional<MemoryOffset> make_window(FuzzInput& in, const Ref<Memory>& m) {
    if (in.below(3) == 0) return std::nullopt;
    const std::uint64_t size = m ? m->size() : 0;
    return MemoryOffset{static_cast<std::size_t>(in.edgy(size / 2)), static_cast<std::size_t>(in.edgy(size / 2))};
}

// What Memory::window promises: the whole buffer for none or {0, 0}; length 0
// runs to the end; a window past the end does not fit.
bool window_fits(const Ref<Memory>& m, const std::optional<MemoryOffset>& w, std::size_t& offset, std::size_t& length) {
    offset = 0;
    length = m ? m->size() : 0;
    if (!m || !w || (w->offset == 0 && w->length == 0)) return true;
    offset = w->offset;
    if (offset > m->size()) return false;
    length = w->length == 0 ? m->size() - offset : w->length;
    return length <= m->size() - offset;
}

// An ioctl number that is safe to send: a harmless type and number with the
// fuzzed direction and size.
std::uint32_t safe_ioctl(FuzzInput& in) {
    static constexpr std::uint32_t kBases[] = {FS_IOC_GETFLAGS, FS_IOC_FSGETXATTR, BLKGETSIZE64, BLKSSZGET};
    const std::uint32_t base = kBases[in.below(4)];
    const std::uint32_t dir = in.below(4);
    const std::uint32_t size = in.flag() ? _IOC_SIZE(base) : static_cast<std::uint32_t>(in.edgy(16)) & _IOC_SIZEMASK;
    return (base & ((_IOC_TYPEMASK << _IOC_TYPESHIFT) | (_IOC_NRMASK << _IOC_NRSHIFT))) | (dir << _IOC_DIRSHIFT) |
           (size << _IOC_SIZESHIFT);
}

SendOptions make_options(FuzzInput& in) {
    SendOptions o;
    const std::uint8_t bits = in.byte();
    if (bits & 1) o.flags |= SEND_OPTION_SYNCHRONOUS;
    if (bits & 2) o.flags |= SEND_OPTION_IGNORE_TARGET_STATE;
    if (bits & 4) {
        o.flags |= SEND_OPTION_TIMEOUT;
        // Relative (up to 1 ms), or anything: absolute past or future, 0.
        o.timeout = (bits & 8) ? -static_cast<std::int64_t>(in.take<std::uint16_t>() % 10000) : in.take<std::int64_t>();
    }
    if ((bits & 0xf0) == 0xf0) o.flags |= 1u << (4 + in.below(28));  // an unknown flag: refused
    return o;
}

// One format, with the checks its result allows; true if it succeeded.
bool format_one(FuzzInput& in, Request& req, IoTarget& target, std::vector<std::unique_ptr<std::byte[]>>& keep) {
    const unsigned kind = in.below(6);
    Ref<Memory> a = make_memory(in, keep);
    const auto wa = make_window(in, a);
    std::size_t a_off = 0, a_len = 0;
    const bool a_fits = window_fits(a, wa, a_off, a_len);
    Status s = STATUS_SUCCESS;
    switch (kind) {
    case 0:
    case 1: {
        const auto device_offset = static_cast<std::int64_t>(in.edgy(kFileSize));
        s = kind == 0 ? req.format_read(target, a, wa, device_offset) : req.format_write(target, a, wa, device_offset);
        if (!a_fits || device_offset < 0) expect(!s.ok(), "a transfer outside its buffer or file formatted");
        if (s.ok()) {
            const IoOperation& op = req.operation();
            expect(op.type == (kind == 0 ? RequestType::Read : RequestType::Write), "wrong request type");
            expect(op.data == (a ? static_cast<std::byte*>(a->data()) + a_off : nullptr) && op.length == a_len &&
                       op.device_offset == device_offset,
                   "the format does not describe the window asked for");
        }
        break;
    }
    case 2:
    case 3: {  // a device control: in and out buffers, a safe number (2) or any number, never sent (3)
        Ref<Memory> b = make_memory(in, keep);
        const auto wb = make_window(in, b);
        std::size_t b_off = 0, b_len = 0;
        const bool b_fits = window_fits(b, wb, b_off, b_len);
        const std::uint32_t code = kind == 2 ? safe_ioctl(in) : in.take<std::uint32_t>();
        s = req.format_ioctl(target, code, a, wa, b, wb);
        if (!a_fits || !b_fits) expect(!s.ok(), "an ioctl window outside its buffer formatted");
        if (s.ok()) {
            const IoOperation& op = req.operation();
            expect(op.ioctl_code == code && op.input_length == (a ? a_len : 0) && op.output_length == (b ? b_len : 0),
                   "the ioctl format does not describe the windows asked for");
            // The file target's promise: the kernel never reads or writes past a window.
            if (_IOC_DIR(code) & _IOC_READ) expect(op.output_length >= _IOC_SIZE(code), "short output formatted");
            if (_IOC_DIR(code) == _IOC_WRITE) expect(op.input_length >= _IOC_SIZE(code), "short input formatted");
        }
        if (kind == 3 && s.ok()) {
            expect(req.reuse().ok(), "reuse of a formatted request failed");
            return false;
        }
        break;
    }
    case 4:
        s = req.format_internal_ioctl(target, in.take<std::uint32_t>(), a, wa, nullptr, std::nullopt);
        expect(!s.ok(), "an internal ioctl formatted for a file");
        break;
    default:
        s = req.format_internal_ioctl_others(target, in.take<std::uint32_t>(), a, wa, nullptr, std::nullopt, nullptr,
                                             std::nullopt);
        expect(!s.ok(), "an internal ioctl (others) formatted for a file");
        break;
    }
    if (!s.ok()) expect(!req.is_formatted(), "a failed format left the request formatted");
    return s.ok();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    Fixture& f = fixture();
    Verifier::set_mode(VerifierMode::Report);
    FuzzInput in(data, size);
    const int backend = in.flag() ? 1 : 0;
    IoTarget& target = *f.targets[backend];
    auto created = Request::create(target);
    expect(static_cast<bool>(created), "Request::create failed");
    Ref<Request> req = created.value();
    std::vector<std::unique_ptr<std::byte[]>> keep;  // wrapped buffers
    std::vector<std::unique_ptr<Calls>> calls;
    std::vector<int> wanted;
    for (int step = 0; step < 8 && !in.empty(); ++step) {
        if (!format_one(in, *req, target, keep)) continue;
        const SendOptions options = make_options(in);
        calls.push_back(std::make_unique<Calls>());
        req->set_completion(&Calls::routine, calls.back().get());
        const bool accepted = req->send(target, options);
        if (accepted && in.flag()) req->cancel_sent_request();
        wanted.push_back(accepted ? 1 : 0);
        if (!accepted) expect(!req->status().ok(), "a refused send reports success");
        else expect(wait_for(calls.back()->count, 1), "an accepted request's routine never ran");
        expect(calls.back()->count.load() == wanted.back(), "a routine ran for a refused send");
        expect(req->reuse().ok(), "reuse after completion failed");
    }
    // Exactly once, still, once the engine has had time to run any stray second call.
    std::this_thread::sleep_for(std::chrono::microseconds(200));
    for (std::size_t i = 0; i < calls.size(); ++i) {
        expect(calls[i]->count.load() == wanted[i], "a completion routine ran twice");
        expect(calls[i]->consistent.load(), "a routine saw its request outstanding or disagreeing with its params");
    }
    req->delete_object();
    req = nullptr;
    expect(ftruncate(f.fd, kFileSize) == 0, "cannot reset the file's size");
    return 0;
}
