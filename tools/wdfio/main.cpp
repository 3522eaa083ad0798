// wdfio: the command-line program. Subcommands: bench, copy, ioctl, demo, trace (commands/).
#include "checked.hpp"
#include "commands/command.hpp"

#include <CLI/CLI.hpp>
#include <fmt/core.h>

#include <string>
#include <string_view>
#include <vector>

#ifndef WDFIO_VERSION_STRING
#define WDFIO_VERSION_STRING "unknown"
#endif

namespace {
std::string command_names(const std::vector<wdfio::cli::Command>& commands) {
    std::string names;
    for (const auto& c : commands) names += (names.empty() ? "" : ", ") + c.app->get_name();
    return names;
}

// CLI11 calls a stray word "not expected"; say that it is not a command.
bool unknown_command(int argc, char** argv, const std::vector<wdfio::cli::Command>& commands) {
    if (argc < 2 || argv[1][0] == '-') return false;
    const std::string_view word = argv[1];
    for (const auto& c : commands)
        if (c.app->get_name() == word) return false;
    fmt::print(stderr, "wdfio: '{}' is not a command; the commands are {} (wdfio --help says what each does)\n", word,
               command_names(commands));
    return true;
}
}  // namespace

// Bad input is a parse error, caught below, and the commands report failures as
// exit codes; any other exception (out of memory) ends the program through
// std::terminate, which says what it was.
int main(int argc, char** argv) {  // NOLINT(bugprone-exception-escape)
    CLI::App app{"wdfio: the Windows KMDF I/O-request model on Linux io_uring, from the command line"};
    app.set_version_flag("--version", std::string("wdfio ") + WDFIO_VERSION_STRING);
    // One line per parse error, as for every other refusal.
    app.failure_message([](const CLI::App*, const CLI::Error& e) {
        return fmt::format("wdfio: {} (add --help for the options)\n", e.what());
    });
    const std::vector<wdfio::cli::Command> commands = {
        wdfio::cli::add_bench_command(app), wdfio::cli::add_copy_command(app), wdfio::cli::add_ioctl_command(app),
        wdfio::cli::add_demo_command(app), wdfio::cli::add_trace_command(app)};
    if (unknown_command(argc, argv, commands)) return wdfio::cli::kExitBadInput;
    try {
        app.parse(argc, argv);
    } catch (const CLI::ParseError& e) {
        // --help and --version exit 0; every parse error is bad input (2), whatever CLI11's own code.
        return app.exit(e) == 0 ? 0 : wdfio::cli::kExitBadInput;
    }
    for (const auto& c : commands)
        if (c.app->parsed()) return c.run();
    fmt::print(stderr, "wdfio: give a command: {} (wdfio --help says what each does)\n", command_names(commands));
    return wdfio::cli::kExitBadInput;
}
