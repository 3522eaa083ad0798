/* One of two translation units that define the same GUID through
 * <initguid.h>: the weak definitions must link, as one object. */
#include "compat_test.h"

#include <wdfio/initguid.h>

DEFINE_GUID(WDFIO_TEST_GUID, 0x12345678, 0x9abc, 0xdef0, 0x01, 0x23, 0x45, 0x67, 0x89, 0xab, 0xcd, 0xef);

const GUID* guid_defined_in_a(void) { return &WDFIO_TEST_GUID; }
