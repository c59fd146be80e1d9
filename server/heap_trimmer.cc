#include "server/heap_trimmer.h"

#include <malloc.h>

#include <utility>

namespace tflconv::server {

void ConfineHeapToMainArena() { mallopt(M_ARENA_MAX, 1); }

HeapTrimmer::HeapTrimmer(ConversionService* service, absl::Duration quiet,
                         std::function<void()> trim)
    : service_(service),
      quiet_(quiet),
      trim_(trim ? std::move(trim) : [service] {
        service->ReleaseKeptMemory();
        malloc_trim(0);
      }) {}

void HeapTrimmer::CheckIdle(absl::Time now) {
  const ConversionService::Stats stats = service_->stats();
  if (stats.in_flight > 0 || stats.admitted == admitted_at_trim_) {
    idle_since_ = absl::InfiniteFuture();
    return;
  }
  if (idle_since_ == absl::InfiniteFuture()) idle_since_ = now;
  if (now - idle_since_ < quiet_) return;
  trim_();
  admitted_at_trim_ = stats.admitted;
  idle_since_ = absl::InfiniteFuture();
}

}  // namespace tflconv::server
