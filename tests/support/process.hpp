#pragma once
// Runs a program to completion with captured stdout and stderr, for CLI tests.

#include <map>
#include <string>
#include <vector>

namespace esmend::test {

struct ProcessResult {
    int exit_code = -1; // 128 + signal number when killed by a signal
    std::string out;
    std::string err;
};

// `env` entries are added to (or, with an empty value, removed from) a copy of this process's
// environment. The child's stdin is /dev/null.
ProcessResult run_process(const std::vector<std::string>& argv,
                          const std::map<std::string, std::string>& env = {});

} // namespace esmend::test
