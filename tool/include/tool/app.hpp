#pragma once

namespace esmend {
namespace es_client {
struct Error;
}
} // namespace esmend

namespace esmend::tool {

// Documented exit codes (README, "Exit codes").
enum class ExitCode : int {
    ok = 0,
    failed = 1, // findings, or the operation failed
    usage = 2,  // bad usage or configuration
    resumable = 3,
    interrupted = 130,
};

// Maps an error to the documented exit code: config errors are usage errors (2), cancellation is
// an interruption (130), everything else a failure (1).
ExitCode exit_code_for(const es_client::Error& error);

// The whole CLI: parses arguments, runs one subcommand, and is the only place exceptions stop.
int run(int argc, char** argv);

} // namespace esmend::tool
