/* The interface of the non-PnP example driver: a control device clients open
 * as \\.\KmdfNonPnp (its symbolic link), and its one ioctl. */
#ifndef NONPNP_H
#define NONPNP_H

#define NONPNP_DEVICE_NAME L"\\Device\\KmdfNonPnp"
#define NONPNP_LINK_NAME   L"\\DosDevices\\KmdfNonPnp"
#define NONPNP_CLIENT_NAME L"\\\\.\\KmdfNonPnp"

/* In: bytes; out: the same bytes in reverse order (at most 256). */
#define IOCTL_NONPNP_REVERSE CTL_CODE(FILE_DEVICE_UNKNOWN, 0x901, METHOD_BUFFERED, FILE_ANY_ACCESS)
#define NONPNP_MAX_BYTES     256

#endif
