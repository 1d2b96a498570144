// loopback_server.h — a tiny HTTP/1.1 file server on 127.0.0.1 for the downloader's
// tests, started and stopped by the test itself on a port the kernel picks.
//
// It serves byte strings by path and can misbehave on purpose: answer with an error
// status, ignore Range requests, or cut the connection after a number of body bytes
// (the first `cuts` responses only), so the tests can watch curl resume. It never
// listens beyond the loopback interface, so the suite needs no network.
#pragma once
#include <atomic>
#include <cstddef>
#include <map>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace aet::testing {

struct ServedFile {
  std::string body;
  int status = 200;            // anything but 200 is sent with a short text body
  bool ignore_range = false;   // answer Range requests with the whole file (200)
  size_t cut_after = 0;        // with cuts > 0: close after this many body bytes
  int cuts = 0;                // how many responses are cut
};

class LoopbackServer {
 public:
  LoopbackServer();   // listening when the constructor returns; throws if it cannot bind
  ~LoopbackServer();  // stops the thread and closes the socket
  LoopbackServer(const LoopbackServer&) = delete;
  LoopbackServer& operator=(const LoopbackServer&) = delete;

  void serve(const std::string& path, ServedFile file);  // path like "/a.gz"
  std::string url() const;                                // "http://127.0.0.1:PORT/"
  int port() const { return port_; }
  // One line per request received: "GET /a.gz" plus " Range: bytes=N-" if asked.
  std::vector<std::string> requests() const;

 private:
  void run();
  void handle(int fd);

  int listen_fd_ = -1;
  int port_ = 0;
  std::atomic<bool> stop_{false};
  mutable std::mutex mutex_;
  std::map<std::string, ServedFile> files_;
  std::vector<std::string> requests_;
  std::thread thread_;
};

}  // namespace aet::testing
