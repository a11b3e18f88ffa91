#include "server/source_watcher.h"

#include <poll.h>
#include <sys/eventfd.h>
#include <sys/inotify.h>
#include <unistd.h>

#include <array>

namespace nimbus::server {

namespace fs = std::filesystem;

namespace {

bool ignoredDirectory(const fs::path& dir) {
  std::string name = dir.filename().string();
  return name == "node_modules" || name == ".nimbus" || name == ".git" || name == ".serverless" ||
         name == "__pycache__" || name == "build";
}

constexpr uint32_t kEvents =
    IN_CLOSE_WRITE | IN_CREATE | IN_DELETE | IN_MOVED_FROM | IN_MOVED_TO | IN_ATTRIB;

}  // namespace

SourceWatcher::SourceWatcher(fs::path root, std::chrono::milliseconds settle,
                             std::function<void()> onChange)
    : root_(std::move(root)), settle_(settle), onChange_(std::move(onChange)) {}

SourceWatcher::~SourceWatcher() {
  stop();
}

bool SourceWatcher::start() {
  inotifyFd_ = ::inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
  wakeFd_ = ::eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
  if (inotifyFd_ < 0 || wakeFd_ < 0) return false;
  watchTree(root_);
  thread_ = std::thread([this] { run(); });
  return true;
}

void SourceWatcher::stop() {
  if (thread_.joinable()) {
    uint64_t one = 1;
    (void)!::write(wakeFd_, &one, sizeof one);
    thread_.join();
  }
  if (inotifyFd_ >= 0) ::close(inotifyFd_);
  if (wakeFd_ >= 0) ::close(wakeFd_);
  inotifyFd_ = wakeFd_ = -1;
}

void SourceWatcher::watchTree(const fs::path& dir) {
  int wd = ::inotify_add_watch(inotifyFd_, dir.c_str(), kEvents);
  if (wd >= 0) watches_[wd] = dir;
  std::error_code ec;
  for (const auto& entry : fs::directory_iterator(dir, ec)) {
    if (entry.is_directory(ec) && !entry.is_symlink(ec) && !ignoredDirectory(entry.path())) {
      watchTree(entry.path());
    }
  }
}

void SourceWatcher::run() {
  std::array<char, 16384> buf;
  bool pending = false;
  for (;;) {
    std::array<pollfd, 2> fds{pollfd{inotifyFd_, POLLIN, 0}, pollfd{wakeFd_, POLLIN, 0}};
    // While changes are pending, wait only for the settle time: editors save in bursts.
    int timeout = pending ? static_cast<int>(settle_.count()) : -1;
    int n = ::poll(fds.data(), fds.size(), timeout);
    if (n < 0) continue;
    if (fds[1].revents & POLLIN) return;
    if (n == 0) {
      pending = false;
      onChange_();
      continue;
    }
    ssize_t len;
    while ((len = ::read(inotifyFd_, buf.data(), buf.size())) > 0) {
      for (ssize_t off = 0; off < len;) {
        auto* event = reinterpret_cast<inotify_event*>(buf.data() + off);
        off += static_cast<ssize_t>(sizeof(inotify_event) + event->len);
        auto it = watches_.find(event->wd);
        if (it == watches_.end() || event->len == 0) continue;
        fs::path path = it->second / event->name;
        if ((event->mask & IN_ISDIR) && ignoredDirectory(path)) continue;
        if ((event->mask & IN_ISDIR) && (event->mask & (IN_CREATE | IN_MOVED_TO))) watchTree(path);
        std::string name = event->name;
        // Editor swap and backup files are not source changes.
        if (name.ends_with(".swp") || name.ends_with("~") || name.starts_with(".#")) continue;
        pending = true;
      }
    }
  }
}

}  // namespace nimbus::server
