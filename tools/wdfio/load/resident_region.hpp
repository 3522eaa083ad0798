// ResidentRegion: the first bytes of a regular file held in the page cache for
// a buffered read load (mmap + mlock), because a memory reclaimer on these
// machines evicts idle page cache within a minute or two; mincore tells
// whether it is all there before each run.
#pragma once
#include <cstdint>
#include <memory>
#include <string>

namespace wdfio::cli {

class ResidentRegion {
public:
    // Maps and locks; a failure to lock is a warning (the run goes on), a
    // failure to map gives nullptr after a warning.
    static std::unique_ptr<ResidentRegion> pin(const std::string& path, std::uint64_t bytes);
    ~ResidentRegion();
    ResidentRegion(const ResidentRegion&) = delete;
    ResidentRegion& operator=(const ResidentRegion&) = delete;

    // Prints a warning line to stderr if some pages are not in memory before `run`.
    void warn_if_not_resident(const char* run) const;

private:
    ResidentRegion(std::string path, void* map, std::uint64_t bytes)
        : path_(std::move(path)), map_(map), bytes_(bytes) {}
    long nonresident_pages() const;  // -1 if mincore failed

    std::string path_;
    void* map_;
    std::uint64_t bytes_;
};

}  // namespace wdfio::cli
