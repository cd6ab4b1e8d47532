#include <es_client/version.hpp>

#include <charconv>

namespace esmend::es_client {

Result<Version> Version::parse(std::string_view text) {
    Version v;
    int* parts[] = {&v.major, &v.minor, &v.patch};
    const char* p = text.data();
    const char* end = text.data() + text.size();
    for (int i = 0; i < 3; ++i) {
        const auto [next, ec] = std::from_chars(p, end, *parts[i]);
        if (ec != std::errc{}) {
            if (i == 0) {
                return std::unexpected(make_error(ErrorKind::parse, "not a version number: '" +
                                                                        std::string(text) + "'"));
            }
            break;
        }
        p = next;
        if (p == end || *p != '.')
            break;
        ++p;
    }
    return v;
}

std::string Version::str() const {
    return std::to_string(major) + "." + std::to_string(minor) + "." + std::to_string(patch);
}

Features Features::of(const Version& version) {
    Features f;
    f.data_streams = version >= Version{7, 9, 0};
    f.modify_data_stream = version >= Version{7, 16, 0};
    f.document_parsing_exception = version >= Version{8, 7, 0};
    f.create_from = version >= Version{8, 18, 0};
    return f;
}

} // namespace esmend::es_client
