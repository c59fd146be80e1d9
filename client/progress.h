// Upload/download progress bars for the remote mode, drawn on stderr only
// when it is a terminal (quiet otherwise).
#ifndef TFLCONV_CLIENT_PROGRESS_H_
#define TFLCONV_CLIENT_PROGRESS_H_

#include <chrono>
#include <cstdint>
#include <mutex>
#include <string>

#include "absl/strings/string_view.h"

namespace tflconv::cli {

class ProgressBar {
 public:
  // enabled: draw at all (the caller checks for a TTY and --quiet).
  explicit ProgressBar(bool enabled) : enabled_(enabled) {}
  ~ProgressBar() { Done(); }

  // "upload 37% [#######.............] 12.0 MiB / 32.4 MiB"
  void Bytes(absl::string_view label, uint64_t done, uint64_t total);
  // "convert: legalize"
  void Stage(absl::string_view text);
  // Ends the current line.
  void Done();

 private:
  void Draw(const std::string& line, bool force);

  const bool enabled_;
  std::mutex mu_;
  bool drawn_ = false;
  std::string label_;
  std::chrono::steady_clock::time_point last_;
};

// True when stderr is a terminal.
bool StderrIsTty();

}  // namespace tflconv::cli

#endif  // TFLCONV_CLIENT_PROGRESS_H_
