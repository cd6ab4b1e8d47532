#pragma once
// The Painless subset es-sim evaluates for a processor's "if" condition. ES compiles the condition
// with Painless when the pipeline is stored; es-sim parses it then too and refuses, with a
// script_exception, anything outside this subset instead of guessing a truth value.
//
// Supported (Painless semantics, ES IngestConditionalScript with a read-only ctx):
//   literals      'str' "str" 12 1.5 true false null
//   ctx access    ctx.a.b  ctx?.a  ctx.a?.b  ctx['a']  ctx.a[0]
//   operators     == != === !== < <= > >= && || ! unary - and parentheses
//   instanceof    x instanceof List | Map | String | Number | Integer | Long | Double | Boolean |
//   Object methods       contains(x) startsWith(s) endsWith(s) isEmpty() size() length()
//   containsKey(k)
//                 equals(x) equalsIgnoreCase(s) toLowerCase() toUpperCase() trim()
//   an optional leading "return" and trailing ";".
// Errors while evaluating (a field or method on null without ?., comparing non-numbers with <)
// are runtime script_exceptions, as in ES.

#include "es_error.hpp"

#include <nlohmann/json.hpp>

#include <expected>
#include <memory>
#include <string>
#include <string_view>

namespace esmend::es_sim::ingest {

struct ConditionNode;

class Condition {
public:
    // Parses `source`; the error is ES's compile-time script_exception shape.
    [[nodiscard]] static std::expected<Condition, EsError> compile(std::string_view source);

    // Evaluates against ctx (source plus metadata). A non-boolean result is a runtime error.
    [[nodiscard]] std::expected<bool, EsError> evaluate(const nlohmann::json& ctx) const;

    [[nodiscard]] const std::string& source() const { return m_source; }

private:
    std::string m_source;
    std::shared_ptr<const ConditionNode> m_root;
};

} // namespace esmend::es_sim::ingest
