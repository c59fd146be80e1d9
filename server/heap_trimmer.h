// Hands the heap's free memory back to the kernel once the server has had
// no job in flight for a quiet spell. glibc keeps what a burst of calls
// freed (gRPC's message buffers, uploads, reports) in its arenas, so an
// idle server otherwise stays at the resident size of its busiest moment:
// bench/soak measured an idle RSS 17% to 180% above the idle RSS before a
// 30-60 s burst, and malloc_trim(0) took 54 MiB back to 24.
#ifndef TFLCONV_SERVER_HEAP_TRIMMER_H_
#define TFLCONV_SERVER_HEAP_TRIMMER_H_

#include <cstdint>
#include <functional>

#include "absl/time/time.h"
#include "server/conversion_service.h"
#include "server/idle_watchdog.h"

namespace tflconv::server {

// Confines every thread's allocations to glibc's main arena; call it first
// in main, before any thread starts. malloc_trim gives back the free pages
// inside every arena but trims the free top of the main arena only; a
// thread arena's top goes back only when free() finds it above the trim
// threshold, which glibc raises (up to 64 MiB) once a large block has been
// freed. With the default 8 arenas per core, gRPC's threads left 4-5 MiB
// resident in 16 arenas that held 1.1 MB of live blocks, a few MiB more or
// less from one quiet moment to the next (bench/soak: idle RSS 23.4 MiB
// after the warm-up, 26.0 after 10 minutes); with one arena the idle heap
// is 2.3 MiB. One lock for the heap cost nothing beyond the noise in
// `service_bench load` on 2 cores (bench/README.md, "Soak").
void ConfineHeapToMainArena();

class HeapTrimmer final : public IdleWatchdog::Watched {
 public:
  // `trim` runs once per quiet spell that follows an admitted job: unless
  // a test gives another, it drops the memfds the service keeps for later
  // jobs (ConversionService::ReleaseKeptMemory), then malloc_trim(0).
  explicit HeapTrimmer(ConversionService* service, absl::Duration quiet = absl::Seconds(1),
                       std::function<void()> trim = nullptr);

  // From the watchdog's thread only.
  void CheckIdle(absl::Time now) override;

 private:
  ConversionService* const service_;
  const absl::Duration quiet_;
  const std::function<void()> trim_;
  uint64_t admitted_at_trim_ = 0;  // the service's admitted count at the last trim
  absl::Time idle_since_ = absl::InfiniteFuture();
};

}  // namespace tflconv::server

#endif  // TFLCONV_SERVER_HEAP_TRIMMER_H_
