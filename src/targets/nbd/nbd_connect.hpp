// How an NBD target reaches its server: the URI as libnbd parses it (its
// own query parameters: socket, tls-certificates, tls-psk-file), with
// wdfio's parameters taken out first and applied through libnbd's setters,
// and the blocking connect shared by open and start()'s reconnect.
#pragma once
#include <wdfio/result.hpp>
#include <wdfio/status.hpp>

#include <string>
#include <string_view>
#include <vector>

struct nbd_handle;

namespace wdfio::detail {

struct NbdSettings {
    std::string uri;           // what libnbd is given: wdfio's own parameters taken out
    bool fua = false;          // fua=1: every write with FUA (when the server supports it)
    int tls_verify_peer = -1;  // tls-verify-peer=0|1; -1: libnbd's default (verify)
    std::string tls_username;  // tls-username=NAME (libnbd also takes NAME@ in the authority)
    unsigned connections = 0;  // connections=N (1..max_connections); 0 until open picks the default
};

// wdfio's query parameters out of `uri`; a value it cannot use is
// STATUS_INVALID_PARAMETER, with a log line saying what is accepted.
// connections=N above `max_connections` is refused too.
Result<NbdSettings> parse_nbd_uri(std::string_view uri, unsigned max_connections);

// A handle connected (handshake done) to the server `settings` name, or why
// not, logged with `what` ("connect to", "reconnect to") and `name`. A TLS
// handshake that fails (certificate or key not trusted) and a server and
// client that disagree on TLS are STATUS_ACCESS_DENIED; the rest map through
// the errno table. Blocking: never on the engine thread.
Result<nbd_handle*> connect_nbd(const NbdSettings& settings, const char* what, std::string_view name);

// `count` connections to the same server: all of them, or none (those made
// are closed again) and the first failure's status.
Result<std::vector<nbd_handle*>> connect_nbd_all(const NbdSettings& settings, unsigned count, const char* what,
                                                 std::string_view name);

// The status a failed libnbd call means (its errno through the table), with
// libnbd's message in the log.
Status nbd_failure(const char* what, std::string_view name);

}  // namespace wdfio::detail
