// --fault MODE:SHARE[:ARG]: where a FaultFilter goes into a bench's RAM-disk
// stack and what it does to the share of requests it hits.
//   fail:SHARE[:STATUS]     complete with STATUS (hex NTSTATUS, default STATUS_IO_DEVICE_ERROR)
//   delay:SHARE:MICROSECONDS
//   short:SHARE:FRACTION    complete with floor(bytes * FRACTION), FRACTION in [0, 1)
// "never" (hold until cancelled) is refused: a timed load would never drain.
#pragma once
#include "checked.hpp"

#include <wdfio/fault_filter.hpp>

#include <string>

namespace wdfio::cli {

Checked<FaultConfig> parse_fault(const std::string& text);

// "fail 10% with STATUS_IO_DEVICE_ERROR (0xC0000185)", for the report.
std::string describe_fault(const FaultConfig& config);

}  // namespace wdfio::cli
