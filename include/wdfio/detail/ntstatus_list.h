/* The NTSTATUS values wdfio uses, with their Windows names and numbers: the
 * one list that the C constants (ntstatus.h), the C++ constants
 * (ntstatus.hpp) and Status::name() are all expanded from, so no value is
 * written twice. X(name, value); values are the unsigned 32-bit patterns of
 * ntstatus.h and wdfstatus.h. Preprocessor only: usable from C and C++. */
#ifndef WDFIO_DETAIL_NTSTATUS_LIST_H
#define WDFIO_DETAIL_NTSTATUS_LIST_H

#define WDFIO_NTSTATUS_LIST(X)                              \
    X(STATUS_SUCCESS, 0x00000000)                           \
    X(STATUS_TIMEOUT, 0x00000102)                           \
    X(STATUS_PENDING, 0x00000103)                           \
    X(STATUS_OBJECT_NAME_EXISTS, 0x40000000)                \
    X(STATUS_WDF_QUEUED, 0x40200000)                        \
    X(STATUS_BUFFER_OVERFLOW, 0x80000005)                   \
    X(STATUS_DEVICE_BUSY, 0x80000011)                       \
    X(STATUS_NO_MORE_ENTRIES, 0x8000001A)                   \
    X(STATUS_UNSUCCESSFUL, 0xC0000001)                      \
    X(STATUS_NOT_IMPLEMENTED, 0xC0000002)                   \
    X(STATUS_INFO_LENGTH_MISMATCH, 0xC0000004)              \
    X(STATUS_ACCESS_VIOLATION, 0xC0000005)                  \
    X(STATUS_INVALID_HANDLE, 0xC0000008)                    \
    X(STATUS_INVALID_PARAMETER, 0xC000000D)                 \
    X(STATUS_NO_SUCH_DEVICE, 0xC000000E)                    \
    X(STATUS_INVALID_DEVICE_REQUEST, 0xC0000010)            \
    X(STATUS_END_OF_FILE, 0xC0000011)                       \
    X(STATUS_NO_MEMORY, 0xC0000017)                         \
    X(STATUS_ACCESS_DENIED, 0xC0000022)                     \
    X(STATUS_BUFFER_TOO_SMALL, 0xC0000023)                  \
    X(STATUS_OBJECT_NAME_INVALID, 0xC0000033)               \
    X(STATUS_OBJECT_NAME_NOT_FOUND, 0xC0000034)             \
    X(STATUS_OBJECT_NAME_COLLISION, 0xC0000035)             \
    X(STATUS_OBJECT_PATH_NOT_FOUND, 0xC000003A)             \
    X(STATUS_DELETE_PENDING, 0xC0000056)                    \
    X(STATUS_DISK_FULL, 0xC000007F)                         \
    X(STATUS_INTEGER_OVERFLOW, 0xC0000095)                  \
    X(STATUS_INSUFFICIENT_RESOURCES, 0xC000009A)            \
    X(STATUS_MEDIA_WRITE_PROTECTED, 0xC00000A2)             \
    X(STATUS_DEVICE_NOT_READY, 0xC00000A3)                  \
    X(STATUS_IO_TIMEOUT, 0xC00000B5)                        \
    X(STATUS_FILE_IS_A_DIRECTORY, 0xC00000BA)               \
    X(STATUS_NOT_SUPPORTED, 0xC00000BB)                     \
    X(STATUS_DEVICE_DOES_NOT_EXIST, 0xC00000C0)             \
    X(STATUS_REQUEST_NOT_ACCEPTED, 0xC00000D0)              \
    X(STATUS_INTERNAL_ERROR, 0xC00000E5)                    \
    X(STATUS_INVALID_PARAMETER_4, 0xC00000F2)               \
    X(STATUS_NOT_A_DIRECTORY, 0xC0000103)                   \
    X(STATUS_TOO_MANY_OPENED_FILES, 0xC000011F)             \
    X(STATUS_CANCELLED, 0xC0000120)                         \
    X(STATUS_PIPE_BROKEN, 0xC000014B)                       \
    X(STATUS_DRIVER_INTERNAL_ERROR, 0xC0000183)             \
    X(STATUS_INVALID_DEVICE_STATE, 0xC0000184)              \
    X(STATUS_IO_DEVICE_ERROR, 0xC0000185)                   \
    X(STATUS_INVALID_BUFFER_SIZE, 0xC0000206)               \
    X(STATUS_CONNECTION_RESET, 0xC000020D)                  \
    X(STATUS_NOT_FOUND, 0xC0000225)                         \
    X(STATUS_CONNECTION_REFUSED, 0xC0000236)                \
    X(STATUS_FILE_TOO_LARGE, 0xC0000904)                    \
    X(STATUS_WDF_PAUSED, 0xC0200203)                        \
    X(STATUS_WDF_BUSY, 0xC0200204)                          \
    X(STATUS_WDF_IO_TIMEOUT_NOT_SENT, 0xC0200205)           \
    X(STATUS_WDF_DEVICE_REMOVED_NOT_SENT, 0xC0200206)       \
    X(STATUS_WDF_REQUEST_INVALID_STATE, 0xC0200208)         \
    X(STATUS_WDF_OBJECT_ATTRIBUTES_INVALID, 0xC0200209)     \
    X(STATUS_WDF_NO_CALLBACK, 0xC020020B)                   \
    X(STATUS_WDF_INCOMPATIBLE_EXECUTION_LEVEL, 0xC020020C)  \
    X(STATUS_WDF_PARENT_ALREADY_ASSIGNED, 0xC020020D)       \
    X(STATUS_WDF_PARENT_ASSIGNMENT_NOT_ALLOWED, 0xC020020F) \
    X(STATUS_WDF_SYNCHRONIZATION_SCOPE_INVALID, 0xC0200210) \
    X(STATUS_WDF_EXECUTION_LEVEL_INVALID, 0xC0200211)       \
    X(STATUS_WDF_PARENT_NOT_SPECIFIED, 0xC0200212)

#endif /* WDFIO_DETAIL_NTSTATUS_LIST_H */
