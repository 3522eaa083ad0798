// A subcommand of the wdfio program: its CLI11 sub-app, and what runs it once
// the command line has been parsed into the options it registered.
#pragma once
#include <CLI/CLI.hpp>

#include <functional>

namespace wdfio::cli {

// Exit status beyond checked.hpp's: interrupted by Ctrl-C (128 + SIGINT, as a shell reports it).
constexpr int kExitInterrupted = 130;

struct Command {
    CLI::App* app = nullptr;
    std::function<int()> run;  // the exit status
};

Command add_bench_command(CLI::App& app);
Command add_copy_command(CLI::App& app);
Command add_ioctl_command(CLI::App& app);
Command add_demo_command(CLI::App& app);
Command add_trace_command(CLI::App& app);

}  // namespace wdfio::cli
