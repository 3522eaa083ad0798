/* initguid.h — makes the DEFINE_GUID lines that follow define their GUIDs
 * instead of declaring them (see guiddef.h). Include it before the headers
 * whose GUIDs this translation unit should define, as on Windows. */
#define INITGUID
#include <wdfio/guiddef.h>
