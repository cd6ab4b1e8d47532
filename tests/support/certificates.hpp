#pragma once
// Test PKI made by openssl during the test run: a CA, a server certificate for 127.0.0.1 signed
// by it, and a client certificate signed by it.

#include "support/temp_dir.hpp"

#include <string>

namespace esmend::test {

struct TestPki {
    std::string ca_cert;
    std::string server_cert;
    std::string server_key;
    std::string client_cert;
    std::string client_key;
};

// Generates the files in `dir`; fails the current test if openssl fails.
TestPki make_test_pki(const TempDir& dir);

} // namespace esmend::test
