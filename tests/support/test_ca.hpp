// A throwaway certificate authority for the NBD TLS tests, made with
// certtool (gnutls-bin) in a fresh temporary directory: ECDSA keys (quick to
// make), valid two days.
//   server_dir(): ca-cert.pem, server-cert.pem (for localhost and 127.0.0.1),
//                 server-key.pem — nbdkit's --tls-certificates=DIR
//   client_dir(): the same ca-cert.pem — libnbd's tls-certificates=DIR
//   other_ca_dir(): the ca-cert.pem of another CA, which signed nothing here
//   psk_file(): "alice:<hex key>" — nbdkit's --tls-psk and libnbd's tls-psk-file
// Tests skip, saying why, when certtool is absent (CI installs it: Makefile PACKAGES).
#pragma once
#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>

namespace wdfio::test {

inline bool certtool_installed() { return std::system("certtool --version >/dev/null 2>&1") == 0; }

#define SKIP_WITHOUT_CERTTOOL()                                                                                \
    do {                                                                                                       \
        if (!::wdfio::test::certtool_installed())                                                              \
            GTEST_SKIP() << "certtool is not installed (apt-get install gnutls-bin; `make test` installs it)"; \
    } while (0)

class TestCa {
public:
    TestCa() {
        char tmpl[] = "/tmp/wdfio-ca-XXXXXX";
        if (!mkdtemp(tmpl)) return;
        dir_ = tmpl;
        for (const char* d : {"server", "client", "other"}) std::filesystem::create_directory(dir_ + "/" + d);
        write(dir_ + "/ca.info", "cn = wdfio test CA\nca\ncert_signing_key\nexpiration_days = 2\n");
        write(dir_ + "/server.info",
              "organization = wdfio test\ncn = localhost\ndns_name = localhost\nip_address = 127.0.0.1\n"
              "tls_www_server\nencryption_key\nsigning_key\nexpiration_days = 2\n");
        ok_ = certtool("--generate-privkey --key-type=ecdsa --outfile ca-key.pem") &&
              certtool(
                  "--generate-self-signed --load-privkey ca-key.pem --template ca.info --outfile "
                  "server/ca-cert.pem") &&
              certtool("--generate-privkey --key-type=ecdsa --outfile server/server-key.pem") &&
              certtool(
                  "--generate-certificate --load-ca-certificate server/ca-cert.pem --load-ca-privkey ca-key.pem "
                  "--load-privkey server/server-key.pem --template server.info --outfile "
                  "server/server-cert.pem") &&
              certtool("--generate-privkey --key-type=ecdsa --outfile other-key.pem") &&
              certtool(
                  "--generate-self-signed --load-privkey other-key.pem --template ca.info --outfile "
                  "other/ca-cert.pem");
        std::error_code ec;
        std::filesystem::copy_file(dir_ + "/server/ca-cert.pem", dir_ + "/client/ca-cert.pem", ec);
        ok_ = ok_ && !ec;
        write(psk_file(), "alice:0123456789abcdef0123456789abcdef\n");
        write(dir_ + "/other.psk", "alice:fedcba9876543210fedcba9876543210\n");
    }
    ~TestCa() {
        std::error_code ec;
        if (!dir_.empty()) std::filesystem::remove_all(dir_, ec);
    }
    TestCa(const TestCa&) = delete;
    TestCa& operator=(const TestCa&) = delete;

    bool ok() const { return ok_; }
    std::string server_dir() const { return dir_ + "/server"; }
    std::string client_dir() const { return dir_ + "/client"; }
    std::string other_ca_dir() const { return dir_ + "/other"; }
    std::string psk_file() const { return dir_ + "/keys.psk"; }
    std::string other_psk_file() const { return dir_ + "/other.psk"; }  // alice, with another key

private:
    static void write(const std::string& path, const std::string& text) { std::ofstream(path) << text; }
    bool certtool(const std::string& args) const {
        return std::system(("cd '" + dir_ + "' && certtool " + args + " >/dev/null 2>&1").c_str()) == 0;
    }

    std::string dir_;
    bool ok_ = false;
};

}  // namespace wdfio::test
