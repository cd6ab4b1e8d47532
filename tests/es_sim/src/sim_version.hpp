#pragma once
// The Elasticsearch version es-sim pretends to be. Behaviour that differs between 7.17 and 8.x is
// decided here and nowhere else.

#include <string>

namespace esmend::es_sim {

struct SimVersion {
    int major = 8;
    int minor = 19;
    int patch = 0;

    [[nodiscard]] std::string number() const {
        return std::to_string(major) + "." + std::to_string(minor) + "." + std::to_string(patch);
    }
    [[nodiscard]] bool at_least(int ma, int mi) const {
        return major > ma || (major == ma && minor >= mi);
    }
    // ES PR#92646 (8.7): per-document parsing failures became document_parsing_exception with a
    // "[line:col] " prefix on the reason; 7.x reports mapper_parsing_exception without the prefix.
    [[nodiscard]] const char* document_parsing_error_type() const {
        return at_least(8, 7) ? "document_parsing_exception" : "mapper_parsing_exception";
    }
    // The rest-api-spec directory whose endpoint definitions apply (shared/fixtures/rest-api-spec).
    [[nodiscard]] const char* spec_version() const { return major >= 8 ? "8.19" : "7.17"; }
};

} // namespace esmend::es_sim
