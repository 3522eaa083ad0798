#include "bench_target.hpp"

#include "fault_spec.hpp"
#include "size_arg.hpp"

#include <wdfio/device.hpp>
#include <wdfio/pass_through.hpp>
#include <wdfio/ram_disk.hpp>

#include <vector>

namespace wdfio::cli {

namespace {

class PathBenchTarget final : public BenchTarget {
public:
    explicit PathBenchTarget(Ref<IoTarget> target) : target_(std::move(target)) {}
    ~PathBenchTarget() override { target_->close(); }
    IoTarget& target() noexcept override { return *target_; }

private:
    Ref<IoTarget> target_;
};

Result<std::unique_ptr<BenchTarget>> open_path(Engine& engine, const StackSpec& spec) {
    // Read-only when the load only reads: a read bench needs no write permission.
    OpenOptions options = spec.writes ? OpenOptions{} : OpenOptions::read_only();
    options.with_direct(spec.direct);
    auto target = IoTarget::open(engine, spec.target.path, options);
    if (!target) return target.status();
    return std::unique_ptr<BenchTarget>(new PathBenchTarget(std::move(target).value()));
}

// RAM disk at the bottom, fault filter above it, pass-through filters on top.
// Only the top device completes on the engine thread (deferred completion):
// completion routines that re-send then never recurse into the stack, and
// they all run on one thread.
class RamStack final : public BenchTarget {
public:
    ~RamStack() override {
        if (top_) top_->close();
        top_ = nullptr;
        for (auto it = filter_devices_.rbegin(); it != filter_devices_.rend(); ++it) (*it)->remove();
        filter_devices_.clear();
        fault_.reset();  // removes its device, then the disk's target below it
        disk_.reset();
    }
    IoTarget& target() noexcept override { return *top_; }

    Status build(Engine& engine, const StackSpec& spec, unsigned index) {
        const unsigned levels = 1 + (spec.fault ? 1 : 0) + spec.filters;
        unsigned level = 0;
        auto options = [&] { return DeviceOptions{{}, QueueDispatch::Parallel, ++level == levels}; };

        auto disk = RamDisk::create(engine, spec.target.ram_bytes, options());
        if (!disk) return disk.status();
        disk_ = std::move(disk).value();
        auto lower = disk_->device().open_target();
        if (!lower) return lower.status();
        Ref<IoTarget> top = std::move(lower).value();

        if (spec.fault) {
            FaultConfig config = *spec.fault;
            config.seed += index;  // repeatable, but not the same draws on every thread
            auto fault = FaultFilter::create(engine, *top, config, options());
            if (!fault) return fault.status();
            fault_ = std::move(fault).value();
            if (Status s = open_above(fault_->device(), top); !s.ok()) return s;
        }
        for (unsigned i = 0; i < spec.filters; ++i) {
            auto driver = std::make_unique<PassThroughFilter>();
            auto device = Device::create_above(engine, *driver, *top, options());
            if (!device) return device.status();
            filters_.push_back(std::move(driver));  // before the device: drivers outlive their devices
            filter_devices_.push_back(device.value());
            if (Status s = open_above(*device, top); !s.ok()) return s;
        }
        top_ = std::move(top);
        return STATUS_SUCCESS;
    }

private:
    // The device's own target replaces `top` (the device took the old one over).
    static Status open_above(Device& device, Ref<IoTarget>& top) {
        auto target = device.open_target();
        if (!target) return target.status();
        top = std::move(target).value();
        return STATUS_SUCCESS;
    }

    // Destroyed in reverse: filter devices (removed in the destructor) before their drivers.
    std::unique_ptr<RamDisk> disk_;
    std::unique_ptr<FaultFilter> fault_;
    std::vector<std::unique_ptr<PassThroughFilter>> filters_;
    std::vector<Ref<Device>> filter_devices_;
    Ref<IoTarget> top_;
};

}  // namespace

Result<std::unique_ptr<BenchTarget>> open_bench_target(Engine& engine, const StackSpec& spec, unsigned index) {
    if (!spec.target.is_ram()) return open_path(engine, spec);
    auto stack = std::make_unique<RamStack>();
    if (Status s = stack->build(engine, spec, index); !s.ok()) return s;
    return std::unique_ptr<BenchTarget>(std::move(stack));
}

std::string describe_stack(const StackSpec& spec) {
    if (!spec.target.is_ram()) return spec.target.path;
    std::string s;
    if (spec.filters) s += std::to_string(spec.filters) + " pass-through filter" + (spec.filters == 1 ? " > " : "s > ");
    if (spec.fault) s += "fault filter (" + describe_fault(*spec.fault) + ") > ";
    return s + "RAM disk " + format_size(spec.target.ram_bytes);
}

}  // namespace wdfio::cli
