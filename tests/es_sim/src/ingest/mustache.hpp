#pragma once
// The mustache templates ingest processors accept in field names and values (ES ValueSource /
// TemplateScript). es-sim supports variable tags only: {{path}} (JSON-escaped, ES's default
// encoder for ingest templates is the JSON one), {{{path}}} and {{&path}} (raw). A path is looked
// up in the document's ctx (source + metadata) and under "_ingest."; a missing value renders as
// the empty string. Sections, partials and other tag kinds are refused at validation time.

#include "ingest/field_access.hpp"

#include <expected>
#include <string>
#include <string_view>

namespace esmend::es_sim::ingest {

// True if the text contains a mustache tag and so must be rendered (ES isTemplate check: "{{").
[[nodiscard]] bool is_template(std::string_view text);

// Checks that the template uses only the tags es-sim renders.
[[nodiscard]] std::expected<void, std::string> validate_template(std::string_view text);

// How {{ }} values are escaped: ES CustomMustacheFactory's encoders, picked by the set/append
// processors' media_type (application/json by default, text/plain,
// application/x-www-form-urlencoded).
enum class TemplateEncoding { json_text, plain_text, url };

// Renders a template against the document.
[[nodiscard]] std::string render_template(std::string_view text, const WorkDoc& doc,
                                          TemplateEncoding encoding = TemplateEncoding::json_text);

} // namespace esmend::es_sim::ingest
