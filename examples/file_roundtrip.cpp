// The main example: write and read back a temporary file through wdfio,
// asynchronously with completion routines and synchronously, and show what
// the statuses look like. `make run` runs this.
#include <wdfio/wdfio.hpp>

#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <unistd.h>

using namespace wdfio;

int main() {
    Engine engine;
    std::printf("engine backend: %s\n", to_string(engine.backend()));

    char path[] = "/tmp/wdfio-example-XXXXXX";
    const int fd = mkstemp(path);
    if (fd < 0) return 1;
    ::close(fd);

    auto file = IoTarget::open(engine, path);
    if (!file) {
        std::fprintf(stderr, "open %s: %s\n", path, file.status().to_string().c_str());
        return 1;
    }
    std::printf("opened %s: state %s\n", path, to_string(file->state()));

    constexpr std::size_t kBlock = 4096;
    constexpr int kBlocks = 8;
    auto out = Memory::allocate(kBlock * kBlocks);
    auto in = Memory::allocate(kBlock * kBlocks);
    for (std::size_t i = 0; i < out->size(); ++i) static_cast<unsigned char*>(out->data())[i] = i * 7 % 251;

    // Synchronous write of the whole buffer with a helper.
    std::uint64_t written = 0;
    Status st = send_write_synchronously(*file, nullptr, *out, {}, 0, {}, &written);
    std::printf("send_write_synchronously: %s, %llu bytes\n", st.to_string().c_str(),
                static_cast<unsigned long long>(written));

    // Asynchronous reads, one request per block, completion routines on the engine thread.
    std::atomic<int> done{0};
    std::atomic<std::uint64_t> bytes{0};
    Ref<Request> requests[kBlocks];
    for (int i = 0; i < kBlocks; ++i) {
        requests[i] = Request::create(*file).value();
        requests[i]->format_read(*file, *in, MemoryOffset{i * kBlock, kBlock}, static_cast<std::int64_t>(i * kBlock));
        requests[i]->set_completion([&](Request&, IoTarget&, const CompletionParams& p) {
            bytes += p.read.length;
            done.fetch_add(1);
            done.notify_one();
        });
        if (!requests[i]->send(*file)) std::printf("send refused: %s\n", requests[i]->status().to_string().c_str());
    }
    for (int n = done.load(); n < kBlocks; n = done.load()) done.wait(n);
    std::printf("%d asynchronous reads completed, %llu bytes, data %s\n", kBlocks,
                static_cast<unsigned long long>(bytes.load()),
                std::memcmp(in->data(), out->data(), out->size()) == 0 ? "matches" : "DIFFERS");

    // A read past the end of the file.
    auto& r = *requests[0];
    r.reuse();
    r.format_read(*file, *in, MemoryOffset{0, kBlock}, kBlock * kBlocks);
    r.send(*file, SendOptions::synchronous());
    std::printf("read past the end: %s, information %llu\n", r.status().to_string().c_str(),
                static_cast<unsigned long long>(r.information()));

    // A bad window: offset + length past the buffer.
    st = r.format_read(*file, *in, MemoryOffset{kBlock * kBlocks, 1}, 0);
    std::printf("format with a window past the buffer: %s\n", st.to_string().c_str());

    // An ioctl the file does not answer.
    auto size_out = Memory::allocate(8);
    st = send_ioctl_synchronously(*file, nullptr, 0x80081272 /* BLKGETSIZE64 */, {}, {}, *size_out, {});
    std::printf("BLKGETSIZE64 on a regular file: %s\n", st.to_string().c_str());

    file->close();
    std::printf("closed: state %s\n", to_string(file->state()));
    ::unlink(path);
    return 0;
}
