#pragma once
// A JSON document tree that remembers where each token starts, so document-parsing errors can
// carry the "[line:col]" prefix ES takes from Jackson's token location (8.x, ES PR#92646).
// nlohmann::json keeps no positions and loses the raw text of numbers, which ES prints in
// previews, so the mapping engine reads documents with this small parser instead.

#include <cstdint>
#include <expected>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace esmend::es_sim::mapping_detail {

// A token position as Jackson reports it: 1-based line, 1-based column counted in bytes from the
// line start (Jackson's UTF-8 stream parser counts bytes).
struct TokenLocation {
    std::uint32_t line = 1;
    std::uint32_t column = 1;

    [[nodiscard]] std::string text() const {
        return std::to_string(line) + ":" + std::to_string(column);
    }
};

enum class NodeKind : std::uint8_t { object, array, string, number, boolean, null };

struct DocNode {
    NodeKind kind = NodeKind::null;
    // Strings: the decoded UTF-8 text. Numbers: the raw token text ("42.70", "1e3").
    // Booleans: "true" or "false".
    std::string text;
    bool is_float = false; // numbers only: the token has a fraction or an exponent
    TokenLocation start;   // the first character of the token ('{', '[', '"', digit...)
    TokenLocation end;     // containers only: the closing '}' or ']'
    std::vector<std::pair<std::string, DocNode>> members; // objects, in document order
    std::vector<DocNode> items;                           // arrays
};

// Parses one JSON document. The error string is only for diagnostics; the caller has already
// validated the JSON with nlohmann, so failures here are not expected.
[[nodiscard]] std::expected<DocNode, std::string> parse_doc_tree(std::string_view text);

// Parses one JSON object only if nlohmann::json::parse would accept the text too (strict RFC 8259,
// well-formed UTF-8, paired surrogate escapes, finite numbers, an object at the top, no byte-order
// mark). The tree is then identical to parse_doc_tree's. nullopt means "not sure": the caller takes
// its general path (nlohmann's parse with its errors), so this never changes an outcome.
[[nodiscard]] std::optional<DocNode> parse_doc_tree_strict(std::string_view text);

} // namespace esmend::es_sim::mapping_detail
