#include "commands/demo_setup.hpp"

#include <fmt/core.h>

#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <system_error>

namespace wdfio::cli {

Checked<std::unique_ptr<TempFile>> TempFile::create(std::uint64_t size) {
    std::error_code ec;
    const std::filesystem::path folder = std::filesystem::temp_directory_path(ec);
    if (ec) return setup_failure("no temporary folder (" + ec.message() + "): set TMPDIR to a writable folder");
    std::string path = (folder / "wdfio-demo-XXXXXX").string();
    const int fd = ::mkstemp(path.data());
    if (fd < 0)
        return setup_failure(fmt::format("cannot create a file in {}: {}; set TMPDIR to a writable folder",
                                         folder.string(), std::strerror(errno)));
    auto file = std::unique_ptr<TempFile>(new TempFile(path));  // removed from here on, whatever happens
    const bool sized = ::ftruncate(fd, static_cast<off_t>(size)) == 0;
    const int err = errno;
    ::close(fd);
    if (!sized) return setup_failure(fmt::format("cannot size {}: {}", path, std::strerror(err)));
    return file;
}

TempFile::~TempFile() { ::unlink(path_.c_str()); }

Checked<std::unique_ptr<DemoSetup>> DemoSetup::create(Engine& engine) {
    auto setup = std::unique_ptr<DemoSetup>(new DemoSetup());
    auto temp = TempFile::create(kFileBytes);
    if (!temp.ok()) return temp.failure();
    setup->temp_ = std::move(temp).value();
    const auto failed = [](const char* what, Status s) {
        return setup_failure(fmt::format("{}: {}", what, s.to_string()));
    };

    auto file = IoTarget::open(engine, setup->file_path());
    if (!file) return failed("cannot open the temporary file", file.status());
    setup->file_ = std::move(file).value();

    // The RAM disk is named, so that it is opened as a client would open any device.
    auto disk = RamDisk::create(engine, kRamBytes, {kRamName});
    if (!disk) return failed("cannot make the RAM disk", disk.status());
    setup->disk_ = std::move(disk).value();
    auto ram = IoTarget::open(engine, kRamName);
    if (!ram) return failed("cannot open the RAM disk", ram.status());
    setup->ram_ = std::move(ram).value();

    // A second way down to the same disk, through a filter that never completes
    // a read: what a hung device looks like, and what timeouts and cancel are for.
    auto lower = setup->disk_->device().open_target();
    if (!lower) return failed("cannot open the RAM disk for the filter", lower.status());
    FaultConfig hold_reads;
    hold_reads.mode = FaultMode::NeverComplete;
    hold_reads.share = 1.0;
    hold_reads.types = FaultTypes::read;
    auto filter = FaultFilter::create(engine, *lower, hold_reads, {kHoldName});
    if (!filter) return failed("cannot make the fault filter", filter.status());
    setup->filter_ = std::move(filter).value();
    auto hold = IoTarget::open(engine, kHoldName);
    if (!hold) return failed("cannot open the fault filter", hold.status());
    setup->hold_ = std::move(hold).value();
    return setup;
}

DemoSetup::~DemoSetup() {
    // Targets first (each close cancels and waits for what is still sent),
    // then the devices from the top, then the file.
    for (Ref<IoTarget>* t : {&hold_, &ram_, &file_})
        if (*t) (*t)->close();
    filter_.reset();
    disk_.reset();
}

}  // namespace wdfio::cli
