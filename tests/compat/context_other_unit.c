/* A second translation unit that declares the same context types (see
 * context_types.h): lookups from here find the areas made there. */
#include "context_types.h"

DISK_CONTEXT* disk_context_from_other_unit(WDFOBJECT object) { return GetDiskContext(object); }
