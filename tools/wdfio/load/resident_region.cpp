#include "resident_region.hpp"

#include <fcntl.h>
#include <sys/mman.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <vector>

namespace wdfio::cli {

std::unique_ptr<ResidentRegion> ResidentRegion::pin(const std::string& path, std::uint64_t bytes) {
    const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        std::fprintf(stderr, "warning: cannot open %s to keep it cached: %s\n", path.c_str(), std::strerror(errno));
        return nullptr;
    }
    void* map = mmap(nullptr, bytes, PROT_READ, MAP_SHARED, fd, 0);
    const int map_err = errno;
    ::close(fd);  // the mapping keeps the file
    if (map == MAP_FAILED) {
        std::fprintf(stderr, "warning: cannot map %s to keep it cached: %s\n", path.c_str(), std::strerror(map_err));
        return nullptr;
    }
    if (mlock(map, bytes) != 0)
        std::fprintf(stderr, "warning: cannot lock %s in memory (%s): cached reads may go to the device\n",
                     path.c_str(), std::strerror(errno));
    return std::unique_ptr<ResidentRegion>(new ResidentRegion(path, map, bytes));
}

ResidentRegion::~ResidentRegion() { munmap(map_, bytes_); }

long ResidentRegion::nonresident_pages() const {
    const long page = sysconf(_SC_PAGESIZE);
    std::vector<unsigned char> vec((bytes_ + page - 1) / page);
    if (mincore(map_, bytes_, vec.data()) != 0) return -1;
    return std::count_if(vec.begin(), vec.end(), [](unsigned char v) { return (v & 1) == 0; });
}

void ResidentRegion::warn_if_not_resident(const char* run) const {
    const long missing = nonresident_pages();
    if (missing < 0)
        std::fprintf(stderr, "warning: mincore on %s failed (%s): residency before the %s run unknown\n", path_.c_str(),
                     std::strerror(errno), run);
    else if (missing > 0)
        std::fprintf(stderr, "warning: %ld pages of %s not resident before the %s run: reads may go to the device\n",
                     missing, path_.c_str(), run);
}

}  // namespace wdfio::cli
