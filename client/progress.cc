#include "client/progress.h"

#include <unistd.h>

#include <iostream>

#include "absl/strings/str_format.h"

namespace tflconv::cli {

bool StderrIsTty() { return isatty(STDERR_FILENO) == 1; }

void ProgressBar::Bytes(absl::string_view label, uint64_t done, uint64_t total) {
  if (!enabled_) return;
  constexpr int kWidth = 30;
  const double fraction = total == 0 ? 1.0 : static_cast<double>(done) / total;
  const int filled = static_cast<int>(fraction * kWidth);
  const std::string bar = std::string(filled, '#') + std::string(kWidth - filled, '.');
  Draw(absl::StrFormat("%-8s %3d%% [%s] %.1f / %.1f MiB", label, static_cast<int>(fraction * 100),
                       bar, done / 1048576.0, total / 1048576.0),
       done == total);
}

void ProgressBar::Stage(absl::string_view text) {
  if (!enabled_) return;
  Draw(absl::StrFormat("%-8s %s", "convert", text), true);
}

void ProgressBar::Draw(const std::string& line, bool force) {
  std::lock_guard<std::mutex> lock(mu_);
  const auto now = std::chrono::steady_clock::now();
  if (!force && drawn_ && now - last_ < std::chrono::milliseconds(100)) return;
  last_ = now;
  std::cerr << "\r\033[K" << line << std::flush;
  drawn_ = true;
}

void ProgressBar::Done() {
  if (!enabled_) return;
  std::lock_guard<std::mutex> lock(mu_);
  if (drawn_) std::cerr << "\n" << std::flush;
  drawn_ = false;
}

}  // namespace tflconv::cli
