// Checked<T>: a value, or why the command cannot go on — a message and the
// exit status to leave with (2: the input needs fixing, 1: the run failed,
// 3: the target could not be set up).
#pragma once
#include <string>
#include <utility>
#include <variant>

namespace wdfio::cli {

constexpr int kExitFailed = 1;    // a request failed, or the run could not be carried out
constexpr int kExitBadInput = 2;  // the command line needs fixing
constexpr int kExitSetup = 3;     // the target cannot be created or opened

struct CommandFailure {
    int exit_code = kExitBadInput;
    std::string message;
};

inline CommandFailure bad_input(std::string message) { return {kExitBadInput, std::move(message)}; }
inline CommandFailure run_failure(std::string message) { return {kExitFailed, std::move(message)}; }
inline CommandFailure setup_failure(std::string message) { return {kExitSetup, std::move(message)}; }

template <class T>
class Checked {
public:
    Checked(T value) : v_(std::move(value)) {}                   // NOLINT: implicit by design
    Checked(CommandFailure failure) : v_(std::move(failure)) {}  // NOLINT: implicit by design

    bool ok() const noexcept { return v_.index() == 0; }
    T& value() & { return std::get<0>(v_); }
    T&& value() && { return std::get<0>(std::move(v_)); }
    const CommandFailure& failure() const { return std::get<1>(v_); }

private:
    std::variant<T, CommandFailure> v_;
};

}  // namespace wdfio::cli
