#include "filter_path.hpp"

#include "engine.hpp"

#include <optional>
#include <string>
#include <vector>

namespace esmend::es_sim {

namespace {

using Pattern = std::vector<std::string>;
// A pattern with the number of segments already consumed.
using State = std::pair<const Pattern*, std::size_t>;

std::vector<Pattern> parse_patterns(std::string_view spec, bool exclusions) {
    std::vector<Pattern> out;
    std::size_t start = 0;
    while (start <= spec.size()) {
        auto comma = spec.find(',', start);
        if (comma == std::string_view::npos)
            comma = spec.size();
        std::string item(spec.substr(start, comma - start));
        start = comma + 1;
        if (item.empty() || item.starts_with("-") != exclusions)
            continue;
        if (exclusions)
            item.erase(0, 1);
        Pattern p;
        std::size_t s = 0;
        while (s <= item.size()) {
            auto dot = item.find('.', s);
            if (dot == std::string::npos)
                dot = item.size();
            p.push_back(item.substr(s, dot - s));
            s = dot + 1;
        }
        out.push_back(std::move(p));
    }
    return out;
}

// Advances the states over one object key; returns whether some pattern is now complete.
bool step(const std::vector<State>& states, const std::string& key, std::vector<State>& next) {
    bool complete = false;
    for (const auto& [pattern, pos] : states) {
        const auto& seg = (*pattern)[pos];
        if (seg == "**") {
            // '**' may match zero levels (try the next segment) or swallow this key and stay.
            next.emplace_back(pattern, pos);
            if (pos + 1 < pattern->size() && simple_match((*pattern)[pos + 1], key)) {
                if (pos + 2 == pattern->size())
                    complete = true;
                else
                    next.emplace_back(pattern, pos + 2);
            }
            continue;
        }
        if (!simple_match(seg, key))
            continue;
        if (pos + 1 == pattern->size())
            complete = true;
        else
            next.emplace_back(pattern, pos + 1);
    }
    return complete;
}

std::optional<nlohmann::json> include(const nlohmann::json& node,
                                      const std::vector<State>& states) {
    if (node.is_array()) {
        nlohmann::json out = nlohmann::json::array();
        for (const auto& element : node)
            if (auto kept = include(element, states))
                out.push_back(std::move(*kept));
        if (out.empty())
            return std::nullopt;
        return out;
    }
    if (!node.is_object())
        return std::nullopt;
    nlohmann::json out = nlohmann::json::object();
    for (const auto& [key, value] : node.items()) {
        std::vector<State> next;
        if (step(states, key, next)) {
            out[key] = value;
            continue;
        }
        if (next.empty())
            continue;
        if (auto kept = include(value, next))
            out[key] = std::move(*kept);
    }
    if (out.empty())
        return std::nullopt;
    return out;
}

void exclude(nlohmann::json& node, const std::vector<State>& states) {
    if (node.is_array()) {
        for (auto& element : node)
            exclude(element, states);
        return;
    }
    if (!node.is_object())
        return;
    std::vector<std::string> drop;
    for (auto& [key, value] : node.items()) {
        std::vector<State> next;
        if (step(states, key, next))
            drop.push_back(key);
        else if (!next.empty())
            exclude(value, next);
    }
    for (const auto& key : drop)
        node.erase(key);
}

} // namespace

nlohmann::json apply_filter_path(const nlohmann::json& body, std::string_view filter_path) {
    const auto includes = parse_patterns(filter_path, false);
    const auto excludes = parse_patterns(filter_path, true);
    nlohmann::json out = body;
    if (!includes.empty()) {
        std::vector<State> states;
        for (const auto& p : includes)
            states.emplace_back(&p, 0);
        auto kept = include(body, states);
        out = kept ? std::move(*kept) : nlohmann::json::object();
    }
    if (!excludes.empty()) {
        std::vector<State> states;
        for (const auto& p : excludes)
            states.emplace_back(&p, 0);
        exclude(out, states);
    }
    return out;
}

} // namespace esmend::es_sim
