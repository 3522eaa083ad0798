// Getting a path ready for a bench: its kind and size, creating and filling a
// regular file that does not exist (or is empty), and the write-safety rule.
#pragma once
#include "checked.hpp"

#include <cstdint>
#include <optional>
#include <string>

namespace wdfio::cli {

struct PathTarget {
    std::string path;
    bool block_device = false;
    bool created = false;            // created or filled by this command: writes need no --force
    std::uint64_t region_bytes = 0;  // the part of it the load uses
};

struct PathRequest {
    std::string path;
    std::optional<std::uint64_t> size;  // --size
    bool writes = false;                // the load writes
    bool force = false;                 // --force
};

// A regular file or block device, sized; a missing or empty regular file is
// created with --size bytes of data (required then). Writing to anything
// that holds data needs --force (exit 2 otherwise).
Checked<PathTarget> prepare_path_target(const PathRequest& request);

// The end of a write load or a copy: what was written to path reaches the
// device (fsync, on a regular file or a block device alike; nothing for a
// special file that does not synchronise). err is 0, or the errno of the open
// or the fsync, and message says which.
struct FlushOutcome {
    int err = 0;
    std::string message;
};
FlushOutcome flush_path(const std::string& path);

}  // namespace wdfio::cli
