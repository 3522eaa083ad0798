// The stack the in-process benchmarks measure: sender → (levels − 1)
// pass-through filters → RAM disk of 1 MiB. Creation failures end the program
// with the status (a benchmark has nothing sensible to do without its stack).
#pragma once
#include <wdfio/wdfio.hpp>

#include <cstdio>
#include <cstdlib>
#include <memory>
#include <vector>

namespace wdfio_bench {

template <class T>
T must(wdfio::Result<T> r, const char* what) {
    if (!r) {
        std::fprintf(stderr, "benchmark set-up: %s: %s\n", what, r.status().to_string().c_str());
        std::exit(1);
    }
    return std::move(r).value();
}

struct PassThroughStack {
    std::unique_ptr<wdfio::RamDisk> disk;
    std::vector<std::unique_ptr<wdfio::PassThroughFilter>> filters;
    std::vector<wdfio::Ref<wdfio::Device>> devices;
    wdfio::Ref<wdfio::IoTarget> top;

    PassThroughStack(wdfio::Engine& engine, int levels, const wdfio::DeviceOptions& disk_options = {}) {
        disk = must(wdfio::RamDisk::create(engine, 1 << 20, disk_options), "RamDisk::create");
        top = must(disk->device().open_target(), "open_target");
        for (int i = 1; i < levels; ++i) {
            filters.push_back(std::make_unique<wdfio::PassThroughFilter>());
            devices.push_back(must(wdfio::Device::create_above(engine, *filters.back(), *top), "Device::create_above"));
            top = must(devices.back()->open_target(), "open_target");
        }
    }
    ~PassThroughStack() {
        top->close();
        for (auto it = devices.rbegin(); it != devices.rend(); ++it) (*it)->remove();
    }
};

}  // namespace wdfio_bench
