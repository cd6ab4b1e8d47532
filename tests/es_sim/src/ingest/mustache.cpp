#include "ingest/mustache.hpp"

#include "ingest/java_values.hpp"

#include <cctype>
#include <cstdio>

namespace esmend::es_sim::ingest {

using nlohmann::json;

namespace {

struct Tag {
    std::size_t begin = 0; // offset of the opening braces
    std::size_t end = 0;   // offset after the closing braces
    std::string name;
    bool raw = false;
    char kind = 0; // 0 for a variable, else the sigil (#, ^, /, >, !, =)
};

std::string trim(std::string_view s) {
    std::size_t b = 0;
    std::size_t e = s.size();
    while (b < e && (s[b] == ' ' || s[b] == '\t'))
        ++b;
    while (e > b && (s[e - 1] == ' ' || s[e - 1] == '\t'))
        --e;
    return std::string(s.substr(b, e - b));
}

// Finds the next tag at or after `from`; returns false when there is none or it is unterminated.
bool next_tag(std::string_view text, std::size_t from, Tag& tag, bool& unterminated) {
    unterminated = false;
    const auto open = text.find("{{", from);
    if (open == std::string_view::npos)
        return false;
    tag = Tag{};
    tag.begin = open;
    if (open + 2 < text.size() && text[open + 2] == '{') {
        const auto close = text.find("}}}", open + 3);
        if (close == std::string_view::npos) {
            unterminated = true;
            return false;
        }
        tag.name = trim(text.substr(open + 3, close - open - 3));
        tag.raw = true;
        tag.end = close + 3;
        return true;
    }
    const auto close = text.find("}}", open + 2);
    if (close == std::string_view::npos) {
        unterminated = true;
        return false;
    }
    std::string inner = trim(text.substr(open + 2, close - open - 2));
    if (!inner.empty() && std::string_view("#^/>!=&").find(inner[0]) != std::string_view::npos) {
        if (inner[0] == '&') {
            tag.raw = true;
        } else {
            tag.kind = inner[0];
        }
        inner = trim(std::string_view(inner).substr(1));
    }
    tag.name = inner;
    tag.end = close + 2;
    return true;
}

// Jackson's JsonStringEncoder.quoteAsString, which ES's JSON mustache encoder applies.
std::string json_escape(std::string_view s) {
    std::string out;
    for (char ch : s) {
        const auto c = static_cast<unsigned char>(ch);
        switch (ch) {
        case '"':
            out += "\\\"";
            break;
        case '\\':
            out += "\\\\";
            break;
        case '\n':
            out += "\\n";
            break;
        case '\r':
            out += "\\r";
            break;
        case '\t':
            out += "\\t";
            break;
        case '\b':
            out += "\\b";
            break;
        case '\f':
            out += "\\f";
            break;
        default:
            if (c < 0x20) {
                char buf[8];
                std::snprintf(buf, sizeof buf, "\\u%04X", static_cast<unsigned>(c));
                out += buf;
            } else {
                out.push_back(ch);
            }
        }
    }
    return out;
}

// java.net.URLEncoder.encode(s, UTF_8): letters, digits and ".-*_" stay, space becomes '+'.
std::string url_encode(std::string_view s) {
    std::string out;
    for (char ch : s) {
        const auto c = static_cast<unsigned char>(ch);
        if (std::isalnum(c) || ch == '.' || ch == '-' || ch == '*' || ch == '_') {
            out.push_back(ch);
        } else if (ch == ' ') {
            out.push_back('+');
        } else {
            char buf[4];
            std::snprintf(buf, sizeof buf, "%%%02X", static_cast<unsigned>(c));
            out += buf;
        }
    }
    return out;
}

std::string lookup(const WorkDoc& doc, const std::string& name) {
    if (name == "_ingest.timestamp" && doc.ingest.contains("timestamp")) {
        return java_zoned_date_time_string(doc.timestamp_millis);
    }
    if (name == ".")
        return "";
    // Mustache resolves dotted names one step at a time; a missing step renders nothing.
    const json* context = nullptr;
    std::string_view rest = name;
    // ES IngestDocument's template model: ctx, plus "_source" (ctx again) and "_ingest".
    if (rest.starts_with("_ingest.")) {
        context = &doc.ingest;
        rest.remove_prefix(8);
    } else if (rest.starts_with("_source.")) {
        context = &doc.ctx;
        rest.remove_prefix(8);
    } else {
        context = &doc.ctx;
    }
    std::size_t start = 0;
    while (true) {
        const auto dot = rest.find('.', start);
        const std::string el(rest.substr(
            start, dot == std::string_view::npos ? std::string_view::npos : dot - start));
        if (context->is_object()) {
            auto it = context->find(el);
            if (it == context->end())
                return "";
            context = &*it;
        } else if (context->is_array()) {
            std::size_t idx = 0;
            try {
                idx = std::stoul(el);
            } catch (...) {
                return "";
            }
            if (idx >= context->size())
                return "";
            context = &(*context)[idx];
        } else {
            return "";
        }
        if (dot == std::string_view::npos)
            break;
        start = dot + 1;
    }
    if (context->is_null())
        return "";
    return java_to_string(*context);
}

} // namespace

bool is_template(std::string_view text) {
    return text.find("{{") != std::string_view::npos;
}

std::expected<void, std::string> validate_template(std::string_view text) {
    std::size_t from = 0;
    Tag tag;
    bool unterminated = false;
    while (next_tag(text, from, tag, unterminated)) {
        if (tag.kind != 0 && tag.kind != '!') {
            return std::unexpected("es-sim supports only mustache variable tags, not [{{" +
                                   std::string(1, tag.kind) + tag.name + "}}]");
        }
        from = tag.end;
    }
    if (unterminated)
        return std::unexpected("Improperly closed variable in template [" + std::string(text) +
                               "]");
    return {};
}

std::string render_template(std::string_view text, const WorkDoc& doc, TemplateEncoding encoding) {
    std::string out;
    std::size_t from = 0;
    Tag tag;
    bool unterminated = false;
    while (next_tag(text, from, tag, unterminated)) {
        out.append(text.substr(from, tag.begin - from));
        if (tag.kind == 0) {
            const std::string value = lookup(doc, tag.name);
            if (tag.raw || encoding == TemplateEncoding::plain_text) {
                out += value;
            } else {
                out += encoding == TemplateEncoding::json_text ? json_escape(value)
                                                               : url_encode(value);
            }
        }
        from = tag.end;
    }
    out.append(text.substr(from));
    return out;
}

} // namespace esmend::es_sim::ingest
