/* What the echo driver and its clients share: its name, how much data it
 * keeps, and how long it holds a read that finds none. */
#ifndef ECHO_H
#define ECHO_H

#define ECHO_DEVICE_NAME     L"\\Device\\KmdfEcho"
#define ECHO_MAX_DATA        4096
#define ECHO_READ_TIMEOUT_MS 150

#endif
