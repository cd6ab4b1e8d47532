#include "support/certificates.hpp"

#include <gtest/gtest.h>

#include <cstdlib>

namespace esmend::test {

namespace {
void sh(const std::string& command) {
    const int rc = std::system((command + " >/dev/null 2>&1").c_str());
    ASSERT_EQ(rc, 0) << "failed: " << command;
}
} // namespace

TestPki make_test_pki(const TempDir& dir) {
    const auto d = dir.path().string();
    TestPki pki{d + "/ca.pem", d + "/server.pem", d + "/server.key", d + "/client.pem",
                d + "/client.key"};
    sh("openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj /CN=esmend-test-ca -keyout " + d +
       "/ca.key -out " + pki.ca_cert);
    sh("openssl req -newkey rsa:2048 -nodes -subj /CN=127.0.0.1 -keyout " + pki.server_key +
       " -out " + d + "/server.csr");
    dir.write("server.ext", "subjectAltName=IP:127.0.0.1,DNS:localhost\n");
    sh("openssl x509 -req -days 2 -in " + d + "/server.csr -CA " + pki.ca_cert + " -CAkey " + d +
       "/ca.key -CAcreateserial -extfile " + d + "/server.ext -out " + pki.server_cert);
    sh("openssl req -newkey rsa:2048 -nodes -subj /CN=esmend-client -keyout " + pki.client_key +
       " -out " + d + "/client.csr");
    sh("openssl x509 -req -days 2 -in " + d + "/client.csr -CA " + pki.ca_cert + " -CAkey " + d +
       "/ca.key -CAcreateserial -out " + pki.client_cert);
    return pki;
}

} // namespace esmend::test
