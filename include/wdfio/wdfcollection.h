/* wdfcollection.h — collections of object handles, as KMDF's
 * wdfcollection.h (driver spec §9.1): a list that references each object it
 * holds, duplicates allowed, safe to use from several threads. */
#ifndef WDFIO_WDFCOLLECTION_H
#define WDFIO_WDFCOLLECTION_H

#include <wdfio/ntdef.h>
#include <wdfio/wdfobject.h>
#include <wdfio/wdftypes.h>

#pragma GCC visibility push(default)  // what the public headers declare is the ABI (the rest is hidden)

#ifdef __cplusplus
extern "C" {
#endif

/* Attributes as any object's (no level, no scope). */
NTSTATUS WdfCollectionCreate(PWDF_OBJECT_ATTRIBUTES CollectionAttributes, WDFCOLLECTION* Collection);
ULONG WdfCollectionGetCount(WDFCOLLECTION Collection);
/* Appends Object and takes a reference on it (so it stays valid, deleted or
 * not, until removed or the collection is destroyed). */
NTSTATUS WdfCollectionAdd(WDFCOLLECTION Collection, WDFOBJECT Object);
/* Removes the first entry of Object, or the entry at Index, and drops its
 * reference. Not there: a verifier report, nothing removed. */
VOID WdfCollectionRemove(WDFCOLLECTION Collection, WDFOBJECT Item);
VOID WdfCollectionRemoveItem(WDFCOLLECTION Collection, ULONG Index);
/* The entry at Index (from 0), the first or the last; NULL when there is none. */
WDFOBJECT WdfCollectionGetItem(WDFCOLLECTION Collection, ULONG Index);
WDFOBJECT WdfCollectionGetFirstItem(WDFCOLLECTION Collection);
WDFOBJECT WdfCollectionGetLastItem(WDFCOLLECTION Collection);

#ifdef __cplusplus
} /* extern "C" */
#endif

#pragma GCC visibility pop
#endif /* WDFIO_WDFCOLLECTION_H */
