// Propagating absl::Status without writing the check out each time.
// Abseil keeps its own macros internal, and protobuf and gRPC define
// RETURN_IF_ERROR / ASSIGN_OR_RETURN variants of their own, hence the
// TFLCONV_ prefix.
//
//   TFLCONV_RETURN_IF_ERROR(ctx.ExpectInputs(2));
//   TFLCONV_ASSIGN_OR_RETURN(const int x, ctx.Input(0));
//
// Both return the failed status from the enclosing function (its return
// type may be absl::Status or any absl::StatusOr). The expression may hold
// commas; the left-hand side of TFLCONV_ASSIGN_OR_RETURN may not (use auto
// or an alias). TFLCONV_ASSIGN_OR_RETURN expands to several statements, so
// it cannot be the unbraced body of an if or a loop.
#ifndef TFLCONV_CORE_STATUS_MACROS_H_
#define TFLCONV_CORE_STATUS_MACROS_H_

#include <utility>

#include "absl/status/status.h"
#include "absl/status/statusor.h"

#define TFLCONV_RETURN_IF_ERROR(...)                                        \
  do {                                                                      \
    if (::absl::Status tflconv_status = (__VA_ARGS__); !tflconv_status.ok()) \
      return tflconv_status;                                                \
  } while (false)

#define TFLCONV_ASSIGN_OR_RETURN(lhs, ...)                                                 \
  TFLCONV_ASSIGN_OR_RETURN_IMPL(TFLCONV_STATUS_MACROS_CONCAT(tflconv_statusor_, __COUNTER__), \
                                lhs, __VA_ARGS__)

// Implementation details of the macros above.
#define TFLCONV_ASSIGN_OR_RETURN_IMPL(statusor, lhs, ...) \
  auto statusor = (__VA_ARGS__);                          \
  if (!statusor.ok()) return std::move(statusor).status(); \
  lhs = *std::move(statusor)
#define TFLCONV_STATUS_MACROS_CONCAT_INNER(a, b) a##b
#define TFLCONV_STATUS_MACROS_CONCAT(a, b) TFLCONV_STATUS_MACROS_CONCAT_INNER(a, b)

#endif  // TFLCONV_CORE_STATUS_MACROS_H_
