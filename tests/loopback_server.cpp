// loopback_server.cpp — see loopback_server.h. One connection at a time (curl opens
// one per transfer), every response with "Connection: close".
#include "tests/loopback_server.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cstring>
#include <stdexcept>

namespace aet::testing {

namespace {

#ifdef MSG_NOSIGNAL
constexpr int kSendFlags = MSG_NOSIGNAL;  // a client that hangs up must not kill the test with SIGPIPE
#else
constexpr int kSendFlags = 0;
#endif

void send_all(int fd, const char* p, size_t n) {
  while (n > 0) {
    const ssize_t k = ::send(fd, p, n, kSendFlags);
    if (k <= 0) return;  // the client went away; nothing to do
    p += k;
    n -= static_cast<size_t>(k);
  }
}

std::string lower(std::string s) {
  for (char& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

}  // namespace

LoopbackServer::LoopbackServer() {
  listen_fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
  if (listen_fd_ < 0) throw std::runtime_error("loopback server: socket() failed");
  int one = 1;
  ::setsockopt(listen_fd_, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = 0;  // the kernel picks a free port
  socklen_t len = sizeof addr;
  if (::bind(listen_fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0 || ::listen(listen_fd_, 8) != 0 ||
      ::getsockname(listen_fd_, reinterpret_cast<sockaddr*>(&addr), &len) != 0) {
    ::close(listen_fd_);
    throw std::runtime_error(std::string("loopback server: cannot listen on 127.0.0.1: ") + std::strerror(errno));
  }
  port_ = ntohs(addr.sin_port);
  thread_ = std::thread([this] { run(); });
}

LoopbackServer::~LoopbackServer() {
  stop_ = true;
  thread_.join();
  ::close(listen_fd_);
}

void LoopbackServer::serve(const std::string& path, ServedFile file) {
  std::lock_guard<std::mutex> lock(mutex_);
  files_[path] = std::move(file);
}

std::string LoopbackServer::url() const { return "http://127.0.0.1:" + std::to_string(port_) + "/"; }

std::vector<std::string> LoopbackServer::requests() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return requests_;
}

void LoopbackServer::run() {
  // poll with a short timeout so the destructor's stop flag is seen promptly.
  while (!stop_) {
    pollfd p{listen_fd_, POLLIN, 0};
    if (::poll(&p, 1, 20) <= 0) continue;
    const int fd = ::accept(listen_fd_, nullptr, nullptr);
    if (fd < 0) continue;
    handle(fd);
    ::close(fd);
  }
}

void LoopbackServer::handle(int fd) {
  std::string request;
  char buf[2048];
  while (request.find("\r\n\r\n") == std::string::npos && request.size() < 65536) {
    pollfd p{fd, POLLIN, 0};
    if (::poll(&p, 1, 2000) <= 0) return;  // a silent client: give up on it
    const ssize_t n = ::recv(fd, buf, sizeof buf, 0);
    if (n <= 0) return;
    request.append(buf, static_cast<size_t>(n));
  }
  // "GET /path HTTP/1.1"
  const size_t sp1 = request.find(' '), sp2 = request.find(' ', sp1 + 1);
  const std::string path = sp1 == std::string::npos ? "" : request.substr(sp1 + 1, sp2 - sp1 - 1);
  long long range_from = -1;
  const std::string head = lower(request);
  if (const size_t r = head.find("\r\nrange: bytes="); r != std::string::npos)
    range_from = std::atoll(head.c_str() + r + std::strlen("\r\nrange: bytes="));

  ServedFile file;
  bool found = false;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    requests_.push_back("GET " + path + (range_from >= 0 ? " Range: bytes=" + std::to_string(range_from) + "-" : ""));
    if (auto it = files_.find(path); it != files_.end()) {
      found = true;
      file = it->second;
      if (it->second.cuts > 0) --it->second.cuts;
    }
  }

  auto reply = [&](int status, const std::string& reason, const std::string& extra, const std::string& body,
                   size_t send_bytes) {
    const std::string headers = "HTTP/1.1 " + std::to_string(status) + " " + reason + "\r\nContent-Length: " +
                                std::to_string(body.size()) + "\r\n" + extra + "Connection: close\r\n\r\n";
    send_all(fd, headers.data(), headers.size());
    send_all(fd, body.data(), std::min(send_bytes, body.size()));
    ::shutdown(fd, SHUT_WR);
  };
  if (!found) return reply(404, "Not Found", "", "no such file\n", std::string::npos);
  if (file.status != 200) return reply(file.status, "Error", "", "error page\n", std::string::npos);

  const size_t size = file.body.size();
  const size_t send_bytes = file.cuts > 0 ? file.cut_after : std::string::npos;
  if (range_from >= 0 && !file.ignore_range) {
    if (static_cast<size_t>(range_from) >= size)
      return reply(416, "Range Not Satisfiable", "Content-Range: bytes */" + std::to_string(size) + "\r\n", "",
                   std::string::npos);
    const std::string part = file.body.substr(static_cast<size_t>(range_from));
    return reply(206, "Partial Content",
                 "Content-Range: bytes " + std::to_string(range_from) + "-" + std::to_string(size - 1) + "/" +
                     std::to_string(size) + "\r\n",
                 part, send_bytes);
  }
  reply(200, "OK", "", file.body, send_bytes);
}

}  // namespace aet::testing
