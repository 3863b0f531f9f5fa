// File: bridge/http_transport.h
//
// HttpTransport sends one HTTP/1.1 request and returns the response, or a network-level error:
//   UNAVAILABLE        could not connect / connection dropped / TLS handshake or verification
//                      failed (message names which, from libcurl);
//   DEADLINE_EXCEEDED  connect or request timeout;
//   RESOURCE_EXHAUSTED libcurl could not create a handle.
// An HTTP error status is not an error here: it comes back as a response.
//
// CurlTransport is the libcurl implementation: a bounded pool of easy handles, each keeping its
// own connections alive between requests (HTTP keep-alive); a caller waits for a free handle when
// all max_connections are busy, so thousands of callers share a few sockets. TLS peer and host
// verification are always on; ca_bundle replaces the system CA store. Safe for many threads.
#ifndef EDGECTL_BRIDGE_HTTP_TRANSPORT_H_
#define EDGECTL_BRIDGE_HTTP_TRANSPORT_H_

#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"

namespace edgectl::bridge {

struct HttpRequest {
  std::string method;  // GET, POST, PATCH, PUT, DELETE, HEAD
  std::string url;
  std::vector<std::pair<std::string, std::string>> headers;
  std::optional<std::string> body;  // nullopt: no body at all
};

struct HttpResponse {
  int status = 0;
  std::string body;
  std::map<std::string, std::string> headers;  // names lower-cased
  // Every header line as received (name's case kept, repeats kept), for relaying it unchanged.
  std::vector<std::pair<std::string, std::string>> header_lines;
};

class HttpTransport {
 public:
  virtual ~HttpTransport() = default;
  virtual absl::StatusOr<HttpResponse> Send(const HttpRequest& request) = 0;
};

struct CurlTransportOptions {
  std::string ca_bundle;  // PEM file; "" = the system store
  absl::Duration connect_timeout = absl::Seconds(30);
  absl::Duration request_timeout = absl::Minutes(5);
  int max_connections = 16;
};

class CurlTransport : public HttpTransport {
 public:
  explicit CurlTransport(CurlTransportOptions options);
  ~CurlTransport() override;
  CurlTransport(const CurlTransport&) = delete;
  CurlTransport& operator=(const CurlTransport&) = delete;

  absl::StatusOr<HttpResponse> Send(const HttpRequest& request) override;

 private:
  void* Acquire();
  void Release(void* handle);

  const CurlTransportOptions options_;
  absl::Mutex mu_;
  std::vector<void*> idle_ ABSL_GUARDED_BY(mu_);
  int created_ ABSL_GUARDED_BY(mu_) = 0;
};

}  // namespace edgectl::bridge

#endif  // EDGECTL_BRIDGE_HTTP_TRANSPORT_H_
