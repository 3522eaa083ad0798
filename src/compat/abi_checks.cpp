// Compile-time proof that the C view matches the core: the C enums and flags
// carry the core's numbers (the shim converts them with plain casts). The
// NTSTATUS values need no check: C and C++ expand the same list.
#include "compat/compat.hpp"

namespace wdfio::compat {

static_assert(WdfRequestTypeRead == static_cast<int>(RequestType::Read));
static_assert(WdfRequestTypeWrite == static_cast<int>(RequestType::Write));
static_assert(WdfRequestTypeDeviceControl == static_cast<int>(RequestType::DeviceControl));
static_assert(WdfRequestTypeDeviceControlInternal == static_cast<int>(RequestType::DeviceControlInternal));
static_assert(WdfRequestTypeOther == static_cast<int>(RequestType::Other));
static_assert(WdfRequestTypeNoFormat == static_cast<int>(RequestType::NoFormat));

static_assert(WdfIoTargetStarted == static_cast<int>(IoTargetState::Started));
static_assert(WdfIoTargetStopped == static_cast<int>(IoTargetState::Stopped));
static_assert(WdfIoTargetClosedForQueryRemove == static_cast<int>(IoTargetState::ClosedForQueryRemove));
static_assert(WdfIoTargetClosed == static_cast<int>(IoTargetState::Closed));
static_assert(WdfIoTargetDeleted == static_cast<int>(IoTargetState::Deleted));
static_assert(WdfIoTargetPurged == static_cast<int>(IoTargetState::Purged));

static_assert(WdfIoTargetCancelSentIo == static_cast<int>(SentIoAction::Cancel));
static_assert(WdfIoTargetWaitForSentIoToComplete == static_cast<int>(SentIoAction::WaitForComplete));
static_assert(WdfIoTargetLeaveSentIoPending == static_cast<int>(SentIoAction::LeavePending));
static_assert(WdfIoTargetPurgeIoAndWait == static_cast<int>(PurgeIoAction::PurgeAndWait));
static_assert(WdfIoTargetPurgeIo == static_cast<int>(PurgeIoAction::Purge));

static_assert(unsigned{WDF_REQUEST_SEND_OPTION_TIMEOUT} == unsigned{SEND_OPTION_TIMEOUT});
static_assert(unsigned{WDF_REQUEST_SEND_OPTION_SYNCHRONOUS} == unsigned{SEND_OPTION_SYNCHRONOUS});
static_assert(unsigned{WDF_REQUEST_SEND_OPTION_IGNORE_TARGET_STATE} == unsigned{SEND_OPTION_IGNORE_TARGET_STATE});
static_assert(unsigned{WDF_REQUEST_SEND_OPTION_SEND_AND_FORGET} == unsigned{SEND_OPTION_SEND_AND_FORGET});
static_assert(unsigned{WDF_REQUEST_REUSE_NO_FLAGS} == unsigned{REUSE_NO_FLAGS});

static_assert(WdfioFaultFail == static_cast<int>(FaultMode::Fail));
static_assert(WdfioFaultDelay == static_cast<int>(FaultMode::Delay));
static_assert(WdfioFaultShort == static_cast<int>(FaultMode::Short));
static_assert(WdfioFaultNeverComplete == static_cast<int>(FaultMode::NeverComplete));
static_assert(WDFIO_FAULT_TYPE_READ == FaultTypes::read);
static_assert(WDFIO_FAULT_TYPE_WRITE == FaultTypes::write);
static_assert(WDFIO_FAULT_TYPE_DEVICE_CONTROL == FaultTypes::device_control);
static_assert(WDFIO_FAULT_TYPE_INTERNAL == FaultTypes::internal);
static_assert(WDFIO_FAULT_TYPE_OTHERS == FaultTypes::others);
static_assert(WDFIO_FAULT_TYPE_ALL == FaultTypes::all);

// KMDF's timeout helpers agree with the core's.
static_assert(sizeof(LONGLONG) == sizeof(std::int64_t) && sizeof(ULONG_PTR) == sizeof(void*));

}  // namespace wdfio::compat
