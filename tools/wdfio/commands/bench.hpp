// `wdfio bench`: an fio-like load through wdfio's asynchronous sends.
#pragma once
#include "commands/command.hpp"
#include "load_plan.hpp"

#include <CLI/CLI.hpp>

#include <string>

namespace wdfio::cli {

struct BenchOptions {
    std::string target;
    LoadArgs load;
    std::string size;  // --size, empty if not given
    long long filters = 0;
    std::string fault;  // --fault, empty if not given
    bool json = false;
    bool compare_raw = false;
    bool force = false;
    std::string time;  // --time, with units
    bool continue_on_error = false;
    bool quiet = false;
    std::string trace;  // --trace FILE (FILE.1, ... for the other threads' engines)
};

// Exit status: 0 done, 1 a request failed, 2 the input needs fixing, 3 the
// target could not be set up, 130 interrupted (partial results printed).
int run_bench(const BenchOptions& options);

}  // namespace wdfio::cli
