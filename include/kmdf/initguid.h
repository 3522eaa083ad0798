/* <initguid.h> for driver sources: the DEFINE_GUID lines after it define
 * their GUIDs (wdfio/initguid.h). No include guard, as the WDK's has none. */
#include <wdfio/initguid.h>
#include <wdfio/msvc.h>
