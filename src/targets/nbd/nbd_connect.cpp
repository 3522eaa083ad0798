#include "targets/nbd/nbd_connect.hpp"

#include <wdfio/log.hpp>

#include <libnbd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <optional>

namespace wdfio::detail {

namespace {

// Takes the query parameter `key` out of the URI (libnbd ignores parameters
// it does not know, so wdfio's would otherwise pass silently); its value, or
// nullopt if absent.
std::optional<std::string> take_param(std::string& uri, std::string_view key) {
    const auto query = uri.find('?');
    if (query == std::string::npos) return std::nullopt;
    for (auto at = query + 1; at < uri.size();) {
        auto end = uri.find('&', at);
        if (end == std::string::npos) end = uri.size();
        const std::string_view item(uri.data() + at, end - at);
        if (item.size() > key.size() && item.substr(0, key.size()) == key && item[key.size()] == '=') {
            std::string value(item.substr(key.size() + 1));
            // Erase the item and one separator: "?a&b" -> "?b", "?a" -> "", "&a" -> "".
            if (end < uri.size()) uri.erase(at, end - at + 1);
            else uri.erase(at - 1);
            return value;
        }
        at = end + 1;
    }
    return std::nullopt;
}

// "0"/"1" (and false/true): a yes-or-no parameter's value; nullopt if it is neither.
std::optional<bool> flag(const std::string& v) {
    if (v == "1" || v == "true") return true;
    if (v == "0" || v == "false") return false;
    return std::nullopt;
}

Status bad_value(std::string_view uri, const char* key, const std::string& value, const char* accepted) {
    log(LogLevel::Warning, "open %.*s: %s=%s is not understood; use %s", static_cast<int>(uri.size()), uri.data(), key,
        value.c_str(), accepted);
    return STATUS_INVALID_PARAMETER;
}

bool mentions(const char* msg, const char* word) { return msg && std::strstr(msg, word); }

}  // namespace

Result<NbdSettings> parse_nbd_uri(std::string_view uri, unsigned max_connections) {
    NbdSettings s;
    s.uri = std::string(uri);
    if (auto v = take_param(s.uri, "fua")) {
        const auto on = flag(*v);
        if (!on) return bad_value(uri, "fua", *v, "fua=1 or fua=0");
        s.fua = *on;
    }
    if (auto v = take_param(s.uri, "tls-verify-peer")) {
        const auto on = flag(*v);
        if (!on) return bad_value(uri, "tls-verify-peer", *v, "tls-verify-peer=1 or tls-verify-peer=0");
        s.tls_verify_peer = *on ? 1 : 0;
    }
    if (auto v = take_param(s.uri, "tls-username")) {
        if (v->empty()) return bad_value(uri, "tls-username", *v, "tls-username=NAME");
        s.tls_username = std::move(*v);
    }
    if (auto v = take_param(s.uri, "connections")) {
        char* end = nullptr;
        const unsigned long n = std::strtoul(v->c_str(), &end, 10);
        if (v->empty() || *end || n == 0 || n > max_connections) {
            const std::string accepted = "connections=N with N from 1 to " + std::to_string(max_connections);
            return bad_value(uri, "connections", *v, accepted.c_str());
        }
        s.connections = static_cast<unsigned>(n);
    }
    return s;
}

Status nbd_failure(const char* what, std::string_view name) {
    const int err = nbd_get_errno();
    const char* msg = nbd_get_error();
    log(LogLevel::Warning, "%s %.*s: %s", what, static_cast<int>(name.size()), name.data(), msg ? msg : "(no message)");
    if (err) return Status::from_errno(err);
    // libnbd sets no errno when the host name does not resolve: the name is not found.
    if (mentions(msg, "getaddrinfo")) return STATUS_OBJECT_NAME_NOT_FOUND;
    return STATUS_UNSUCCESSFUL;
}

Result<nbd_handle*> connect_nbd(const NbdSettings& settings, const char* what, std::string_view name) {
    nbd_handle* h = nbd_create();
    if (!h) return STATUS_INSUFFICIENT_RESOURCES;
    // The URI is the program's own (not a peer's): its tls-certificates and
    // tls-psk-file may name local files, which libnbd refuses by default.
    bool ok = nbd_set_uri_allow_local_file(h, true) == 0;
    if (ok && settings.tls_verify_peer >= 0) ok = nbd_set_tls_verify_peer(h, settings.tls_verify_peer == 1) == 0;
    if (ok && !settings.tls_username.empty()) ok = nbd_set_tls_username(h, settings.tls_username.c_str()) == 0;
    if (ok && nbd_connect_uri(h, settings.uri.c_str()) == 0) return h;
    const int err = nbd_get_errno();
    const char* msg = nbd_get_error();
    // A TLS handshake that failed (libnbd gives no errno for GnuTLS's errors)
    // or a TLS disagreement (ENOTSUP: one side requires TLS, the other refuses
    // it): the server was not let in, or did not let us in.
    const bool tls_refused =
        (err == 0 && mentions(msg, "gnutls")) || (err == ENOTSUP && (mentions(msg, "TLS") || mentions(msg, "tls")));
    Status s = nbd_failure(what, name);
    if (tls_refused) {
        log(LogLevel::Warning,
            "%.*s: TLS was refused: check the scheme (nbds:// when the server requires TLS), tls-certificates=DIR "
            "(its ca-cert.pem must have signed the server's certificate), or tls-psk-file and tls-username",
            static_cast<int>(name.size()), name.data());
        s = STATUS_ACCESS_DENIED;
    }
    nbd_close(h);
    return s;
}

Result<std::vector<nbd_handle*>> connect_nbd_all(const NbdSettings& settings, unsigned count, const char* what,
                                                 std::string_view name) {
    std::vector<nbd_handle*> handles;
    handles.reserve(count);
    for (unsigned i = 0; i < count; ++i) {
        auto h = connect_nbd(settings, what, name);
        if (!h) {
            for (nbd_handle* made : handles) nbd_close(made);
            return h.status();
        }
        handles.push_back(*h);
    }
    return handles;
}

}  // namespace wdfio::detail
