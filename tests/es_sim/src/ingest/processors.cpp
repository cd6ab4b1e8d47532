// The processors es-sim implements, each following its ES class in modules/ingest-common (named in
// the comment above it): option parsing in the factory's order with ES's configuration errors,
// then the execution and its error texts.

#include "ingest/date_format.hpp"
#include "ingest/java_values.hpp"
#include "ingest/mustache.hpp"
#include "ingest/pipeline.hpp"

#include <arpa/inet.h>
#include <regex.h>

#include <algorithm>
#include <cctype>
#include <charconv>
#include <cmath>
#include <cstdlib>
#include <functional>
#include <limits>

namespace esmend::es_sim::ingest {

using nlohmann::json;

namespace {

using LeafResult = std::expected<Flow, Failure>;

Failure fail(EsError e) {
    return Failure{std::move(e), false, {}, {}, {}};
}
std::unexpected<Failure> failure(EsError e) {
    return std::unexpected(fail(std::move(e)));
}

// Reads and removes options from a processor's configuration (ES ConfigurationUtils).
class Options {
public:
    Options(const std::string& type, const std::optional<std::string>& tag, json& config)
        : m_type(type), m_tag(tag), m_config(config) {}

    const std::optional<std::string>& tag() const { return m_tag; }

    EsError error(const std::string& property, const std::string& reason) const {
        return config_error(m_type, m_tag, property, reason);
    }

    std::optional<json> take(const char* key) {
        auto it = m_config.find(key);
        if (it == m_config.end())
            return std::nullopt;
        json v = *it;
        m_config.erase(it);
        if (v.is_null())
            return std::nullopt;
        return v;
    }

    std::expected<std::string, EsError> required_string(const char* key) {
        auto v = take(key);
        if (!v)
            return std::unexpected(error(key, "required property is missing"));
        if (!v->is_string())
            return std::unexpected(not_a(key, "string", *v));
        return v->get<std::string>();
    }

    std::expected<std::optional<std::string>, EsError> optional_string(const char* key) {
        auto v = take(key);
        if (!v)
            return std::optional<std::string>{};
        if (!v->is_string())
            return std::unexpected(not_a(key, "string", *v));
        return std::optional<std::string>{v->get<std::string>()};
    }

    std::expected<bool, EsError> boolean(const char* key, bool def) {
        auto v = take(key);
        if (!v)
            return def;
        if (!v->is_boolean())
            return std::unexpected(not_a(key, "boolean", *v));
        return v->get<bool>();
    }

    std::expected<json, EsError> required_object(const char* key) {
        auto v = take(key);
        if (!v)
            return std::unexpected(error(key, "required property is missing"));
        return *v;
    }

    // A field name or value that may be a mustache template.
    std::expected<std::string, EsError> template_string(const char* key) {
        auto v = required_string(key);
        if (!v)
            return v;
        if (auto ok = validate_template(*v); !ok)
            return std::unexpected(error(key, ok.error()));
        return v;
    }

    std::expected<std::optional<std::string>, EsError> optional_template(const char* key) {
        auto v = optional_string(key);
        if (!v || !*v)
            return v;
        if (auto ok = validate_template(**v); !ok)
            return std::unexpected(error(key, ok.error()));
        return v;
    }

private:
    EsError not_a(const char* key, const char* what, const json& v) const {
        return error(key, std::string("property isn't a ") + what + ", but of type [" +
                              java_class_name(v) + "]");
    }

