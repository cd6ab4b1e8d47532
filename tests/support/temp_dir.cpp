#include "support/temp_dir.hpp"

#include <cstdlib>
#include <fstream>
#include <stdexcept>

namespace esmend::test {

TempDir::TempDir() {
    std::string pattern = (std::filesystem::temp_directory_path() / "esmend-test-XXXXXX").string();
    if (::mkdtemp(pattern.data()) == nullptr)
        throw std::runtime_error("mkdtemp failed");
    m_path = pattern;
}

TempDir::~TempDir() {
    std::error_code ec;
    std::filesystem::remove_all(m_path, ec);
}

std::string TempDir::write(const std::string& name, const std::string& content) const {
    const auto path = file(name);
    std::ofstream(path, std::ios::binary) << content;
    return path;
}

} // namespace esmend::test
