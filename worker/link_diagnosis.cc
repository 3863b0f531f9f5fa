#include "worker/link_diagnosis.h"

#include <netdb.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <fcntl.h>

#include <cerrno>
#include <cstring>
#include <memory>

#include "absl/strings/str_cat.h"

namespace edgectl::worker {
namespace {

struct SslCtxFree {
  void operator()(SSL_CTX* c) const { SSL_CTX_free(c); }
};
struct SslFree {
  void operator()(SSL* s) const { SSL_free(s); }
};

// "host:port", "[v6]:port" -> host, port; false when malformed.
bool SplitAddress(const std::string& address, std::string* host, std::string* port) {
  const size_t colon = address.rfind(':');
  if (colon == std::string::npos || colon == 0) return false;
  *host = address.substr(0, colon);
  *port = address.substr(colon + 1);
  if (host->size() >= 2 && host->front() == '[' && host->back() == ']') {
    *host = host->substr(1, host->size() - 2);
  }
  return !host->empty() && !port->empty();
}

// A connected socket, or -1 with `error` set.
int ConnectTcp(const std::string& host, const std::string& port, absl::Duration timeout,
               std::string* error) {
  addrinfo hints{};
  hints.ai_socktype = SOCK_STREAM;
  addrinfo* found = nullptr;
  if (const int rc = getaddrinfo(host.c_str(), port.c_str(), &hints, &found); rc != 0) {
    *error = absl::StrCat("cannot resolve ", host, ": ", gai_strerror(rc));
    return -1;
  }
  int fd = -1;
  for (addrinfo* a = found; a != nullptr && fd < 0; a = a->ai_next) {
    fd = socket(a->ai_family, a->ai_socktype | SOCK_NONBLOCK | SOCK_CLOEXEC, a->ai_protocol);
    if (fd < 0) continue;
    int rc = connect(fd, a->ai_addr, a->ai_addrlen);
    if (rc != 0 && errno == EINPROGRESS) {
      pollfd p{fd, POLLOUT, 0};
      rc = poll(&p, 1, static_cast<int>(absl::ToInt64Milliseconds(timeout))) == 1 ? 0 : -1;
      int so_error = rc == 0 ? 0 : ETIMEDOUT;
      socklen_t len = sizeof so_error;
      if (rc == 0) getsockopt(fd, SOL_SOCKET, SO_ERROR, &so_error, &len);
      errno = so_error;
      rc = so_error == 0 ? 0 : -1;
    }
    if (rc != 0) {
      *error = std::strerror(errno);
      close(fd);
      fd = -1;
    }
  }
  freeaddrinfo(found);
  if (fd >= 0) {
    // Blocking from here on, bounded by receive/send timeouts.
    const int flags = fcntl(fd, F_GETFL);
    fcntl(fd, F_SETFL, flags & ~O_NONBLOCK);
    timeval tv{static_cast<time_t>(absl::ToInt64Seconds(timeout)), 0};
    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
  }
  return fd;
}

struct Handshake {
  bool done = false;           // the TLS handshake completed
  long verify_result = X509_V_OK;
  std::string error;           // OpenSSL's reason when it did not complete
};

// A TLS handshake on `fd`. `ca` empty: no verification (only "does it speak TLS?").
Handshake TryTls(int fd, const std::string& host, const std::string& ca) {
  Handshake result;
  std::unique_ptr<SSL_CTX, SslCtxFree> ctx(SSL_CTX_new(TLS_client_method()));
  if (!ctx) return result;
  SSL_CTX_set_alpn_protos(ctx.get(), reinterpret_cast<const unsigned char*>("\x02h2"), 3);
  if (!ca.empty()) {
    SSL_CTX_set_verify(ctx.get(), SSL_VERIFY_PEER, nullptr);
    if (SSL_CTX_load_verify_locations(ctx.get(), ca.c_str(), nullptr) != 1) {
      result.error = "cannot load the CA file";
      ERR_clear_error();
      return result;
    }
  }
  std::unique_ptr<SSL, SslFree> ssl(SSL_new(ctx.get()));
  SSL_set_fd(ssl.get(), fd);
  SSL_set_tlsext_host_name(ssl.get(), host.c_str());
  if (!ca.empty()) SSL_set1_host(ssl.get(), host.c_str());
  result.done = SSL_connect(ssl.get()) == 1;
  result.verify_result = SSL_get_verify_result(ssl.get());
  if (!result.done) {
    const unsigned long e = ERR_get_error();
    char buf[256] = "the connection closed during the handshake";
    if (e != 0) ERR_error_string_n(e, buf, sizeof buf);
    result.error = buf;
  }
  ERR_clear_error();
  return result;
}

}  // namespace

std::string DiagnoseSidecarLink(const std::string& address,
                                const SidecarCredentialOptions& credentials,
                                absl::Duration timeout) {
  std::string host, port;
  if (!SplitAddress(address, &host, &port)) {
    return absl::StrCat("the sidecar address ", address, " is not HOST:PORT");
  }
  std::string error;
  int fd = ConnectTcp(host, port, timeout, &error);
  if (fd < 0) {
    return absl::StrCat("nothing answers at ", address, " (", error,
                        "): is `edgectl controlplane` running and listening there "
                        "(--listen-address; it listens on 127.0.0.1 unless told otherwise)?");
  }
  const std::string& ca = credentials.tls_ca;
  if (ca.empty()) {
    const Handshake tls = TryTls(fd, host, "");
    close(fd);
    if (tls.done) {
      return absl::StrCat(
          "the sidecar at ", address, " serves TLS, but this worker has no [edge] "
          "controlplane_tls_ca and speaks plaintext: set it to the CA that signed the sidecar's "
          "certificate (and give the worker a client certificate or token)");
    }
    return "";
  }
  const Handshake tls = TryTls(fd, host, ca);
  close(fd);
  if (tls.done) return "";
  if (tls.verify_result == X509_V_ERR_HOSTNAME_MISMATCH) {
    return absl::StrCat("the sidecar's certificate does not name ", host,
                        ": connect with a name its certificate lists, or reissue it with that "
                        "name");
  }
  if (tls.verify_result != X509_V_OK) {
    return absl::StrCat("the sidecar's certificate is not trusted by [edge] controlplane_tls_ca ",
                        ca, " (", X509_verify_cert_error_string(tls.verify_result),
                        "): point it at the CA that signed the sidecar's certificate");
  }
  return absl::StrCat("the sidecar at ", address, " did not complete a TLS handshake (",
                      tls.error, "): is it started with --tls-cert and --tls-key?");
}

}  // namespace edgectl::worker