    const std::string& m_type;
    const std::optional<std::string>& m_tag;
    json& m_config;
};

std::string render(const std::string& text, const WorkDoc& doc,
                   TemplateEncoding encoding = TemplateEncoding::json_text) {
    return is_template(text) ? render_template(text, doc, encoding) : text;
}

// ES ValueSource: strings may be templates, lists and maps are rendered element by element.
json render_value(const json& v, const WorkDoc& doc, TemplateEncoding encoding) {
    if (v.is_string())
        return render(v.get<std::string>(), doc, encoding);
    if (v.is_array()) {
        json out = json::array();
        for (const auto& e : v)
            out.push_back(render_value(e, doc, encoding));
        return out;
    }
    if (v.is_object()) {
        json out = json::object();
        for (const auto& [k, e] : v.items())
            out[render(k, doc, encoding)] = render_value(e, doc, encoding);
        return out;
    }
    return v;
}

std::expected<void, EsError> validate_value_templates(const json& v, Options& opts,
                                                      const char* key) {
    if (v.is_string()) {
        if (auto ok = validate_template(v.get<std::string>()); !ok)
            return std::unexpected(opts.error(key, ok.error()));
    } else if (v.is_array() || v.is_object()) {
        for (const auto& e : v) {
            if (auto ok = validate_value_templates(e, opts, key); !ok)
                return ok;
        }
    }
    return {};
}

// ES ConfigurationUtils.readMediaTypeProperty (VALID_MEDIA_TYPES).
std::expected<TemplateEncoding, EsError> read_media_type(Options& o) {
    auto v = o.optional_string("media_type");
    if (!v)
        return std::unexpected(v.error());
    const std::string mt = v->value_or("application/json");
    if (mt == "application/json")
        return TemplateEncoding::json_text;
    if (mt == "text/plain")
        return TemplateEncoding::plain_text;
    if (mt == "application/x-www-form-urlencoded")
        return TemplateEncoding::url;
    return std::unexpected(
        o.error("media_type", "property does not contain a supported media type [" + mt + "]"));
}

// ES SetProcessor.
std::expected<LeafFn, EsError> make_set(Options& o) {
    auto field = o.template_string("field");
    if (!field)
        return std::unexpected(field.error());
    auto copy_from = o.optional_string("copy_from");
    if (!copy_from)
        return std::unexpected(copy_from.error());
    auto value = o.take("value");
    if (*copy_from && value) {
        return std::unexpected(
            o.error("copy_from", "cannot set both `copy_from` and `value` in the same processor"));
    }
    if (!*copy_from && !value)
        return std::unexpected(o.error("value", "required property is missing"));
    if (value) {
        if (auto ok = validate_value_templates(*value, o, "value"); !ok)
            return std::unexpected(ok.error());
    }
    auto override_enabled = o.boolean("override", true);
    if (!override_enabled)
        return std::unexpected(override_enabled.error());
    auto ignore_empty = o.boolean("ignore_empty_value", false);
    if (!ignore_empty)
        return std::unexpected(ignore_empty.error());
    auto media_type = read_media_type(o);
    if (!media_type)
        return std::unexpected(media_type.error());
    return LeafFn([field = *field, copy = *copy_from, value = value.value_or(json()),
                   over = *override_enabled, ignore = *ignore_empty,
                   encoding = *media_type](WorkDoc& doc, RunState&) -> LeafResult {
        const std::string target = render(field, doc);
        if (!over && has_field(doc, target)) {
            auto existing = get_field(doc, target);
            if (existing && !existing->is_null())
                return Flow::proceed;
        }
        json v;
        if (copy) {
            auto got = ignore ? get_field_or_null(doc, *copy) : get_field(doc, *copy);
            if (!got)
                return failure(got.error());
            v = *got;
        } else {
            v = render_value(value, doc, encoding);
        }
        if (ignore && (v.is_null() || (v.is_string() && v.get<std::string>().empty())))
            return Flow::proceed;
        if (auto ok = set_field(doc, target, std::move(v)); !ok)
            return failure(ok.error());
        return Flow::proceed;
    });
}

// ES RenameProcessor.
std::expected<LeafFn, EsError> make_rename(Options& o) {
    auto field = o.template_string("field");
    if (!field)
        return std::unexpected(field.error());
    auto target = o.template_string("target_field");
    if (!target)
        return std::unexpected(target.error());
    auto ignore_missing = o.boolean("ignore_missing", false);
    if (!ignore_missing)
        return std::unexpected(ignore_missing.error());
    auto over = o.boolean("override", false);
    if (!over)
        return std::unexpected(over.error());
    return LeafFn([field = *field, target = *target, ignore = *ignore_missing,
                   over = *over](WorkDoc& doc, RunState&) -> LeafResult {
        const std::string from = render(field, doc);
        const std::string to = render(target, doc);
        auto from_exists = has_field_checked(doc, from);
        if (!from_exists)
            return failure(from_exists.error());
        if (!*from_exists) {
            if (ignore)
                return Flow::proceed;
            return failure(illegal_argument("field [" + from + "] doesn't exist"));
        }
        auto to_exists = has_field_checked(doc, to);
        if (!to_exists)
            return failure(to_exists.error());
        if (*to_exists && !over)
            return failure(illegal_argument("field [" + to + "] already exists"));
        auto value = get_field(doc, from);
        if (!value)
            return failure(value.error());
        if (auto ok = remove_field(doc, from); !ok)
            return failure(ok.error());
        if (auto ok = set_field(doc, to, *value); !ok) {
            // ES puts the value back before rethrowing.
            (void)set_field(doc, from, *value);
            return failure(ok.error());
        }
        return Flow::proceed;
    });
}

// ES RemoveProcessor.
std::expected<LeafFn, EsError> make_remove(Options& o) {
    auto field = o.take("field");
    auto keep = o.take("keep");
    const auto to_list = [&](const json& v,
                             const char* key) -> std::expected<std::vector<std::string>, EsError> {
        std::vector<std::string> out;
        if (v.is_string()) {
            out.push_back(v.get<std::string>());
        } else if (v.is_array()) {
            for (const auto& e : v) {
                if (!e.is_string()) {
                    return std::unexpected(o.error(key, "property isn't a string, but of type [" +
                                                            java_class_name(e) + "]"));
                }
                out.push_back(e.get<std::string>());
            }
        } else {
            return std::unexpected(o.error(key, "property isn't a list or string, but of type [" +
                                                    java_class_name(v) + "]"));
        }
        for (const auto& s : out) {
            if (auto ok = validate_template(s); !ok)
                return std::unexpected(o.error(key, ok.error()));
        }
        return out;
    };
    if (field && keep)
        return std::unexpected(
            o.error("keep", "and [field] cannot both be used in the same processor"));
    if (!field && !keep)
        return std::unexpected(o.error("keep", "or [field] must be specified"));
    auto ignore_missing = o.boolean("ignore_missing", false);
    if (!ignore_missing)
        return std::unexpected(ignore_missing.error());
    auto paths = to_list(field ? *field : *keep, field ? "field" : "keep");
    if (!paths)
        return std::unexpected(paths.error());
    if (keep) {
        // ES RemoveProcessor.fieldsToKeepProcessor: every source field path (maps are walked) that
        // is neither a kept path, a parent of one, nor inside one is removed.
        return LeafFn([keep_paths = *paths](WorkDoc& doc, RunState&) -> LeafResult {
            std::vector<std::string> rendered;
            for (const auto& p : keep_paths)
                rendered.push_back(render(p, doc));
            std::vector<std::string> all;
            std::function<void(const json&, const std::string&)> collect =
                [&](const json& m, const std::string& prefix) {
                    for (const auto& [k, v] : m.items()) {
                        all.push_back(prefix + k);
                        if (v.is_object())
                            collect(v, prefix + k + ".");
                    }
                };
            for (const auto& [k, v] : doc.ctx.items()) {
                if (is_metadata_key(k))
                    continue;
                all.push_back(k);
                if (v.is_object())
                    collect(v, k + ".");
            }
            for (const auto& doc_path : all) {
                const bool kept =
                    std::any_of(rendered.begin(), rendered.end(), [&](const std::string& p) {
                        return doc_path == p || p.starts_with(doc_path + ".") ||
                               doc_path.starts_with(p + ".");
                    });
                if (!kept && has_field(doc, doc_path)) {
                    if (auto ok = remove_field(doc, doc_path); !ok)
                        return failure(ok.error());
                }
            }
            return Flow::proceed;
        });
    }
    return LeafFn(
        [fields = *paths, ignore = *ignore_missing](WorkDoc& doc, RunState&) -> LeafResult {
            for (const auto& f : fields) {
                const std::string path = render(f, doc);
                if (ignore && !has_field(doc, path))
                    continue;
                if (auto ok = remove_field(doc, path); !ok)
                    return failure(ok.error());
            }
            return Flow::proceed;
        });
}

// ES AppendProcessor.
std::expected<LeafFn, EsError> make_append(Options& o) {
    auto field = o.template_string("field");
    if (!field)
        return std::unexpected(field.error());
    auto value = o.required_object("value");
    if (!value)
        return std::unexpected(value.error());
    if (auto ok = validate_value_templates(*value, o, "value"); !ok)
        return std::unexpected(ok.error());
    auto allow_duplicates = o.boolean("allow_duplicates", true);
    if (!allow_duplicates)
        return std::unexpected(allow_duplicates.error());
    auto media_type = read_media_type(o);
    if (!media_type)
        return std::unexpected(media_type.error());
    return LeafFn([field = *field, value = *value, dup = *allow_duplicates,
                   encoding = *media_type](WorkDoc& doc, RunState&) -> LeafResult {
        if (auto ok =
                append_field(doc, render(field, doc), render_value(value, doc, encoding), dup);
            !ok) {
            return failure(ok.error());
        }
        return Flow::proceed;
    });
}

EsError number_format(const std::string& s) {
    return EsError(400, "number_format_exception", "For input string: \"" + s + "\"");
}

// Java Integer.parseInt / Long.parseLong (and decode for 0x prefixes, as ES's convert does).
std::expected<std::int64_t, EsError> parse_java_integer(const std::string& s, std::int64_t min,
                                                        std::int64_t max) {
    std::string body = s;
    bool negative = false;
    int base = 10;
    if (s.starts_with("0x") || s.starts_with("-0x")) {
        negative = s[0] == '-';
        body = s.substr(negative ? 3 : 2);
        base = 16;
    } else if (!body.empty() && (body[0] == '+' || body[0] == '-')) {
        negative = body[0] == '-';
        body = body.substr(1);
    }
    if (body.empty())
        return std::unexpected(number_format(s));
    std::uint64_t mag = 0;
    auto res = std::from_chars(body.data(), body.data() + body.size(), mag, base);
    if (res.ec != std::errc() || res.ptr != body.data() + body.size() || body[0] == '+' ||
        body[0] == '-') {
        return std::unexpected(number_format(s));
    }
    const auto limit =
        negative ? static_cast<std::uint64_t>(-(min + 1)) + 1 : static_cast<std::uint64_t>(max);
    if (mag > limit)
        return std::unexpected(number_format(s));
    if (negative)
        return mag == limit ? min : -static_cast<std::int64_t>(mag);
    return static_cast<std::int64_t>(mag);
}

// Java Float.parseFloat / Double.parseDouble: surrounding whitespace allowed, f/F/d/D suffix.
std::expected<double, EsError> parse_java_floating(const std::string& s, bool as_float) {
    std::size_t b = 0;
    std::size_t e = s.size();
    while (b < e && static_cast<unsigned char>(s[b]) <= ' ')
        ++b;
    while (e > b && static_cast<unsigned char>(s[e - 1]) <= ' ')
        --e;
    std::string t = s.substr(b, e - b);
    if (t.empty())
        return std::unexpected(
            EsError(400, "number_format_exception",
                    s.empty() ? "empty String" : "For input string: \"" + s + "\""));
    if (t == "NaN" || t == "+NaN" || t == "-NaN")
        return std::numeric_limits<double>::quiet_NaN();
    if (t == "Infinity" || t == "+Infinity")
        return std::numeric_limits<double>::infinity();
    if (t == "-Infinity")
        return -std::numeric_limits<double>::infinity();
    if (!t.empty() && std::string_view("fFdD").find(t.back()) != std::string_view::npos)
        t.pop_back();
    const bool valid = std::all_of(t.begin(), t.end(), [](char c) {
        return std::isdigit(static_cast<unsigned char>(c)) || c == '.' || c == 'e' || c == 'E' ||
               c == '+' || c == '-';
    });
    char* end = nullptr;
    const double d = valid && !t.empty() ? std::strtod(t.c_str(), &end) : 0.0;
    if (!valid || t.empty() || end != t.c_str() + t.size())
        return std::unexpected(number_format(s));
    if (as_float) {
        const auto f = static_cast<float>(d);
        if (std::isinf(f) || std::isnan(f))
            return static_cast<double>(f);
        // Jackson prints a Float with Float.toString: keep the float's shortest decimal form.
        char buf[32];
        auto res = std::to_chars(buf, buf + sizeof buf, f);
        return std::strtod(std::string(buf, res.ptr).c_str(), nullptr);
    }
    return d;
}

bool is_ip_literal(const std::string& s) {
    unsigned char buf[16];
    return inet_pton(AF_INET, s.c_str(), buf) == 1 || inet_pton(AF_INET6, s.c_str(), buf) == 1;
}

enum class ConvertType {
    integer,
    long_type,
    float_type,
    double_type,
    boolean,
    string,
    ip,
    automatic
};

// ES ConvertProcessor.Type.convert.
std::expected<json, EsError> convert_one(const json& value, ConvertType type) {
    const std::string s = java_to_string(value);
    const auto unable = [&](const char* to, EsError cause) {
        EsError e = illegal_argument("unable to convert [" + s + "] to " + to);
        e.because(std::move(cause));
        return e;
    };
    switch (type) {
    case ConvertType::integer: {
        auto v = parse_java_integer(s, std::numeric_limits<std::int32_t>::min(),
                                    std::numeric_limits<std::int32_t>::max());
        if (!v)
            return std::unexpected(unable("integer", v.error()));
        return json(*v);
    }
    case ConvertType::long_type: {
        auto v = parse_java_integer(s, std::numeric_limits<std::int64_t>::min(),
                                    std::numeric_limits<std::int64_t>::max());
        if (!v)
            return std::unexpected(unable("long", v.error()));
        return json(*v);
    }
    case ConvertType::float_type: {
        auto v = parse_java_floating(s, true);
        if (!v)
            return std::unexpected(unable("float", v.error()));
        return json(*v);
    }
    case ConvertType::double_type: {
        auto v = parse_java_floating(s, false);
        if (!v)
            return std::unexpected(unable("double", v.error()));
        return json(*v);
    }
    case ConvertType::boolean: {
        std::string lower = s;
        std::transform(lower.begin(), lower.end(), lower.begin(), [](char c) {
            return static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
        });
        if (lower == "true")
            return json(true);
        if (lower == "false")
            return json(false);
        return std::unexpected(
            illegal_argument("[" + s + "] is not a boolean value, cannot convert to boolean"));
    }
    case ConvertType::string:
        return json(s);
    case ConvertType::ip:
        // ES: InetAddresses.forString((String) value); a non-string is a ClassCastException (500).
        if (!value.is_string()) {
            return std::unexpected(EsError(
                500, "class_cast_exception",
                "class " + java_class_name(value) + " cannot be cast to class java.lang.String (" +
                    java_class_name(value) +
                    " and java.lang.String are in module java.base of loader 'bootstrap')"));
        }
        if (is_ip_literal(s))
            return json(s);
        return std::unexpected(illegal_argument("'" + s + "' is not an IP string literal."));
    case ConvertType::automatic: {
        if (!value.is_string())
            return value;
        for (auto t : {ConvertType::boolean, ConvertType::integer, ConvertType::long_type,
                       ConvertType::float_type, ConvertType::double_type}) {
            auto v = convert_one(value, t);
            if (v)
                return v;
        }
        return value;
    }
    }
    return value;
}

// ES ConvertProcessor.
std::expected<LeafFn, EsError> make_convert(Options& o) {
    auto field = o.template_string("field");
    if (!field)
        return std::unexpected(field.error());
    auto type_name = o.required_string("type");
    if (!type_name)
        return std::unexpected(type_name.error());
    std::string lower = *type_name;
    std::transform(lower.begin(), lower.end(), lower.begin(), [](char c) {
        return static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    });
    ConvertType type{};
    if (lower == "integer")
        type = ConvertType::integer;
    else if (lower == "long")
        type = ConvertType::long_type;
    else if (lower == "float")
        type = ConvertType::float_type;
    else if (lower == "double")
        type = ConvertType::double_type;
    else if (lower == "boolean")
        type = ConvertType::boolean;
    else if (lower == "string")
        type = ConvertType::string;
    else if (lower == "ip")
        type = ConvertType::ip;
    else if (lower == "auto")
        type = ConvertType::automatic;
    else
        return std::unexpected(
            o.error("type", "type [" + *type_name + "] not supported, cannot convert field."));
    auto target = o.optional_template("target_field");
    if (!target)
        return std::unexpected(target.error());
    auto ignore_missing = o.boolean("ignore_missing", false);
    if (!ignore_missing)
        return std::unexpected(ignore_missing.error());
    return LeafFn([field = *field, target = target->value_or(*field), type, lower,
                   ignore = *ignore_missing](WorkDoc& doc, RunState&) -> LeafResult {
        const std::string from = render(field, doc);
        auto value = ignore ? get_field_or_null(doc, from) : get_field(doc, from);
        if (!value)
            return failure(value.error());
        if (value->is_null()) {
            if (ignore)
                return Flow::proceed;
            return failure(illegal_argument(
                "Field [" + from + "] is null, cannot be converted to type [" + lower + "]"));
        }
        json out;
        if (value->is_array()) {
            out = json::array();
            for (const auto& e : *value) {
                auto c = convert_one(e, type);
                if (!c)
                    return failure(c.error());
                out.push_back(std::move(*c));
            }
        } else {
            auto c = convert_one(*value, type);
            if (!c)
                return failure(c.error());
            out = std::move(*c);
        }
        if (auto ok = set_field(doc, render(target, doc), std::move(out)); !ok)
            return failure(ok.error());
        return Flow::proceed;
    });
}

// ES DateProcessor / DateFormat. Input formats and the timezone are only used when a document is
// parsed, as in ES, so a format es-sim cannot handle fails the document, never the PUT.
std::expected<LeafFn, EsError> make_date(Options& o) {
    auto field = o.template_string("field");
    if (!field)
        return std::unexpected(field.error());
    auto target = o.optional_template("target_field");
    if (!target)
        return std::unexpected(target.error());
    auto timezone = o.optional_template("timezone");
    if (!timezone)
        return std::unexpected(timezone.error());
    auto locale = o.optional_template("locale");
    if (!locale)
        return std::unexpected(locale.error());
    auto formats_v = o.take("formats");
    if (!formats_v)
        return std::unexpected(o.error("formats", "required property is missing"));
    if (!formats_v->is_array()) {
        return std::unexpected(o.error("formats", "property isn't a list, but of type [" +
                                                      java_class_name(*formats_v) + "]"));
    }
    std::vector<std::string> formats;
    for (const auto& f : *formats_v)
        formats.push_back(java_to_string(f));
    auto output = o.optional_string("output_format");
    if (!output)
        return std::unexpected(output.error());
    const std::string output_format = output->value_or("yyyy-MM-dd'T'HH:mm:ss.SSSXXX");
    if (auto ok = validate_date_pattern(output_format); !ok) {
        EsError e = illegal_argument("invalid output format [" + output_format + "]");
        e.because(illegal_argument(ok.error()));
        e.with("processor_type", "date");
        if (o.tag())
            e.with("processor_tag", *o.tag());
        return std::unexpected(e);
    }
    return LeafFn([field = *field, target = target->value_or("@timestamp"), timezone = *timezone,
                   formats, output_format](WorkDoc& doc, RunState&) -> LeafResult {
        const std::string from = render(field, doc);
        auto obj = get_field(doc, from);
        if (!obj)
            return failure(obj.error());
        const std::string value = java_to_string(*obj);
        int offset = 0;
        if (timezone) {
            auto tz = parse_timezone(render(*timezone, doc));
            if (!tz) {
                EsError e = illegal_argument("unable to parse date [" + value + "]");
                e.because(illegal_argument(tz.error()));
                return failure(e);
            }
            offset = *tz;
        }
        std::optional<ParsedDate> parsed;
        std::optional<EsError> first_error;
        for (const auto& f : formats) {
            auto p = parse_date(value, f, offset, doc.timestamp_millis);
            if (p) {
                parsed = *p;
                break;
            }
            // ExceptionsHelper.useOrSuppress keeps the first failure as the cause.
            if (!first_error) {
                const bool special =
                    f == "ISO8601" || f == "UNIX" || f == "UNIX_MS" || f == "TAI64N";
                first_error = !special ? EsError(400, "date_time_parse_exception", p.error())
                              : f == "ISO8601" ? illegal_argument(p.error())
                                               : EsError(400, "number_format_exception", p.error());
            }
        }
        if (!parsed) {
            EsError e = illegal_argument("unable to parse date [" + value + "]");
            if (first_error)
                e.because(*first_error);
            return failure(e);
        }
        // The result is printed in the processor's timezone (withZoneSameInstant).
        auto text = format_epoch_millis(parsed->epoch_millis, offset, output_format);
        if (auto ok = set_field(doc, render(target, doc), text.value_or("")); !ok)
            return failure(ok.error());
        return Flow::proceed;
    });
}

void deep_merge(json& into, const json& from) {
    for (const auto& [k, v] : from.items()) {
        auto it = into.find(k);
        if (it != into.end() && it->is_object() && v.is_object()) {
            deep_merge(*it, v);
        } else {
            into[k] = v;
        }
    }
}

// ES JsonProcessor.
std::expected<LeafFn, EsError> make_json(Options& o) {
    auto field = o.template_string("field");
    if (!field)
        return std::unexpected(field.error());
    auto target = o.optional_template("target_field");
    if (!target)
        return std::unexpected(target.error());
    auto add_to_root = o.boolean("add_to_root", false);
    if (!add_to_root)
        return std::unexpected(add_to_root.error());
    auto strategy = o.optional_string("add_to_root_conflict_strategy");
    if (!strategy)
        return std::unexpected(strategy.error());
    auto allow_dup = o.boolean("allow_duplicate_keys", false);
    if (!allow_dup)
        return std::unexpected(allow_dup.error());
    auto strict = o.boolean("strict_json_parsing", true);
    if (!strict)
        return std::unexpected(strict.error());
    if (*add_to_root && *target) {
        return std::unexpected(o.error(
            "target_field", "Cannot set a target field while also setting `add_to_root` to true"));
    }
    bool merge = false;
    if (*strategy) {
        if (!*add_to_root) {
            return std::unexpected(
                o.error("add_to_root_conflict_strategy",
                        "Cannot set `add_to_root_conflict_strategy` if `add_to_root` is false"));
        }
        if (**strategy == "merge")
            merge = true;
        else if (**strategy != "replace") {
            return std::unexpected(o.error("add_to_root_conflict_strategy",
                                           "conflict strategy [" + **strategy +
                                               "] not supported, cannot convert field."));
        }
    }
    return LeafFn([field = *field, target = target->value_or(*field), root = *add_to_root, merge,
                   strict = *strict](WorkDoc& doc, RunState&) -> LeafResult {
        const std::string from = render(field, doc);
        json raw;
        if (root) {
            // ES JsonProcessor.apply(ctx, fieldName, ...) reads a top-level key, not a path.
            auto it = doc.ctx.find(from);
            raw = it == doc.ctx.end() ? json(nullptr) : *it;
        } else {
            auto value = get_field(doc, from);
            if (!value)
                return failure(value.error());
            raw = *value;
        }
        const std::string text = java_to_string(raw);
        json parsed = json::parse(text, nullptr, false);
        if (parsed.is_discarded()) {
            // Is there a complete first value followed by more input? Strict parsing refuses that;
            // lenient parsing keeps the first value.
            nlohmann::detail::json_sax_dom_parser<json> sax(parsed, false);
            const bool first_ok = json::sax_parse(text, &sax, json::input_format_t::json, false);
            if (first_ok && !strict) {
                // parsed holds the first value
            } else if (first_ok) {
                return failure(illegal_argument(
                    "The input " + text +
                    " is not valid JSON and the strict_json_parsing parameter is true"));
            } else {
                return failure(illegal_argument(
                    "com.fasterxml.jackson.core.JsonParseException: es-sim could not parse [" +
                    text + "] as JSON"));
            }
        }
        if (root) {
            if (!parsed.is_object())
                return failure(illegal_argument("cannot add non-map fields to root of document"));
            if (merge) {
                deep_merge(doc.ctx, parsed);
            } else {
                for (const auto& [k, v] : parsed.items())
                    doc.ctx[k] = v;
            }
            return Flow::proceed;
        }
        if (auto ok = set_field(doc, render(target, doc), std::move(parsed)); !ok)
            return failure(ok.error());
        return Flow::proceed;
    });
}

enum class StringOp { lower, upper, trim };

std::string apply_string_op(const std::string& s, StringOp op) {
    if (op == StringOp::trim) {
        std::size_t b = 0;
        std::size_t e = s.size();
        while (b < e && static_cast<unsigned char>(s[b]) <= ' ')
            ++b;
        while (e > b && static_cast<unsigned char>(s[e - 1]) <= ' ')
            --e;
        return s.substr(b, e - b);
    }
    std::string out = s;
    for (auto& c : out) {
        c = static_cast<char>(op == StringOp::lower ? std::tolower(static_cast<unsigned char>(c))
                                                    : std::toupper(static_cast<unsigned char>(c)));
    }
    return out;
}

// ES AbstractStringProcessor (lowercase, uppercase, trim).
std::expected<LeafFn, EsError> make_string_op(Options& o, StringOp op) {
    auto field = o.template_string("field");
    if (!field)
        return std::unexpected(field.error());
    auto ignore_missing = o.boolean("ignore_missing", false);
    if (!ignore_missing)
        return std::unexpected(ignore_missing.error());
    auto target = o.optional_template("target_field");
    if (!target)
        return std::unexpected(target.error());
    return LeafFn([field = *field, target = target->value_or(*field), ignore = *ignore_missing,
                   op](WorkDoc& doc, RunState&) -> LeafResult {
        const std::string from = render(field, doc);
        auto value = ignore ? get_field_or_null(doc, from) : get_field(doc, from);
        if (!value)
            return failure(value.error());
        if (value->is_null()) {
            if (ignore)
                return Flow::proceed;
            return failure(illegal_argument("field [" + from + "] is null, cannot process it."));
        }
        json out;
        if (value->is_array()) {
            out = json::array();
            for (const auto& e : *value) {
                if (!e.is_string()) {
                    return failure(illegal_argument(
                        "value [" + java_to_string(e) + "] of type [" + java_class_name(e) +
                        "] in list field [" + from + "] cannot be cast to [java.lang.String]"));
                }
                out.push_back(apply_string_op(e.get<std::string>(), op));
            }
        } else {
            if (!value->is_string()) {
                return failure(illegal_argument("field [" + from + "] of type [" +
                                                java_class_name(*value) +
                                                "] cannot be cast to [java.lang.String]"));
            }
            out = apply_string_op(value->get<std::string>(), op);
        }
        if (auto ok = set_field(doc, render(target, doc), std::move(out)); !ok)
            return failure(ok.error());
        return Flow::proceed;
    });
}

// A compiled separator. ES uses java.util.regex; es-sim uses POSIX extended regular expressions
// with glibc's \s \S \w \W escapes, which agree with Java for the separators pipelines use
// (literal characters, classes, alternation, repetition).
class Separator {
public:
    static std::expected<std::shared_ptr<Separator>, std::string>
    compile(const std::string& pattern) {
        auto sep = std::shared_ptr<Separator>(new Separator());
        const int rc = regcomp(&sep->m_regex, pattern.c_str(), REG_EXTENDED);
        if (rc != 0) {
            char buf[256];
            regerror(rc, &sep->m_regex, buf, sizeof buf);
            return std::unexpected(std::string(buf));
        }
        sep->m_compiled = true;
        return sep;
    }
    ~Separator() {
        if (m_compiled)
            regfree(&m_regex);
    }
    Separator(const Separator&) = delete;
    Separator& operator=(const Separator&) = delete;

