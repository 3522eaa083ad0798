// What every compat source sees: the C++ core, then the C API it exports.
// The order matters: wdf.h's STATUS_* macros would otherwise rewrite the
// core's constants of the same name. Below this point, write the macros
// unqualified (STATUS_SUCCESS), never wdfio::STATUS_SUCCESS.
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
