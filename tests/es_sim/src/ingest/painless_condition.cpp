#include "ingest/painless_condition.hpp"

#include "ingest/java_values.hpp"

#include <algorithm>
#include <cctype>
#include <charconv>
#include <vector>

namespace esmend::es_sim::ingest {

using nlohmann::json;

enum class NodeKind {
    literal,
    ctx,
    field,
    index,
    method,
    unary_not,
    unary_minus,
    binary,
    instance_of
};

struct ConditionNode {
    NodeKind kind = NodeKind::literal;
    json value;             // literal
    std::string name;       // field / method name, binary operator, instanceof type
    bool null_safe = false; // ?. access
    std::size_t offset = 0; // position in the source, for error reports
    std::vector<std::shared_ptr<const ConditionNode>> children; // receiver first, then arguments
};

namespace {

using NodePtr = std::shared_ptr<const ConditionNode>;

enum class TokKind { ident, number, string, op, end };

struct Tok {
    TokKind kind = TokKind::end;
    std::string text;
    json value;
    std::size_t offset = 0;
};

EsError script_error(std::string_view source, std::string reason, std::size_t offset,
                     EsError cause) {
    EsError e(400, "script_exception", std::move(reason));
    e.with("script_stack",
           json::array({std::string(source), std::string(offset, ' ') + "^---- HERE"}));
    e.with("script", std::string(source));
    e.with("lang", "painless");
    e.with("position", json{{"offset", offset}, {"start", 0}, {"end", source.size()}});
    e.because(std::move(cause));
    return e;
}

EsError unsupported(std::string_view source, std::size_t offset, const std::string& what) {
    return script_error(
        source, "compile error", offset,
        EsError(400, "illegal_argument_exception",
                "es-sim does not support the Painless construct [" + what +
                    "]; supported: ctx field access, literals, == != < <= > >= && || !, "
                    "instanceof, contains/startsWith/endsWith/isEmpty/size/length/containsKey"));
}

class Lexer {
public:
    explicit Lexer(std::string_view src) : m_src(src) {}

    std::expected<std::vector<Tok>, EsError> run() {
        std::vector<Tok> out;
        std::size_t i = 0;
        while (i < m_src.size()) {
            const char c = m_src[i];
            if (std::isspace(static_cast<unsigned char>(c))) {
                ++i;
                continue;
            }
            Tok t;
            t.offset = i;
            if (std::isalpha(static_cast<unsigned char>(c)) || c == '_') {
                std::size_t j = i;
                while (j < m_src.size() &&
                       (std::isalnum(static_cast<unsigned char>(m_src[j])) || m_src[j] == '_'))
                    ++j;
                t.kind = TokKind::ident;
                t.text = std::string(m_src.substr(i, j - i));
                i = j;
            } else if (std::isdigit(static_cast<unsigned char>(c))) {
                std::size_t j = i;
                bool is_float = false;
                while (j < m_src.size() &&
                       (std::isdigit(static_cast<unsigned char>(m_src[j])) || m_src[j] == '.')) {
                    if (m_src[j] == '.') {
                        if (j + 1 >= m_src.size() ||
                            !std::isdigit(static_cast<unsigned char>(m_src[j + 1])))
                            break;
                        is_float = true;
                    }
                    ++j;
                }
                const std::string num(m_src.substr(i, j - i));
                if (j < m_src.size() && std::isalpha(static_cast<unsigned char>(m_src[j]))) {
                    return std::unexpected(unsupported(m_src, i, "numeric literal suffix"));
                }
                t.kind = TokKind::number;
                t.text = num;
                if (is_float) {
                    t.value = std::stod(num);
                } else {
                    std::int64_t v = 0;
                    auto res = std::from_chars(num.data(), num.data() + num.size(), v);
                    if (res.ec != std::errc())
                        return std::unexpected(unsupported(m_src, i, num));
                    t.value = v;
                }
                i = j;
            } else if (c == '\'' || c == '"') {
                std::string s;
                std::size_t j = i + 1;
                bool closed = false;
                while (j < m_src.size()) {
                    if (m_src[j] == '\\' && j + 1 < m_src.size()) {
                        s.push_back(m_src[j + 1]);
                        j += 2;
                        continue;
                    }
                    if (m_src[j] == c) {
                        closed = true;
                        break;
                    }
                    s.push_back(m_src[j++]);
                }
                if (!closed) {
                    return std::unexpected(script_error(
                        m_src, "compile error", i,
                        EsError(400, "illegal_argument_exception", "unterminated string literal")));
                }
                t.kind = TokKind::string;
                t.value = s;
                i = j + 1;
            } else {
                static constexpr std::string_view k_ops[] = {
                    "===", "!==", "==", "!=", "<=", ">=", "&&", "||", "?.", "<",
                    ">",   "!",   "(",  ")",  "[",  "]",  ".",  ",",  ";",  "-"};
                bool matched = false;
                for (auto op : k_ops) {
                    if (m_src.substr(i).starts_with(op)) {
                        t.kind = TokKind::op;
                        t.text = std::string(op);
                        i += op.size();
                        matched = true;
                        break;
                    }
                }
                if (!matched)
                    return std::unexpected(unsupported(m_src, i, std::string(1, c)));
            }
            out.push_back(std::move(t));
        }
        Tok end;
        end.offset = m_src.size();
        out.push_back(end);
        return out;
    }

private:
    std::string_view m_src;
};

const std::vector<std::string> k_methods = {
    "contains", "startsWith",       "endsWith",    "isEmpty",     "size", "length", "containsKey",
    "equals",   "equalsIgnoreCase", "toLowerCase", "toUpperCase", "trim", "get"};
const std::vector<std::string> k_types = {"List",       "Map",       "String", "Number",  "Integer",
                                          "Long",       "Double",    "Float",  "Boolean", "Object",
                                          "Collection", "ArrayList", "HashMap"};

class Parser {
public:
    Parser(std::string_view src, std::vector<Tok> toks) : m_src(src), m_toks(std::move(toks)) {}