    // Java String.split(regex, limit) with limit 0 (trailing empties dropped) or -1 (kept).
    json split(const std::string& s, bool preserve_trailing) const {
        std::vector<std::string> parts;
        std::size_t last = 0;
        std::size_t search = 0;
        while (search <= s.size()) {
            regmatch_t m{};
            const int flags = search > 0 ? REG_NOTBOL : 0;
            if (regexec(&m_regex, s.c_str() + search, 1, &m, flags) != 0)
                break;
            const auto pos = search + static_cast<std::size_t>(m.rm_so);
            const auto len = static_cast<std::size_t>(m.rm_eo - m.rm_so);
            if (len == 0) {
                // A zero-width match never yields a leading empty part, and ends nothing at the
                // end.
                if (pos >= s.size())
                    break;
                if (pos > 0) {
                    parts.push_back(s.substr(last, pos - last));
                    last = pos;
                }
                search = pos + 1;
                continue;
            }
            parts.push_back(s.substr(last, pos - last));
            last = pos + len;
            search = last;
        }
        parts.push_back(s.substr(last));
        if (!preserve_trailing) {
            while (!parts.empty() && parts.back().empty())
                parts.pop_back();
        }
        if (parts.empty() && s.empty())
            parts.emplace_back();
        json out = json::array();
        for (auto& p : parts)
            out.push_back(std::move(p));
        return out;
    }

private:
    Separator() = default;
    regex_t m_regex{};
    bool m_compiled = false;
};

// ES SplitProcessor.
std::expected<LeafFn, EsError> make_split(Options& o) {
    auto field = o.template_string("field");
    if (!field)
        return std::unexpected(field.error());
    auto separator = o.required_string("separator");
    if (!separator)
        return std::unexpected(separator.error());
    auto ignore_missing = o.boolean("ignore_missing", false);
    if (!ignore_missing)
        return std::unexpected(ignore_missing.error());
    auto preserve = o.boolean("preserve_trailing", false);
    if (!preserve)
        return std::unexpected(preserve.error());
    auto target = o.optional_template("target_field");
    if (!target)
        return std::unexpected(target.error());
    auto re = Separator::compile(*separator);
    if (!re) {
        return std::unexpected(illegal_argument("es-sim could not compile the separator regex [" +
                                                *separator + "]: " + re.error())
                                   .with("processor_type", "split"));
    }
    return LeafFn([field = *field, target = target->value_or(*field), ignore = *ignore_missing,
                   keep = *preserve, re = *re](WorkDoc& doc, RunState&) -> LeafResult {
        const std::string from = render(field, doc);
        if (!has_field(doc, from)) {
            if (ignore)
                return Flow::proceed;
            return failure(illegal_argument("field [" + from + "] not present as part of path [" +
                                            from + "]"));
        }
        auto value = get_field(doc, from);
        if (!value)
            return failure(value.error());
        if (value->is_null()) {
            if (ignore)
                return Flow::proceed;
            return failure(illegal_argument("field [" + from + "] is null, cannot split."));
        }
        if (!value->is_string()) {
            return failure(illegal_argument("field [" + from + "] of type [" +
                                            java_class_name(*value) + "] cannot be split"));
        }
        if (auto ok =
                set_field(doc, render(target, doc), re->split(value->get<std::string>(), keep));
            !ok) {
            return failure(ok.error());
        }
        return Flow::proceed;
    });
}

// ES DotExpanderProcessor.
std::expected<LeafFn, EsError> make_dot_expander(Options& o) {
    auto field = o.required_string("field");
    if (!field)
        return std::unexpected(field.error());
    if (field->find('.') == std::string::npos && *field != "*") {
        return std::unexpected(
            o.error("field", "field does not contain a dot and is not a wildcard"));
    }
    if (*field != "*" && (field->front() == '.' || field->back() == '.')) {
        return std::unexpected(o.error("field", "Field can't start or end with a dot"));
    }
    if (field->find("..") != std::string::npos)
        return std::unexpected(o.error("field", "No space between dots"));
    auto path = o.optional_string("path");
    if (!path)
        return std::unexpected(path.error());
    auto over = o.boolean("override", false);
    if (!over)
        return std::unexpected(over.error());
    return LeafFn([field = *field, path = *path, over = *over](WorkDoc& doc,
                                                               RunState&) -> LeafResult {
        if (path) {
            auto v = get_field(doc, *path);
            if (!v)
                return failure(v.error());
            if (!v->is_object()) {
                return failure(illegal_argument("field [" + *path + "] of type [" +
                                                java_class_name(*v) +
                                                "] cannot be cast to [java.util.Map]"));
            }
        }
        std::vector<std::string> keys;
        {
            const json m = path ? get_field(doc, *path).value_or(json::object()) : doc.ctx;
            if (field == "*") {
                for (const auto& [k, v] : m.items()) {
                    const auto dot = k.find('.');
                    if (dot != std::string::npos && dot > 0)
                        keys.push_back(k);
                }
            } else if (m.contains(field)) {
                keys.push_back(field);
            }
        }
        for (const auto& key : keys) {
            const std::string full = path ? *path + "." + key : key;
            json value;
            if (path) {
                auto parent = get_field(doc, *path);
                value = (*parent)[key];
                json updated = *parent;
                updated.erase(key);
                if (auto ok = set_field(doc, *path, updated); !ok)
                    return failure(ok.error());
            } else {
                value = doc.ctx[key];
                doc.ctx.erase(key);
            }
            if (has_field(doc, full)) {
                auto ok = over ? set_field(doc, full, value) : append_field(doc, full, value, true);
                if (!ok)
                    return failure(ok.error());
                continue;
            }
            // ES refuses to expand into a parent that holds a value rather than an object.
            for (auto dot = full.find('.'); dot != std::string::npos;
                 dot = full.find('.', dot + 1)) {
                const std::string partial = full.substr(0, dot);
                if (!has_field(doc, partial))
                    break;
                auto v = get_field(doc, partial);
                if (v && !v->is_object()) {
                    return failure(illegal_argument("cannot expand [" + full + "], because [" +
                                                    partial +
                                                    "] is not an object field, but a value field"));
                }
            }
            if (auto ok = set_field(doc, full, value); !ok)
                return failure(ok.error());
        }
        return Flow::proceed;
    });
}

// ES PipelineProcessor.
std::expected<LeafFn, EsError> make_pipeline(Options& o, const std::optional<std::string>& tag) {
    auto name = o.template_string("name");
    if (!name)
        return std::unexpected(name.error());
    auto ignore_missing = o.boolean("ignore_missing_pipeline", false);
    if (!ignore_missing)
        return std::unexpected(ignore_missing.error());
    return LeafFn([name = *name, ignore = *ignore_missing, tag](WorkDoc& doc,
                                                                RunState& st) -> LeafResult {
        const std::string id = render(name, doc);
        const json* def = (st.lookup != nullptr && *st.lookup) ? (*st.lookup)(id) : nullptr;
        if (def == nullptr) {
            if (ignore)
                return Flow::proceed;
            return failure(
                EsError(500, "illegal_state_exception",
                        "Pipeline processor configured for non-existent pipeline [" + id + "]"));
        }
        if (st.verbose_results != nullptr) {
            json r{{"processor_type", "pipeline"}, {"status", "success"}};
            if (tag)
                r["tag"] = *tag;
            st.verbose_results->push_back(std::move(r));
        }
        auto compiled = compile_pipeline(*def, id);
        if (!compiled)
            return failure(compiled.error());
        return execute_pipeline(*compiled, doc, st);
    });
}

// ES FailProcessor.
std::expected<LeafFn, EsError> make_fail(Options& o) {
    auto message = o.template_string("message");
    if (!message)
        return std::unexpected(message.error());
    return LeafFn([message = *message](WorkDoc& doc, RunState&) -> LeafResult {
        return failure(EsError(500, "fail_processor_exception", render(message, doc)));
    });
}

// ES ScriptProcessor: validated and stored like ES does, but es-sim runs no Painless, so running
// one fails the document with a clear simulator error (issue: "a script processor is stored, but
// running it fails with a clear simulator error").
std::expected<LeafFn, EsError> make_script(Options& o, const std::optional<std::string>& tag) {
    auto lang = o.optional_string("lang");
    if (!lang)
        return std::unexpected(lang.error());
    auto source = o.optional_string("source");
    if (!source)
        return std::unexpected(source.error());
    auto inline_source = o.optional_string("inline");
    if (!inline_source)
        return std::unexpected(inline_source.error());
    auto id = o.optional_string("id");
    if (!id)
        return std::unexpected(id.error());
    auto params = o.take("params");
    if (params && !params->is_object()) {
        return std::unexpected(o.error("params", "property isn't a map, but of type [" +
                                                     java_class_name(*params) + "]"));
    }
    (void)o.take("options");
    const std::optional<std::string> src = *source ? *source : *inline_source;
    if ((!src && !*id) || (src && *id)) {
        return std::unexpected(
            illegal_argument(
                "must specify either [source] for an inline script or [id] for a stored script")
                .with("processor_type", "script"));
    }
    const std::string label = tag.value_or("");
    return LeafFn([label](WorkDoc&, RunState&) -> LeafResult {
        return failure(illegal_argument(
            "es-sim does not execute Painless scripts (script processor [" + label + "])"));
    });
}

} // namespace

std::expected<LeafFn, EsError>
build_processor(const std::string& type, const std::optional<std::string>& tag, json& config) {
    Options o(type, tag, config);
    if (type == "set")
        return make_set(o);
    if (type == "rename")
        return make_rename(o);
    if (type == "remove")
        return make_remove(o);
    if (type == "append")
        return make_append(o);
    if (type == "convert")
        return make_convert(o);
    if (type == "date")
        return make_date(o);
    if (type == "json")
        return make_json(o);
    if (type == "lowercase")
        return make_string_op(o, StringOp::lower);
    if (type == "uppercase")
        return make_string_op(o, StringOp::upper);
    if (type == "trim")
        return make_string_op(o, StringOp::trim);
    if (type == "split")
        return make_split(o);
    if (type == "dot_expander")
        return make_dot_expander(o);
    if (type == "pipeline")
        return make_pipeline(o, tag);
    if (type == "fail")
        return make_fail(o);
    if (type == "script")
        return make_script(o, tag);
    if (type == "drop") {
        return LeafFn([](WorkDoc&, RunState&) -> LeafResult { return Flow::drop; });
    }
    // ES ConfigurationUtils.readProcessor.
    return std::unexpected(
        config_error(type, tag, std::nullopt, "No processor type exists with name [" + type + "]"));
}

} // namespace esmend::es_sim::ingest
