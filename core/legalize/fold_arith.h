// Element arithmetic for constant folding with TensorFlow's results and no
// undefined behaviour: signed integers wrap in two's complement as
// TensorFlow's CPU kernels do (INT_MIN / -1 included, see
// tensorflow/core/kernels/cwise_ops.h safe_div_or_mod_op), floating point
// is IEEE. Division and modulo by an integer zero are errors in TensorFlow;
// callers reject them (IntegerZeroDivisor) before folding, so the helpers
// here never see a zero divisor.
#ifndef TFLCONV_CORE_LEGALIZE_FOLD_ARITH_H_
#define TFLCONV_CORE_LEGALIZE_FOLD_ARITH_H_

#include <cmath>
#include <type_traits>

namespace tflconv {

// The unsigned type the usual arithmetic conversions give T: uint16 * uint16
// is computed in int and can overflow; in unsigned int it wraps.
template <typename T>
using WrapType = std::make_unsigned_t<decltype(T{} + T{})>;

template <typename T>
T WrapAdd(T a, T b) {
  if constexpr (std::is_floating_point_v<T>) {
    return a + b;
  } else {
    return static_cast<T>(static_cast<WrapType<T>>(a) + static_cast<WrapType<T>>(b));
  }
}
template <typename T>
T WrapSub(T a, T b) {
  if constexpr (std::is_floating_point_v<T>) {
    return a - b;
  } else {
    return static_cast<T>(static_cast<WrapType<T>>(a) - static_cast<WrapType<T>>(b));
  }
}
template <typename T>
T WrapMul(T a, T b) {
  if constexpr (std::is_floating_point_v<T>) {
    return a * b;
  } else {
    return static_cast<T>(static_cast<WrapType<T>>(a) * static_cast<WrapType<T>>(b));
  }
}
template <typename T>
T WrapNeg(T a) {
  return WrapSub(T{0}, a);
}
template <typename T>
T WrapAbs(T a) {
  return a < T{0} ? WrapNeg(a) : a;
}

// True for a signed integer b == -1, where a / b and a % b trap on INT_MIN.
template <typename T>
bool IsMinusOne(T b) {
  if constexpr (std::is_signed_v<T> && std::is_integral_v<T>) return b == T{-1};
  return false;
}

// Div and RealDiv: C++ division, which truncates integers.
template <typename T>
T TruncDiv(T a, T b) {
  if (IsMinusOne(b)) return WrapNeg(a);
  return static_cast<T>(a / b);
}

// TruncateDiv: the quotient rounded toward zero, for every type.
template <typename T>
T TruncateDivide(T a, T b) {
  if constexpr (std::is_floating_point_v<T>) {
    return std::trunc(a / b);
  } else {
    return TruncDiv(a, b);
  }
}

// Sign: -1, 0 or 1; NaN stays NaN, as TFLite's SIGN kernel (sign.cc) gives it.
template <typename T>
T Signum(T x) {
  if constexpr (std::is_floating_point_v<T>) {
    if (std::isnan(x)) return x;
  }
  if (x > T{0}) return T{1};
  if constexpr (std::is_signed_v<T>) {
    if (x < T{0}) return T{-1};
  }
  return T{0};
}

// FloorDiv and FloorMod: rounding toward negative infinity, the remainder
// taking the divisor's sign.
template <typename T>
T FloorDiv(T a, T b) {
  if constexpr (std::is_floating_point_v<T>) {
    return std::floor(a / b);
  } else {
    if (IsMinusOne(b)) return WrapNeg(a);
    T q = static_cast<T>(a / b);
    if ((a % b != 0) && ((a < 0) != (b < 0))) --q;
    return q;
  }
}
template <typename T>
T FloorMod(T a, T b) {
  if constexpr (std::is_floating_point_v<T>) {
    T r = std::fmod(a, b);
    return (r != 0 && ((r < 0) != (b < 0))) ? r + b : r;
  } else {
    if (IsMinusOne(b)) return T{0};
    T r = static_cast<T>(a % b);
    return (r != 0 && ((r < 0) != (b < 0))) ? static_cast<T>(r + b) : r;
  }
}

// Pow: std::pow for floating point; for integers repeated wrapping
// multiplication (callers reject negative exponents, as TensorFlow does).
template <typename T>
T Power(T base, T exponent) {
  if constexpr (std::is_floating_point_v<T>) {
    return static_cast<T>(std::pow(base, exponent));
  } else {
    T result = 1;
    for (auto e = static_cast<WrapType<T>>(exponent); e != 0; e >>= 1) {
      if (e & 1) result = WrapMul(result, base);
      base = WrapMul(base, base);
    }
    return result;
  }
}

// BitwiseXor and RightShift, defined for integers only (their rules refuse
// other dtypes before folding). The shift is clamped to [0, bits - 1] and
// arithmetic for signed values, as TensorFlow's right_shift_op and TFLite's
// right_shift.cc both do.
template <typename T>
T BitXor(T a, T b) {
  if constexpr (std::is_integral_v<T>) {
    return static_cast<T>(a ^ b);
  } else {
    return a;
  }
}
template <typename T>
T ShiftRight(T a, T b) {
  if constexpr (std::is_integral_v<T> && !std::is_same_v<T, bool>) {
    constexpr T kMaxShift = static_cast<T>(sizeof(T) * 8 - 1);
    const T shift = b < T{0} ? T{0} : (b > kMaxShift ? kMaxShift : b);
    return static_cast<T>(a >> shift);
  } else {
    return a;
  }
}

}  // namespace tflconv

#endif  // TFLCONV_CORE_LEGALIZE_FOLD_ARITH_H_
