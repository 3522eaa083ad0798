/* ntlist.h — the doubly linked LIST_ENTRY and singly linked
 * SINGLE_LIST_ENTRY helpers of the WDK's wdm.h (InitializeListHead,
 * InsertTailList, RemoveHeadList, PushEntryList, ...), inline. A list head
 * is a LIST_ENTRY that points at itself when the list is empty; entries are
 * embedded in the caller's structures (CONTAINING_RECORD finds them). The
 * WDK's forms check the links and fail fast on a corrupted list; these do
 * not check. */
#ifndef WDFIO_NTLIST_H
#define WDFIO_NTLIST_H

#include <wdfio/ntdef.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef struct _SINGLE_LIST_ENTRY {
    struct _SINGLE_LIST_ENTRY* Next;
} SINGLE_LIST_ENTRY, *PSINGLE_LIST_ENTRY;

static inline void InitializeListHead(PLIST_ENTRY ListHead) { ListHead->Flink = ListHead->Blink = ListHead; }

static inline BOOLEAN IsListEmpty(const LIST_ENTRY* ListHead) { return ListHead->Flink == ListHead; }

static inline void InsertHeadList(PLIST_ENTRY ListHead, PLIST_ENTRY Entry) {
    PLIST_ENTRY first = ListHead->Flink;
    Entry->Flink = first;
    Entry->Blink = ListHead;
    first->Blink = Entry;
    ListHead->Flink = Entry;
}

static inline void InsertTailList(PLIST_ENTRY ListHead, PLIST_ENTRY Entry) {
    PLIST_ENTRY last = ListHead->Blink;
    Entry->Flink = ListHead;
    Entry->Blink = last;
    last->Flink = Entry;
    ListHead->Blink = Entry;
}

/* TRUE when the list the entry was on is empty afterwards. */
static inline BOOLEAN RemoveEntryList(PLIST_ENTRY Entry) {
    PLIST_ENTRY next = Entry->Flink;
    PLIST_ENTRY previous = Entry->Blink;
    previous->Flink = next;
    next->Blink = previous;
    return next == previous;
}

/* An empty list returns its head, as on Windows. */
static inline PLIST_ENTRY RemoveHeadList(PLIST_ENTRY ListHead) {
    PLIST_ENTRY entry = ListHead->Flink;
    RemoveEntryList(entry);
    return entry;
}

static inline PLIST_ENTRY RemoveTailList(PLIST_ENTRY ListHead) {
    PLIST_ENTRY entry = ListHead->Blink;
    RemoveEntryList(entry);
    return entry;
}

/* Appends the list that ListToAppend heads (its first entry, the rest
 * following) to ListHead's tail: ListToAppend is an entry, not a head. */
static inline void AppendTailList(PLIST_ENTRY ListHead, PLIST_ENTRY ListToAppend) {
    PLIST_ENTRY last = ListHead->Blink;
    last->Flink = ListToAppend;
    ListHead->Blink = ListToAppend->Blink;
    ListToAppend->Blink->Flink = ListHead;
    ListToAppend->Blink = last;
}

static inline void PushEntryList(PSINGLE_LIST_ENTRY ListHead, PSINGLE_LIST_ENTRY Entry) {
    Entry->Next = ListHead->Next;
    ListHead->Next = Entry;
}

/* NULL when the list is empty. */
static inline PSINGLE_LIST_ENTRY PopEntryList(PSINGLE_LIST_ENTRY ListHead) {
    PSINGLE_LIST_ENTRY first = ListHead->Next;
    if (first) ListHead->Next = first->Next;
    return first;
}

#ifdef __cplusplus
} /* extern "C" */
#endif

#endif /* WDFIO_NTLIST_H */
