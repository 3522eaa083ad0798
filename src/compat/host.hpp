// The host: the one engine the C API's objects run on, created on first
// need (or by WdfioHostInitialize) and destroyed by WdfioHostShutdown.
#pragma once
#include "compat/compat.hpp"

namespace wdfio::compat {

// The engine, created if there is none yet; STATUS_INSUFFICIENT_RESOURCES
// if that fails.
Result<Engine*> host_engine();

}  // namespace wdfio::compat
