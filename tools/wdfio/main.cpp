// wdfio: the command-line program. Subcommands: bench.
#include "bench_command.hpp"
#include "checked.hpp"

#include <CLI/CLI.hpp>

// Bad input is a parse error, caught below, and the commands report failures as
// exit codes; any other exception (out of memory) ends the program through
// std::terminate, which says what it was.
int main(int argc, char** argv) {  // NOLINT(bugprone-exception-escape)
    CLI::App app{"wdfio: the Windows KMDF I/O-request model on Linux io_uring, from the command line"};
    app.require_subcommand(1);
    wdfio::cli::BenchOptions bench_options;
    CLI::App* bench = wdfio::cli::add_bench_command(app, bench_options);
    try {
        app.parse(argc, argv);
    } catch (const CLI::ParseError& e) {
        // --help exits 0; every parse error is bad input (2), whatever CLI11's own code.
        return app.exit(e) == 0 ? 0 : wdfio::cli::kExitBadInput;
    }
    if (bench->parsed()) return wdfio::cli::run_bench(bench_options);
    return wdfio::cli::kExitBadInput;
}