    std::expected<NodePtr, EsError> parse() {
        if (peek_ident("return"))
            ++m_pos;
        auto e = parse_or();
        if (!e)
            return e;
        if (peek_op(";"))
            ++m_pos;
        if (cur().kind != TokKind::end)
            return std::unexpected(unsupported(m_src, cur().offset, rest_text()));
        return e;
    }

private:
    const Tok& cur() const { return m_toks[m_pos]; }
    bool peek_op(std::string_view op) const {
        return cur().kind == TokKind::op && cur().text == op;
    }
    bool peek_ident(std::string_view id) const {
        return cur().kind == TokKind::ident && cur().text == id;
    }
    std::string rest_text() const {
        return std::string(m_src.substr(std::min(cur().offset, m_src.size())));
    }

    static NodePtr make(NodeKind k, std::size_t off, std::string name = {},
                        std::vector<NodePtr> kids = {}) {
        auto n = std::make_shared<ConditionNode>();
        n->kind = k;
        n->offset = off;
        n->name = std::move(name);
        n->children = std::move(kids);
        return n;
    }

    std::expected<NodePtr, EsError> parse_or() {
        auto left = parse_and();
        if (!left)
            return left;
        while (peek_op("||")) {
            const auto off = cur().offset;
            ++m_pos;
            auto right = parse_and();
            if (!right)
                return right;
            left = make(NodeKind::binary, off, "||", {*left, *right});
        }
        return left;
    }

    std::expected<NodePtr, EsError> parse_and() {
        auto left = parse_equality();
        if (!left)
            return left;
        while (peek_op("&&")) {
            const auto off = cur().offset;
            ++m_pos;
            auto right = parse_equality();
            if (!right)
                return right;
            left = make(NodeKind::binary, off, "&&", {*left, *right});
        }
        return left;
    }

    std::expected<NodePtr, EsError> parse_equality() {
        auto left = parse_relational();
        if (!left)
            return left;
        while (peek_op("==") || peek_op("!=") || peek_op("===") || peek_op("!==")) {
            const auto off = cur().offset;
            std::string op = cur().text;
            ++m_pos;
            auto right = parse_relational();
            if (!right)
                return right;
            left = make(NodeKind::binary, off, op, {*left, *right});
        }
        return left;
    }

