#pragma once
// Elasticsearch versions and the feature gates esmend depends on. Every version check in esmend
// goes through Features, so a gate is changed in one place (../shared/reference/es-apis.md §6).

#include <es_client/error.hpp>

#include <compare>
#include <string>
#include <string_view>

namespace esmend::es_client {

struct Version {
    int major = 0;
    int minor = 0;
    int patch = 0;

    // Parses "8.19.0", "7.17.25", "8.15.0-SNAPSHOT"; the qualifier is ignored.
    [[nodiscard]] static Result<Version> parse(std::string_view text);
    [[nodiscard]] std::string str() const;
    auto operator<=>(const Version&) const = default;
};

struct Features {
    // Composable templates, data streams, _data_stream CRUD and _stats, simulate-index (7.9).
    bool data_streams = false;
    // POST _data_stream/_modify, add/remove backing index (7.16.0).
    bool modify_data_stream = false;
    // mapper_parsing_exception became document_parsing_exception (ES PR#92646, 8.7).
    bool document_parsing_exception = false;
    // POST _create_from/{source}/{dest} with mappings_override (8.18.0).
    bool create_from = false;

    [[nodiscard]] static Features of(const Version& version);

    // The error type a rejected document carries on this version.
    [[nodiscard]] std::string_view document_parsing_error_type() const {
        return document_parsing_exception ? "document_parsing_exception"
                                          : "mapper_parsing_exception";
    }
};

} // namespace esmend::es_client
