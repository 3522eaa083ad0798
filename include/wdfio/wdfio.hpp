// Umbrella header: the whole C++ API.
#pragma once
#include <wdfio/awaitable.hpp>
#include <wdfio/completion_params.hpp>
#include <wdfio/device.hpp>
#include <wdfio/engine.hpp>
#include <wdfio/fan_out.hpp>
#include <wdfio/io_target.hpp>
#include <wdfio/log.hpp>
#include <wdfio/memory.hpp>
#include <wdfio/ntstatus.hpp>
#include <wdfio/object.hpp>
#include <wdfio/queue.hpp>
#include <wdfio/request.hpp>
#include <wdfio/result.hpp>
#include <wdfio/send_options.hpp>
#include <wdfio/status.hpp>
#include <wdfio/verifier.hpp>
