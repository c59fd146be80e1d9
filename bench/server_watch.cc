#include "bench/server_watch.h"

#include <dirent.h>
#include <signal.h>
#include <unistd.h>

#include <algorithm>
#include <fstream>
#include <regex>
#include <set>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_split.h"

namespace tflconv::soak {
namespace {

std::vector<std::string> ListDir(const std::string& path) {
  std::vector<std::string> names;
  if (DIR* dir = opendir(path.c_str())) {
    while (dirent* entry = readdir(dir)) {
      if (entry->d_name[0] != '.') names.emplace_back(entry->d_name);
    }
    closedir(dir);
  }
  return names;
}

// A /proc/<pid>/status field in kB; -1 when the process is gone.
double StatusKb(pid_t pid, const std::string& key) {
  std::ifstream status(absl::StrCat("/proc/", pid, "/status"));
  std::string line;
  while (std::getline(status, line)) {
    if (line.rfind(key, 0) == 0) return std::stod(line.substr(key.size()));
  }
  return -1;
}

// Alive and not a zombie.
bool Alive(pid_t pid) {
  std::ifstream status(absl::StrCat("/proc/", pid, "/status"));
  std::string line;
  while (std::getline(status, line)) {
    if (line.rfind("State:", 0) == 0) return line.find('Z') == std::string::npos;
  }
  return false;
}

// The process holding the socket that listens on 127.0.0.1:port or any
// address (/proc/net/tcp{,6}: state 0A is LISTEN), 0 if none.
pid_t ListeningPid(int port) {
  std::set<std::string> inodes;
  for (const char* table : {"/proc/net/tcp", "/proc/net/tcp6"}) {
    std::ifstream in(table);
    std::string line;
    std::getline(in, line);  // the header
    while (std::getline(in, line)) {
      std::vector<std::string> fields = absl::StrSplit(line, ' ', absl::SkipEmpty());
      if (fields.size() < 10 || fields[3] != "0A") continue;
      const size_t colon = fields[1].rfind(':');
      int local_port = 0;
      if (colon != std::string::npos &&
          absl::SimpleHexAtoi(fields[1].substr(colon + 1), &local_port) && local_port == port) {
        inodes.insert(absl::StrCat("socket:[", fields[9], "]"));
      }
    }
  }
  if (inodes.empty()) return 0;
  for (const std::string& name : ListDir("/proc")) {
    pid_t pid = 0;
    if (!absl::SimpleAtoi(name, &pid)) continue;
    const std::string fds = absl::StrCat("/proc/", pid, "/fd");
    for (const std::string& fd : ListDir(fds)) {
      char target[64];
      const ssize_t n = readlink((fds + "/" + fd).c_str(), target, sizeof(target) - 1);
      if (n > 0 && inodes.count(std::string(target, n))) return pid;
    }
  }
  return 0;
}

}  // namespace

absl::StatusOr<std::unique_ptr<ServerWatch>> ServerWatch::Start(std::vector<std::string> argv,
                                                                std::string log) {
  auto watch = std::unique_ptr<ServerWatch>(new ServerWatch());
  watch->log_ = std::move(log);
  if (absl::Status started = watch->Spawn(argv); !started.ok()) return started;
  // Started again, it listens on the same port (a later --listen wins).
  watch->argv_ = std::move(argv);
  watch->argv_.push_back(absl::StrCat("--listen=127.0.0.1:", watch->port_));
  return watch;
}

absl::StatusOr<std::unique_ptr<ServerWatch>> ServerWatch::Attach(int port, pid_t pid) {
  auto watch = std::unique_ptr<ServerWatch>(new ServerWatch());
  watch->port_ = port;
  watch->pid_ = pid != 0 ? pid : ListeningPid(port);
  if (watch->pid_ == 0 || !Alive(watch->pid_)) {
    return absl::NotFoundError(absl::StrCat("no server process listens on port ", port,
                                            " (or --server_pid is not running)"));
  }
  return watch;
}

ServerWatch::~ServerWatch() { Stop(); }

absl::Status ServerWatch::Spawn(std::vector<std::string> argv) {
  auto child = testing::Child::Spawn(argv, {}, log_);
  if (!child.ok()) return child.status();
  const std::string line = (*child)->ReadLine(absl::Seconds(60));
  std::smatch port;
  if (!std::regex_search(line, port, std::regex("listening on port (\\d+)"))) {
    return absl::UnavailableError(
        absl::StrCat("the server did not start (its log: ", log_, "): ", line));
  }
  port_ = std::stoi(port[1]);
  std::smatch metrics;
  if (std::regex_search(line, metrics, std::regex("metrics port (\\d+)"))) {
    metrics_port_ = std::stoi(metrics[1]);
  }
  pid_ = (*child)->pid();
  child_ = *std::move(child);
  return absl::OkStatus();
}

std::string ServerWatch::Check() {
  if (child_ != nullptr) {
    if (child_->Running()) return "";
    const int code = child_->Wait();
    ++restarts_;
    const std::string what = absl::StrCat("the server (pid ", pid_, ") exited with ", code,
                                          code > 128 ? " (a signal)" : "");
    absl::Status again = Spawn(argv_);
    return again.ok() ? what : absl::StrCat(what, "; starting it again failed: ",
                                            again.message());
  }
  if (pid_ != 0 && Alive(pid_)) return "";
  const pid_t now = ListeningPid(port_);
  if (now == pid_) return "";  // still none listening: counted once
  ++restarts_;
  const std::string what =
      absl::StrCat("the server process ", pid_, " is gone; now ", now ? "pid " : "nothing ",
                   now ? absl::StrCat(now) : std::string("listens"));
  pid_ = now;
  return what;
}

double ServerWatch::RssMiB() const {
  const double kb = pid_ != 0 ? StatusKb(pid_, "VmRSS:") : -1;
  return kb < 0 ? -1 : kb / 1024;
}

std::string ServerWatch::RssParts() const {
  auto mib = [&](const char* key) { return pid_ != 0 ? StatusKb(pid_, key) / 1024 : -1; };
  return absl::StrFormat("anon %.1f, file %.1f, shmem %.1f MiB", mib("RssAnon:"), mib("RssFile:"),
                         mib("RssShmem:"));
}

double ServerWatch::WorkersRssMiB() const {
  double kb = 0;
  for (const std::string& task : ListDir(absl::StrCat("/proc/", pid_, "/task"))) {
    std::ifstream children(absl::StrCat("/proc/", pid_, "/task/", task, "/children"));
    pid_t child = 0;
    while (children >> child) kb += std::max(0.0, StatusKb(child, "VmRSS:"));
  }
  return kb / 1024;
}

int ServerWatch::Stop() {
  if (child_ == nullptr) return 0;
  child_->Signal(SIGTERM);
  const int code = child_->Wait();
  child_.reset();
  return code;
}

}  // namespace tflconv::soak
