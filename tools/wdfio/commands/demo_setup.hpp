// What `wdfio demo` runs on, made with the public API only: a temporary file,
// an in-process RAM disk opened by its name, and a fault filter above that
// RAM disk which holds every read until it is cancelled (so that timeouts
// and cancels have something to act on). Taken down in reverse, the file
// removed, whatever way the demo ends.
#pragma once
#include "checked.hpp"

#include <wdfio/engine.hpp>
#include <wdfio/fault_filter.hpp>
#include <wdfio/io_target.hpp>
#include <wdfio/ram_disk.hpp>

#include <cstdint>
#include <memory>
#include <string>

namespace wdfio::cli {

// A file made with mkstemp in $TMPDIR (or /tmp), removed by the destructor.
class TempFile {
public:
    static Checked<std::unique_ptr<TempFile>> create(std::uint64_t size);
    ~TempFile();
    TempFile(const TempFile&) = delete;
    TempFile& operator=(const TempFile&) = delete;
    const std::string& path() const noexcept { return path_; }

private:
    explicit TempFile(std::string path) : path_(std::move(path)) {}
    std::string path_;
};

class DemoSetup {
public:
    static constexpr std::uint64_t kFileBytes = 64 * 1024;
    static constexpr std::uint64_t kRamBytes = 1024 * 1024;
    static constexpr const char* kRamName = "\\Device\\WdfioDemoRam";
    static constexpr const char* kHoldName = "\\Device\\WdfioDemoHold";

    // Failures are set-up failures (exit 3): no temporary folder, no memory.
    static Checked<std::unique_ptr<DemoSetup>> create(Engine& engine);
    ~DemoSetup();  // closes the targets, removes the devices, then the file
    DemoSetup(const DemoSetup&) = delete;
    DemoSetup& operator=(const DemoSetup&) = delete;

    const std::string& file_path() const noexcept { return temp_->path(); }
    IoTarget& file() noexcept { return *file_; }
    IoTarget& ram() noexcept { return *ram_; }    // the RAM disk, opened by its name
    IoTarget& hold() noexcept { return *hold_; }  // the fault filter above it
    FaultFilter& filter() noexcept { return *filter_; }

private:
    DemoSetup() = default;

    // Declared in build order, destroyed in reverse (the destructor closes the targets first).
    std::unique_ptr<TempFile> temp_;
    Ref<IoTarget> file_;
    std::unique_ptr<RamDisk> disk_;
    Ref<IoTarget> ram_;
    std::unique_ptr<FaultFilter> filter_;
    Ref<IoTarget> hold_;
};

}  // namespace wdfio::cli
