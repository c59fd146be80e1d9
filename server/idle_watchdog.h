// One thread that asks every watched call, a few times per idle timeout,
// whether it has gone idle for too long (a stalled upload, a client that
// stopped reading). Nothing blocks in a gRPC reaction, so no reaction can
// notice that the next one never comes: this thread does, and the call
// acts on it (fails itself, frees its job).
#ifndef TFLCONV_SERVER_IDLE_WATCHDOG_H_
#define TFLCONV_SERVER_IDLE_WATCHDOG_H_

#include <condition_variable>
#include <memory>
#include <mutex>
#include <thread>
#include <vector>

#include "absl/time/time.h"

namespace tflconv::server {

class IdleWatchdog {
 public:
  class Watched {
   public:
    virtual ~Watched() = default;
    // Called from the watchdog's thread; must not block.
    virtual void CheckIdle(absl::Time now) = 0;
  };

  // Checks every `period`.
  explicit IdleWatchdog(absl::Duration period);
  ~IdleWatchdog();  // stops and joins the thread
  IdleWatchdog(const IdleWatchdog&) = delete;
  IdleWatchdog& operator=(const IdleWatchdog&) = delete;

  // Watched until the last owner lets `watched` go.
  void Watch(std::weak_ptr<Watched> watched);

 private:
  void Loop();

  const absl::Duration period_;
  std::mutex mu_;
  std::condition_variable cv_;
  bool stopping_ = false;
  std::vector<std::weak_ptr<Watched>> watched_;
  std::thread thread_;
};

}  // namespace tflconv::server

#endif  // TFLCONV_SERVER_IDLE_WATCHDOG_H_
