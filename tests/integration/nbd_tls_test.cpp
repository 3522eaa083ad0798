// The NBD target over TLS against nbdkit --tls=require, with a CA the
// fixture makes (certtool): the right CA connects and data round-trips (TCP
// and Unix socket), and reconnects with the same settings; another CA, plain
// nbd:// and a wrong pre-shared key are refused at open with
// STATUS_ACCESS_DENIED before any request reaches the server; wdfio's own TLS
// parameters refuse values they do not understand. On both backends.
#include "support/nbdkit.hpp"
#include "support/test_ca.hpp"
#include "support/test_util.hpp"

#include <cstring>
#include <string>
#include <vector>

using namespace wdfio;
using namespace wdfio::test;

namespace {

// A write at `offset`, read back through the target: the same bytes.
void round_trip(IoTarget& t, std::int64_t offset, std::uint32_t seed) {
    auto data = filled_memory(65536);
    fill_pattern(*data, seed);
    ASSERT_STATUS(send_write_synchronously(t, nullptr, data, {}, offset), STATUS_SUCCESS);
    auto back = filled_memory(65536, 0xEE);
    ASSERT_STATUS(send_read_synchronously(t, nullptr, back, {}, offset), STATUS_SUCCESS);
    EXPECT_EQ(std::memcmp(back->data(), data->data(), 65536), 0);
}

class NbdTlsTest : public ::testing::Test {
protected:
    void SetUp() override {
        SKIP_WITHOUT_NBDKIT();
        SKIP_WITHOUT_CERTTOOL();
        ASSERT_TRUE(ca.ok()) << "certtool could not make the test CA";
    }
    // nbdkit requiring TLS with the CA's server certificate, its log in log_path().
    std::vector<std::string> tls_server(const std::string& plugin = "memory") const {
        return {"--tls=require", "--tls-certificates=" + ca.server_dir(), "--filter=log", plugin, "64M",
                "logfile={log}"};
    }
    Engine engine;
    TestCa ca;
};

TEST_F(NbdTlsTest, RightCaConnectsOverTcpAndUnixAndDataRoundTrips) {
    Nbdkit tcp(tls_server(), Nbdkit::Listen::Tcp);
    ASSERT_TRUE(tcp.ready());
    auto t = IoTarget::open(engine, tcp.uri(true, "tls-certificates=" + ca.client_dir()));
    ASSERT_TRUE(t) << t.status();
    CloseOnExit close_tcp(t.value());
    ASSERT_NO_FATAL_FAILURE(round_trip(*t, 1 << 20, 1));

    Nbdkit unix_socket(tls_server());
    ASSERT_TRUE(unix_socket.ready());
    auto u = IoTarget::open(engine, unix_socket.uri(true, "tls-certificates=" + ca.client_dir()));
    ASSERT_TRUE(u) << u.status();
    CloseOnExit close_unix(u.value());
    ASSERT_NO_FATAL_FAILURE(round_trip(*u, 0, 2));
}

TEST_F(NbdTlsTest, AnotherCaAndPlainNbdAreRefusedAtOpenWithNothingSent) {
    Nbdkit server(tls_server(), Nbdkit::Listen::Tcp);
    ASSERT_TRUE(server.ready());
    std::vector<std::string> lines;
    set_log_sink([&lines](LogLevel, std::string_view msg) { lines.emplace_back(msg); });
    auto wrong = IoTarget::open(engine, server.uri(true, "tls-certificates=" + ca.other_ca_dir()));
    EXPECT_STATUS(wrong.status(), STATUS_ACCESS_DENIED);
    auto plain = IoTarget::open(engine, server.uri(false));
    EXPECT_STATUS(plain.status(), STATUS_ACCESS_DENIED);
    set_log_sink(nullptr);
    ASSERT_FALSE(lines.empty());
    EXPECT_NE(lines.back().find("tls-certificates"), std::string::npos) << "the message says what to check";
    // The log filter logs a connection once its handshake is done: none got that far.
    EXPECT_EQ(server.log_text().find("connection="), std::string::npos) << server.log_text();

    // The server still serves a client with the right CA.
    auto right = IoTarget::open(engine, server.uri(true, "tls-certificates=" + ca.client_dir()));
    ASSERT_TRUE(right) << right.status();
    CloseOnExit close(right.value());
    ASSERT_NO_FATAL_FAILURE(round_trip(*right, 0, 3));
}

TEST_F(NbdTlsTest, TlsToAServerWithoutTlsIsRefused) {
    Nbdkit server({"--tls=off", "memory", "64M"});
    ASSERT_TRUE(server.ready());
    auto t = IoTarget::open(engine, server.uri(true, "tls-certificates=" + ca.client_dir()));
    EXPECT_STATUS(t.status(), STATUS_ACCESS_DENIED);
}

// tls-verify-peer=0 (wdfio's parameter, through nbd_set_tls_verify_peer):
// the server's certificate is not checked, so another CA connects.
TEST_F(NbdTlsTest, VerifyPeerOffAcceptsAnUncheckedServer) {
    Nbdkit server(tls_server(), Nbdkit::Listen::Tcp);
    ASSERT_TRUE(server.ready());
    auto t = IoTarget::open(engine, server.uri(true, "tls-verify-peer=0&tls-certificates=" + ca.other_ca_dir()));
    ASSERT_TRUE(t) << t.status();
    CloseOnExit close(t.value());
    ASSERT_NO_FATAL_FAILURE(round_trip(*t, 0, 4));
}

TEST_F(NbdTlsTest, PreSharedKeyWithUsernameConnectsAndAWrongKeyIsRefused) {
    Nbdkit server({"--tls=require", "--tls-psk=" + ca.psk_file(), "memory", "64M"});
    ASSERT_TRUE(server.ready());
    auto t = IoTarget::open(engine, server.uri(true, "tls-username=alice&tls-psk-file=" + ca.psk_file()));
    ASSERT_TRUE(t) << t.status();
    CloseOnExit close(t.value());
    ASSERT_NO_FATAL_FAILURE(round_trip(*t, 0, 5));

    auto wrong = IoTarget::open(engine, server.uri(true, "tls-username=alice&tls-psk-file=" + ca.other_psk_file()));
    EXPECT_STATUS(wrong.status(), STATUS_ACCESS_DENIED);
    // A name the key file does not have: libnbd refuses before connecting.
    auto nobody = IoTarget::open(engine, server.uri(true, "tls-username=bob&tls-psk-file=" + ca.psk_file()));
    EXPECT_FALSE(nobody);
    auto no_file = IoTarget::open(engine, server.uri(true, "tls-username=alice&tls-psk-file=/nonexistent/keys.psk"));
    EXPECT_STATUS(no_file.status(), STATUS_OBJECT_NAME_NOT_FOUND);
}

// start() after the server died reconnects with the same TLS settings.
TEST_F(NbdTlsTest, ReconnectKeepsTheTlsSettings) {
    Nbdkit server({"--tls=require", "--tls-certificates=" + ca.server_dir(), "memory", "64M"}, Nbdkit::Listen::Tcp);
    ASSERT_TRUE(server.ready());
    auto t = IoTarget::open(engine, server.uri(true, "tls-certificates=" + ca.client_dir()));
    ASSERT_TRUE(t) << t.status();
    CloseOnExit close(t.value());
    server.kill();
    EXPECT_STATUS(send_read_synchronously(*t, nullptr, filled_memory(512), {}, 0,
                                          SendOptions{}.timeout_after(std::chrono::seconds(5))),
                  STATUS_CONNECTION_RESET);
    ASSERT_TRUE(server.start());  // the same port
    ASSERT_STATUS(t->start(), STATUS_SUCCESS);
    ASSERT_NO_FATAL_FAILURE(round_trip(*t, 0, 6));
}

TEST_F(NbdTlsTest, UnknownParameterValuesAreRefused) {
    const std::string base = "nbds+unix:///?socket=/nonexistent/wdfio.sock&";
    EXPECT_STATUS(IoTarget::open(engine, base + "tls-verify-peer=maybe").status(), STATUS_INVALID_PARAMETER);
    EXPECT_STATUS(IoTarget::open(engine, base + "tls-username=").status(), STATUS_INVALID_PARAMETER);
    EXPECT_STATUS(IoTarget::open(engine, base + "fua=yes").status(), STATUS_INVALID_PARAMETER);
    // Understood values reach the connect, which finds no socket.
    EXPECT_STATUS(IoTarget::open(engine, base + "tls-verify-peer=1&tls-username=alice").status(),
                  STATUS_OBJECT_NAME_NOT_FOUND);
}

}  // namespace
