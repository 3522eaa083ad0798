/* What the RAM-disk driver and its clients share: its name, size and ioctl. */
#ifndef RAMDISK_H
#define RAMDISK_H

#define RAMDISK_DEVICE_NAME    L"\\Device\\KmdfRamDisk"
#define RAMDISK_SIZE           (1024 * 1024)
#define IOCTL_RAMDISK_GET_SIZE CTL_CODE(FILE_DEVICE_DISK, 0x800, METHOD_BUFFERED, FILE_READ_ACCESS)

#endif