    std::expected<NodePtr, EsError> parse_relational() {
        auto left = parse_unary();
        if (!left)
            return left;
        while (true) {
            if (peek_op("<") || peek_op(">") || peek_op("<=") || peek_op(">=")) {
                const auto off = cur().offset;
                std::string op = cur().text;
                ++m_pos;
                auto right = parse_unary();
                if (!right)
                    return right;
                left = make(NodeKind::binary, off, op, {*left, *right});
            } else if (peek_ident("instanceof")) {
                const auto off = cur().offset;
                ++m_pos;
                if (cur().kind != TokKind::ident ||
                    std::find(k_types.begin(), k_types.end(), cur().text) == k_types.end()) {
                    return std::unexpected(
                        unsupported(m_src, cur().offset, "instanceof " + cur().text));
                }
                std::string type = cur().text;
                ++m_pos;
                left = make(NodeKind::instance_of, off, type, {*left});
            } else {
                return left;
            }
        }
    }

    std::expected<NodePtr, EsError> parse_unary() {
        if (peek_op("!")) {
            const auto off = cur().offset;
            ++m_pos;
            auto e = parse_unary();
            if (!e)
                return e;
            return make(NodeKind::unary_not, off, "!", {*e});
        }
        if (peek_op("-")) {
            const auto off = cur().offset;
            ++m_pos;
            auto e = parse_unary();
            if (!e)
                return e;
            return make(NodeKind::unary_minus, off, "-", {*e});
        }
        return parse_postfix();
    }

    std::expected<NodePtr, EsError> parse_postfix() {
        auto e = parse_primary();
        if (!e)
            return e;
        while (true) {
            if (peek_op(".") || peek_op("?.")) {
                const bool null_safe = cur().text == "?.";
                const auto off = cur().offset;
                ++m_pos;
                if (cur().kind != TokKind::ident)
                    return std::unexpected(unsupported(m_src, cur().offset, rest_text()));
                std::string name = cur().text;
                ++m_pos;
                if (peek_op("(")) {
                    if (std::find(k_methods.begin(), k_methods.end(), name) == k_methods.end()) {
                        return std::unexpected(unsupported(m_src, off, "method " + name + "()"));
                    }
                    ++m_pos;
                    std::vector<NodePtr> kids{*e};
                    if (!peek_op(")")) {
                        while (true) {
                            auto arg = parse_or();
                            if (!arg)
                                return arg;
                            kids.push_back(*arg);
                            if (peek_op(",")) {
                                ++m_pos;
                                continue;
                            }
                            break;
                        }
                    }
                    if (!peek_op(")"))
                        return std::unexpected(unsupported(m_src, cur().offset, rest_text()));
                    ++m_pos;
                    auto n = make(NodeKind::method, off, name, std::move(kids));
                    std::const_pointer_cast<ConditionNode>(n)->null_safe = null_safe;
                    e = n;
                } else {
                    auto n = make(NodeKind::field, off, name, {*e});
                    std::const_pointer_cast<ConditionNode>(n)->null_safe = null_safe;
                    e = n;
                }
            } else if (peek_op("[")) {
                const auto off = cur().offset;
                ++m_pos;
                auto idx = parse_or();
                if (!idx)
                    return idx;
                if (!peek_op("]"))
                    return std::unexpected(unsupported(m_src, cur().offset, rest_text()));
                ++m_pos;
                e = make(NodeKind::index, off, "[]", {*e, *idx});
            } else {
                return e;
            }
        }
    }

