#include "server/idle_watchdog.h"

#include "absl/time/clock.h"

namespace tflconv::server {

IdleWatchdog::IdleWatchdog(absl::Duration period)
    : period_(period), thread_([this] { Loop(); }) {}

IdleWatchdog::~IdleWatchdog() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    stopping_ = true;
  }
  cv_.notify_all();
  thread_.join();
}

void IdleWatchdog::Watch(std::weak_ptr<Watched> watched) {
  std::lock_guard<std::mutex> lock(mu_);
  watched_.push_back(std::move(watched));
}

void IdleWatchdog::Loop() {
  std::unique_lock<std::mutex> lock(mu_);
  while (!cv_.wait_for(lock, absl::ToChronoNanoseconds(period_), [&] { return stopping_; })) {
    std::vector<std::shared_ptr<Watched>> live;
    std::vector<std::weak_ptr<Watched>> kept;
    for (std::weak_ptr<Watched>& weak : watched_) {
      if (std::shared_ptr<Watched> watched = weak.lock()) {
        live.push_back(std::move(watched));
        kept.push_back(std::move(weak));
      }
    }
    watched_.swap(kept);
    // Checked without the lock, so that calls starting meanwhile can
    // register.
    lock.unlock();
    const absl::Time now = absl::Now();
    for (const auto& watched : live) watched->CheckIdle(now);
    live.clear();  // the last owner may be here: destroyed without the lock
    lock.lock();
  }
}

}  // namespace tflconv::server
