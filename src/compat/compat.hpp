// What every compat source sees: the C++ core, then the C API it exports.
#pragma once
#include <wdfio/device.hpp>
#include <wdfio/engine.hpp>
#include <wdfio/fault_filter.hpp>
#include <wdfio/io_target.hpp>
#include <wdfio/log.hpp>
#include <wdfio/memory.hpp>
#include <wdfio/ram_disk.hpp>
#include <wdfio/request.hpp>
#include <wdfio/send_options.hpp>
#include <wdfio/status.hpp>

#include <wdfio/wdf.h>