    std::expected<NodePtr, EsError> parse_primary() {
        const Tok& t = cur();
        if (t.kind == TokKind::number || t.kind == TokKind::string) {
            auto n = make(NodeKind::literal, t.offset);
            std::const_pointer_cast<ConditionNode>(n)->value = t.value;
            ++m_pos;
            return n;
        }
        if (t.kind == TokKind::ident) {
            if (t.text == "true" || t.text == "false" || t.text == "null") {
                auto n = make(NodeKind::literal, t.offset);
                std::const_pointer_cast<ConditionNode>(n)->value =
                    t.text == "null" ? json(nullptr) : json(t.text == "true");
                ++m_pos;
                return n;
            }
            if (t.text == "ctx") {
                ++m_pos;
                return make(NodeKind::ctx, t.offset);
            }
            return std::unexpected(unsupported(m_src, t.offset, t.text));
        }
        if (peek_op("(")) {
            ++m_pos;
            auto e = parse_or();
            if (!e)
                return e;
            if (!peek_op(")"))
                return std::unexpected(unsupported(m_src, cur().offset, rest_text()));
            ++m_pos;
            return e;
        }
        return std::unexpected(
            unsupported(m_src, t.offset, t.kind == TokKind::end ? "end of script" : t.text));
    }

    std::string_view m_src;
    std::vector<Tok> m_toks;
    std::size_t m_pos = 0;
};

class Evaluator {
public:
    Evaluator(std::string_view src, const json& ctx) : m_src(src), m_ctx(ctx) {}

    std::expected<json, EsError> eval(const ConditionNode& n) {
        switch (n.kind) {
        case NodeKind::literal:
            return n.value;
        case NodeKind::ctx:
            return m_ctx;
        case NodeKind::field: {
            auto recv = eval(*n.children[0]);
            if (!recv)
                return recv;
            if (recv->is_null()) {
                if (n.null_safe)
                    return json(nullptr);
                return std::unexpected(npe(n, "cannot access field [" + n.name + "] of null"));
            }
            if (recv->is_object()) {
                auto it = recv->find(n.name);
                return it == recv->end() ? json(nullptr) : *it;
            }
            if (recv->is_array() && n.name == "length")
                return json(recv->size());
            return std::unexpected(runtime(n, EsError(400, "illegal_argument_exception",
                                                      "dynamic getter [" + java_class_name(*recv) +
                                                          ", " + n.name + "] not found")));
        }
        case NodeKind::index: {
            auto recv = eval(*n.children[0]);
            if (!recv)
                return recv;
            auto idx = eval(*n.children[1]);
            if (!idx)
                return idx;
            if (recv->is_null())
                return std::unexpected(npe(n, "cannot index null"));
            if (recv->is_object()) {
                if (!idx->is_string())
                    return json(nullptr);
                auto it = recv->find(idx->get<std::string>());
                return it == recv->end() ? json(nullptr) : *it;
            }
            if (recv->is_array() && idx->is_number_integer()) {
                const auto i = idx->get<std::int64_t>();
                if (i < 0 || static_cast<std::size_t>(i) >= recv->size()) {
                    return std::unexpected(runtime(n, EsError(400, "index_out_of_bounds_exception",
                                                              "Index " + std::to_string(i) +
                                                                  " out of bounds for length " +
                                                                  std::to_string(recv->size()))));
                }
                return (*recv)[static_cast<std::size_t>(i)];
            }
            return std::unexpected(
                runtime(n, EsError(400, "class_cast_exception",
                                   "cannot index a [" + java_class_name(*recv) + "]")));
        }
        case NodeKind::method:
            return call(n);
        case NodeKind::unary_not: {
            auto v = eval(*n.children[0]);
            if (!v)
                return v;
            if (!v->is_boolean())
                return std::unexpected(cast_error(n, *v, "java.lang.Boolean"));
            return json(!v->get<bool>());
        }
        case NodeKind::unary_minus: {
            auto v = eval(*n.children[0]);
            if (!v)
                return v;
            if (v->is_number_integer())
                return json(-v->get<std::int64_t>());
            if (v->is_number())
                return json(-v->get<double>());
            return std::unexpected(cast_error(n, *v, "java.lang.Number"));
        }
        case NodeKind::instance_of: {
            auto v = eval(*n.children[0]);
            if (!v)
                return v;
            const std::string& t = n.name;
            bool r = false;
            if (t == "Object")
                r = !v->is_null();
            else if (t == "List" || t == "ArrayList" || t == "Collection")
                r = v->is_array();
            else if (t == "Map" || t == "HashMap")
                r = v->is_object();
            else if (t == "String")
                r = v->is_string();
            else if (t == "Boolean")
                r = v->is_boolean();
            else if (t == "Number")
                r = v->is_number();
            else if (t == "Double")
                r = v->is_number_float();
            else if (t == "Float")
                r = false;
            else
                r = java_class_name(*v) == "java.lang." + t;
            return json(r);
        }
        case NodeKind::binary:
            return binary(n);
        }
        return json(nullptr);
    }

private:
    EsError runtime(const ConditionNode& n, EsError cause) {
        return script_error(m_src, "runtime error", n.offset, std::move(cause));
    }
    EsError npe(const ConditionNode& n, std::string reason) {
        return runtime(n, EsError(400, "null_pointer_exception", std::move(reason)));
    }
    EsError cast_error(const ConditionNode& n, const json& v, const std::string& to) {
        return runtime(n, EsError(400, "class_cast_exception",
                                  "Cannot cast " + java_class_name(v) + " to " + to));
    }

