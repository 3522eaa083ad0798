// A real nbdkit server for a test: started on a Unix socket in a fresh
// temporary directory (nbdkit -U SOCK -P PIDFILE -f --exit-with-parent ARGS),
// or on a free TCP port of 127.0.0.1 (Listen::Tcp: TLS checks the server's
// certificate only over TCP, against the host name), ready once nbdkit wrote
// its pid file (it does so after it listens), killed and cleaned up at scope end. Tests that need it skip, saying why,
// when nbdkit is not installed (CI installs it: Makefile PACKAGES).
#pragma once
#include <gtest/gtest.h>

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <fstream>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

namespace wdfio::test {

inline bool nbdkit_installed() { return std::system("nbdkit --version >/dev/null 2>&1") == 0; }

#define SKIP_WITHOUT_NBDKIT()                                                                            \
    do {                                                                                                 \
        if (!::wdfio::test::nbdkit_installed())                                                          \
            GTEST_SKIP() << "nbdkit is not installed (apt-get install nbdkit; `make test` installs it)"; \
    } while (0)

// A TCP port of 127.0.0.1 free just now (the kernel's pick for port 0).
inline int free_local_port() {
    const int s = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (s < 0) return -1;
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t len = sizeof a;
    int port = -1;
    if (::bind(s, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0 &&
        ::getsockname(s, reinterpret_cast<sockaddr*>(&a), &len) == 0)
        port = ntohs(a.sin_port);
    ::close(s);
    return port;
}

class Nbdkit {
public:
    enum class Listen { Unix, Tcp };
    // args: options, filters, the plugin and its parameters, e.g. {"--filter=delay", "memory", "64M",
    // "rdelay=1"}; "{log}" in an argument becomes log_path() (the log filter's logfile=).
    explicit Nbdkit(std::vector<std::string> args, Listen listen = Listen::Unix)
        : args_(std::move(args)), listen_(listen) {
        char tmpl[] = "/tmp/wdfio-nbd-XXXXXX";
        if (mkdtemp(tmpl)) dir_ = tmpl;
        socket_ = dir_ + "/sock";
        start();
    }
    ~Nbdkit() {
        kill();
        ::unlink(socket_.c_str());
        ::unlink(pid_file().c_str());
        ::unlink(log_path().c_str());
        ::unlink((dir_ + "/stderr").c_str());
        ::rmdir(dir_.c_str());
    }
    Nbdkit(const Nbdkit&) = delete;
    Nbdkit& operator=(const Nbdkit&) = delete;

    // Starts the server again (after kill()) on the same socket.
    bool start() {
        ::unlink(pid_file().c_str());
        ::unlink(socket_.c_str());
        std::vector<std::string> argv = {"nbdkit", "-P", pid_file(), "-f", "--exit-with-parent"};
        if (listen_ == Listen::Tcp) {
            if (port_ <= 0) port_ = free_local_port();  // kept across restarts: where the target reconnects
            argv.insert(argv.end(), {"-i", "127.0.0.1", "-p", std::to_string(port_)});
        } else {
            argv.insert(argv.end(), {"-U", socket_});
        }
        for (std::string a : args_) {
            if (const auto at = a.find("{log}"); at != std::string::npos) a.replace(at, 5, log_path());
            argv.push_back(std::move(a));
        }
        pid_ = fork();
        if (pid_ == 0) {
            // Its messages (the error filter's, one a failure) go to a file, not the test's output.
            const int err = ::open((dir_ + "/stderr").c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
            if (err >= 0) dup2(err, 2);
            std::vector<char*> a;
            a.reserve(argv.size() + 1);
            for (auto& s : argv) a.push_back(s.data());
            a.push_back(nullptr);
            execvp("nbdkit", a.data());
            _exit(127);
        }
        const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
        while (std::chrono::steady_clock::now() < deadline) {
            struct stat st {};
            if (::stat(pid_file().c_str(), &st) == 0 && st.st_size > 0) return ready_ = true;
            int status = 0;
            if (waitpid(pid_, &status, WNOHANG) == pid_) {
                pid_ = -1;
                break;
            }
            std::this_thread::sleep_for(std::chrono::milliseconds(5));
        }
        ADD_FAILURE() << "nbdkit did not start";
        return ready_ = false;
    }
    void kill() {
        if (pid_ <= 0) return;
        ::kill(pid_, SIGKILL);
        waitpid(pid_, nullptr, 0);
        pid_ = -1;
    }

    bool ready() const { return ready_; }
    // nbd+unix:///?socket=SOCK or nbd://localhost:PORT/; with tls, nbds...; `query` ("a=1&b=2") appended.
    std::string uri(bool tls = false, const std::string& query = {}) const {
        const std::string s = tls ? "nbds" : "nbd";
        if (listen_ == Listen::Tcp)
            return s + "://localhost:" + std::to_string(port_) + "/" + (query.empty() ? "" : "?" + query);
        return s + "+unix:///?socket=" + socket_ + (query.empty() ? "" : "&" + query);
    }
    int port() const { return port_; }
    const std::string& socket() const { return socket_; }
    // For the log filter: logfile=<this>.
    std::string log_path() const { return dir_ + "/log"; }
    std::string log_text() const { return read_text(log_path()); }
    // What the server wrote to its standard error (its own errors among it).
    std::string stderr_text() const { return read_text(dir_ + "/stderr"); }

private:
    static std::string read_text(const std::string& path) {
        std::ifstream in(path);
        std::stringstream ss;
        ss << in.rdbuf();
        return ss.str();
    }
    std::string pid_file() const { return dir_ + "/pid"; }

    std::vector<std::string> args_;
    Listen listen_;
    int port_ = -1;
    std::string dir_, socket_;
    pid_t pid_ = -1;
    bool ready_ = false;
};

}  // namespace wdfio::test
