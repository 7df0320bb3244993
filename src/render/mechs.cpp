// `smtpauth mechs` as a table and as JSON (schema_version 1): what each command can do with
// each mechanism, who runs it, its Cyrus plugin package and its security notes.
#include <nlohmann/json.hpp>

#include <algorithm>

#include "smtpauth/render_mechs.hpp"

namespace smtpauth::render {

namespace {

std::string plugin_text(const sasl::MechanismFacts& f) {
    if (f.cyrus_package.empty()) return "-";
    if (!f.cyrus_installed) return f.cyrus_package;
    return (*f.cyrus_installed ? "installed: " : "missing: ") + f.cyrus_package;
}

std::string pad(std::string s, std::size_t width) {
    if (s.size() < width) s.append(width - s.size(), ' ');
    return s + " ";
}

std::string join(const std::vector<std::string>& parts) {
    std::string out;
    for (const auto& p : parts) out += (out.empty() ? "" : "; ") + p;
    return out;
}

}  // namespace

std::string mechs_text(const sasl::MechanismCatalogue& cat) {
    std::size_t name_w = 9, plugin_w = 12;
    for (const auto& f : cat.mechanisms) {
        name_w = std::max(name_w, f.name.size());
        plugin_w = std::max(plugin_w, plugin_text(f).size());
    }
    auto yes = [](bool b) { return std::string(b ? "yes" : "-"); };
    std::string out = pad("MECHANISM", name_w) + "GEN PROBE DECODE CHECK RUN BY " +
                      pad("CYRUS PLUGIN", plugin_w) + "NOTES\n";
    for (const auto& f : cat.mechanisms) {
        std::string line = pad(f.name, name_w) + pad(yes(f.gen), 3) + pad(yes(f.probe), 5) +
                           pad(yes(f.decode), 6) + pad(yes(f.check), 5) +
                           pad(f.backend.empty() ? "-" : f.backend, 6) +
                           pad(plugin_text(f), plugin_w) + join(f.security);
        while (!line.empty() && line.back() == ' ') line.pop_back();
        out += line + "\n";
    }
    out += "\n";
    if (cat.cyrus_available)
        out += "Cyrus SASL: " + cat.cyrus_version +
               " (plugins from SASL_PATH or the system directory)\n";
    else if (!cat.cyrus_problem.empty())
        out += "Cyrus SASL: not available: " + cat.cyrus_problem + "\n";
    out +=
        "RUN BY: native = smtpauth's own code; cyrus = the Cyrus SASL plugin (probe --backend "
        "cyrus runs a native one there too); - = smtpauth cannot run it.\n";
    return out;
}

std::string mechs_json(const sasl::MechanismCatalogue& cat) {
    nlohmann::ordered_json doc = {{"schema_version", 1}};
    nlohmann::ordered_json cyrus = {{"available", cat.cyrus_available}};
    cyrus["version"] = cat.cyrus_version.empty() ? nlohmann::ordered_json(nullptr)
                                                 : nlohmann::ordered_json(cat.cyrus_version);
    cyrus["problem"] = cat.cyrus_problem.empty() ? nlohmann::ordered_json(nullptr)
                                                 : nlohmann::ordered_json(cat.cyrus_problem);
    doc["cyrus"] = cyrus;
    auto list = nlohmann::ordered_json::array();
    for (const auto& f : cat.mechanisms) {
        nlohmann::ordered_json m = {{"name", f.name}};
        m["description"] = f.description.empty() ? nlohmann::ordered_json(nullptr)
                                                 : nlohmann::ordered_json(f.description);
        m["gen"] = f.gen;
        m["probe"] = f.probe;
        m["decode"] = f.decode;
        m["check"] = f.check;
        m["backend"] =
            f.backend.empty() ? nlohmann::ordered_json(nullptr) : nlohmann::ordered_json(f.backend);
        if (f.cyrus_package.empty()) {
            m["cyrus_plugin"] = nullptr;
        } else {
            nlohmann::ordered_json p = {{"package", f.cyrus_package}};
            p["installed"] = f.cyrus_installed ? nlohmann::ordered_json(*f.cyrus_installed)
                                               : nlohmann::ordered_json(nullptr);
            m["cyrus_plugin"] = p;
        }
        m["security"] = f.security;
        list.push_back(m);
    }
    doc["mechanisms"] = list;
    return doc.dump(2) + "\n";
}

}  // namespace smtpauth::render
