#include <wdfio/detail/ntstatus_list.h>
#include <wdfio/status.hpp>

#include <cerrno>
#include <cstdio>
#include <ostream>

namespace wdfio {

const char* Status::name() const noexcept {
    switch (static_cast<std::uint32_t>(value_)) {
#define WDFIO_NAME_CASE(name, value) \
    case value: return #name;
        WDFIO_NTSTATUS_LIST(WDFIO_NAME_CASE)
#undef WDFIO_NAME_CASE
    default: return nullptr;
    }
}

std::string Status::to_string() const {
    char hex[16];
    std::snprintf(hex, sizeof hex, "0x%08X", static_cast<unsigned>(value_));
    const char* n = name();
    return n ? std::string(n) + " (" + hex + ")" : std::string(hex);
}

Status Status::from_errno(int err) noexcept {
    switch (err) {
    case 0: return STATUS_SUCCESS;
    case EIO: return STATUS_IO_DEVICE_ERROR;
    case ENOENT: return STATUS_OBJECT_NAME_NOT_FOUND;
    case EACCES:
    case EPERM: return STATUS_ACCESS_DENIED;
    case ENOTTY: return STATUS_INVALID_DEVICE_REQUEST;
    case ENOSPC:
    case EDQUOT: return STATUS_DISK_FULL;
    case EINVAL:
    case ESPIPE: return STATUS_INVALID_PARAMETER;
    case ENOMEM: return STATUS_INSUFFICIENT_RESOURCES;
    case ECANCELED:
    case EINTR: return STATUS_CANCELLED;  // EINTR: only wdfio's own cancel signal interrupts
    case ETIMEDOUT: return STATUS_IO_TIMEOUT;
    case EBADF: return STATUS_INVALID_HANDLE;
    case EFAULT: return STATUS_ACCESS_VIOLATION;
    case EEXIST: return STATUS_OBJECT_NAME_COLLISION;
    case EISDIR: return STATUS_FILE_IS_A_DIRECTORY;
    case ENOTDIR: return STATUS_NOT_A_DIRECTORY;
    case ENAMETOOLONG:
    case ELOOP: return STATUS_OBJECT_NAME_INVALID;
    case EROFS: return STATUS_MEDIA_WRITE_PROTECTED;
    case ENODEV: return STATUS_NO_SUCH_DEVICE;
    case ENXIO: return STATUS_DEVICE_DOES_NOT_EXIST;
    case EBUSY: return STATUS_DEVICE_BUSY;
    case EAGAIN: return STATUS_DEVICE_NOT_READY;
    case EMFILE:
    case ENFILE: return STATUS_TOO_MANY_OPENED_FILES;
    case ENOSYS: return STATUS_NOT_IMPLEMENTED;
    case EOPNOTSUPP: return STATUS_NOT_SUPPORTED;
    case EPIPE: return STATUS_PIPE_BROKEN;
    case ECONNRESET: return STATUS_CONNECTION_RESET;
    case ECONNREFUSED: return STATUS_CONNECTION_REFUSED;
    case EFBIG:
    case EOVERFLOW: return STATUS_FILE_TOO_LARGE;
    default: return STATUS_UNSUCCESSFUL;
    }
}

std::ostream& operator<<(std::ostream& os, Status s) { return os << s.to_string(); }

namespace {
class NtstatusCategory final : public std::error_category {
public:
    const char* name() const noexcept override { return "ntstatus"; }
    std::string message(int value) const override { return Status(value).to_string(); }
};
}  // namespace

const std::error_category& ntstatus_category() noexcept {
    static const NtstatusCategory category;
    return category;
}

std::error_code make_error_code(Status s) noexcept { return {s.value(), ntstatus_category()}; }

}  // namespace wdfio