    static bool numbers_equal(const json& a, const json& b) {
        if (a.is_number_float() || b.is_number_float())
            return a.get<double>() == b.get<double>();
        return a == b;
    }

    static bool painless_equals(const json& a, const json& b) {
        if (a.is_number() && b.is_number())
            return numbers_equal(a, b);
        return a == b;
    }

    std::expected<json, EsError> binary(const ConditionNode& n) {
        const std::string& op = n.name;
        auto l = eval(*n.children[0]);
        if (!l)
            return l;
        if (op == "&&" || op == "||") {
            if (!l->is_boolean())
                return std::unexpected(cast_error(n, *l, "java.lang.Boolean"));
            const bool lb = l->get<bool>();
            if (op == "&&" && !lb)
                return json(false);
            if (op == "||" && lb)
                return json(true);
            auto r = eval(*n.children[1]);
            if (!r)
                return r;
            if (!r->is_boolean())
                return std::unexpected(cast_error(n, *r, "java.lang.Boolean"));
            return json(r->get<bool>());
        }
        auto r = eval(*n.children[1]);
        if (!r)
            return r;
        if (op == "==")
            return json(painless_equals(*l, *r));
        if (op == "!=")
            return json(!painless_equals(*l, *r));
        if (op == "===")
            return json(*l == *r);
        if (op == "!==")
            return json(!(*l == *r));
        if (!l->is_number() || !r->is_number()) {
            if (l->is_null() || r->is_null())
                return std::unexpected(npe(n, "cannot compare null with [" + op + "]"));
            return std::unexpected(cast_error(n, l->is_number() ? *r : *l, "java.lang.Number"));
        }
        const double a = l->get<double>();
        const double b = r->get<double>();
        if (op == "<")
            return json(a < b);
        if (op == "<=")
            return json(a <= b);
        if (op == ">")
            return json(a > b);
        return json(a >= b);
    }

    std::expected<json, EsError> call(const ConditionNode& n) {
        auto recv = eval(*n.children[0]);
        if (!recv)
            return recv;
        std::vector<json> args;
        for (std::size_t i = 1; i < n.children.size(); ++i) {
            auto a = eval(*n.children[i]);
            if (!a)
                return a;
            args.push_back(std::move(*a));
        }
        if (recv->is_null()) {
            if (n.null_safe)
                return json(nullptr);
            return std::unexpected(npe(n, "cannot invoke [" + n.name + "] on null"));
        }
        const std::string& m = n.name;
        const auto arity = args.size();
        const auto not_found = [&] {
            return std::unexpected(
                runtime(n, EsError(400, "illegal_argument_exception",
                                   "dynamic method [" + java_class_name(*recv) + ", " + m + "/" +
                                       std::to_string(arity) + "] not found")));
        };
        if (recv->is_string()) {
            const auto& s = recv->get_ref<const std::string&>();
            if (arity == 0) {
                if (m == "isEmpty")
                    return json(s.empty());
                if (m == "length")
                    return json(s.size());
                if (m == "trim") {
                    std::size_t b = 0;
                    std::size_t e = s.size();
                    while (b < e && static_cast<unsigned char>(s[b]) <= ' ')
                        ++b;
                    while (e > b && static_cast<unsigned char>(s[e - 1]) <= ' ')
                        --e;
                    return json(s.substr(b, e - b));
                }
                if (m == "toLowerCase" || m == "toUpperCase") {
                    std::string out = s;
                    for (auto& c : out) {
                        c = static_cast<char>(m == "toLowerCase"
                                                  ? std::tolower(static_cast<unsigned char>(c))
                                                  : std::toupper(static_cast<unsigned char>(c)));
                    }
                    return json(out);
                }
            }
            if (arity == 1) {
                if (m == "equals")
                    return json(*recv == args[0]);
                if (!args[0].is_string()) {
                    if (args[0].is_null())
                        return std::unexpected(npe(n, "argument of [" + m + "] is null"));
                    return std::unexpected(cast_error(n, args[0], "java.lang.String"));
                }
                const auto& a = args[0].get_ref<const std::string&>();
                if (m == "contains")
                    return json(s.find(a) != std::string::npos);
                if (m == "startsWith")
                    return json(s.starts_with(a));
                if (m == "endsWith")
                    return json(s.ends_with(a));
                if (m == "equalsIgnoreCase") {
                    return json(s.size() == a.size() &&
                                std::equal(s.begin(), s.end(), a.begin(), [](char x, char y) {
                                    return std::tolower(static_cast<unsigned char>(x)) ==
                                           std::tolower(static_cast<unsigned char>(y));
                                }));
                }
            }
            return not_found();
        }
        if (recv->is_array()) {
            if (arity == 0 && m == "isEmpty")
                return json(recv->empty());
            if (arity == 0 && (m == "size" || m == "length"))
                return json(recv->size());
            if (arity == 1 && m == "contains") {
                // List.contains uses equals(): an Integer never equals a Double.
                return json(std::any_of(recv->begin(), recv->end(),
                                        [&](const json& v) { return v == args[0]; }));
            }
            if (arity == 1 && m == "equals")
                return json(*recv == args[0]);
            if (arity == 1 && m == "get" && args[0].is_number_integer()) {
                const auto i = args[0].get<std::int64_t>();
                if (i < 0 || static_cast<std::size_t>(i) >= recv->size()) {
                    return std::unexpected(runtime(n, EsError(400, "index_out_of_bounds_exception",
                                                              "Index " + std::to_string(i) +
                                                                  " out of bounds for length " +
                                                                  std::to_string(recv->size()))));
                }
                return (*recv)[static_cast<std::size_t>(i)];
            }
            return not_found();
        }
        if (recv->is_object()) {
            if (arity == 0 && m == "isEmpty")
                return json(recv->empty());
            if (arity == 0 && m == "size")
                return json(recv->size());
            if (arity == 1 && m == "containsKey")
                return json(args[0].is_string() && recv->contains(args[0].get<std::string>()));
            if (arity == 1 && m == "get") {
                if (!args[0].is_string())
                    return json(nullptr);
                auto it = recv->find(args[0].get<std::string>());
                return it == recv->end() ? json(nullptr) : *it;
            }
            if (arity == 1 && m == "equals")
                return json(*recv == args[0]);
            return not_found();
        }
        if (arity == 1 && m == "equals")
            return json(painless_equals(*recv, args[0]) && recv->type() == args[0].type());
        return not_found();
    }

    std::string_view m_src;
    const json& m_ctx;
};

} // namespace

std::expected<Condition, EsError> Condition::compile(std::string_view source) {
    auto toks = Lexer(source).run();
    if (!toks)
        return std::unexpected(toks.error());
    auto root = Parser(source, std::move(*toks)).parse();
    if (!root)
        return std::unexpected(root.error());
    Condition c;
    c.m_source = std::string(source);
    c.m_root = *root;
    return c;
}

std::expected<bool, EsError> Condition::evaluate(const json& ctx) const {
    Evaluator ev(m_source, ctx);
    auto v = ev.eval(*m_root);
    if (!v)
        return std::unexpected(v.error());
    if (!v->is_boolean()) {
        return std::unexpected(
            script_error(m_source, "runtime error", 0,
                         EsError(400, "class_cast_exception",
                                 "Cannot cast " + java_class_name(*v) + " to java.lang.Boolean")));
    }
    return v->get<bool>();
}

} // namespace esmend::es_sim::ingest
