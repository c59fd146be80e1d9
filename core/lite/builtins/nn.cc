// Convolutions, matmuls, pooling, resizing, image rearrangements, non-max
// suppression, quantization and random numbers: one entry per builtin with
// its kernel contract (LiteRT tflite/kernels/<file>), its op_version.cc rules
// and its runtime_version.cc versions.
#include "core/lite/builtins/spec_dsl.h"

namespace tflconv::spec_dsl {

std::vector<BuiltinSpec> NnBuiltins() {
  const TensorRule image = OneOf({kF32, kU8, kI8, kI16}, 4, 4);
  const TensorRule depth_image = OneOf({kF32, kU8, kI8, kI16, kI32, kI64}, 4, 4);
  const TensorRule batch_image = OneOf({kF32, kU8, kI8, kI16, kI32, kI64}, 3, 4);
  return {
      // Neural-network kernels; float32 activations with float32 (or hybrid
      // int8) weights, 4-D images.
      {tfl::BuiltinOperator_CONV_2D,
       KernelContract{"conv.cc",
                      {OneOf({kF32, kU8, kI8, kI16}, 4, 4), OneOf({kF32, kU8, kI8}, 4, 4),
                       OneOf({kF32, kI32, kI64})}, {SameAs(0)}, false, ClampActivations()},
       {{8, {In(kI16), In(1, kI8), Out(kI16), If(Flag::kQuantizedBiasType)}},
        {6, {If(Flag::kGroupedConv)}}, {3, {In(kI8), In(1, kI8), Out(kI8)}},
        {7, {In(kI8), In(1, kI4), Out(kI8)}}, {2, {In(kF32), In(1, kI8), Out(kF32)}}},
       {"1.5.0", "1.14.0", "1.14.0", "2.3.0", "2.4.0", "2.9.0", "2.11.0", "2.15.0"}},
      {tfl::BuiltinOperator_DEPTHWISE_CONV_2D,
       KernelContract{"depthwise_conv.cc",
                      {OneOf({kF32, kU8, kI8, kI16}, 4, 4), OneOf({kF32, kU8, kI8}, 4, 4),
                       OneOf({kF32, kI32, kI64})}, {SameAs(0)}, false, ClampActivations()},
       {{4, {In(kF32), In(1, kI8), Out(kF32)}}, {3, {In(kI8), In(1, kI8), Out(kI8)}},
        {7, {In(kI8), In(1, kI4), Out(kI8)}}, {2, {If(Flag::kDilated)}}},
       {"1.5.0", "1.12.0", "1.14.0", "2.2.0", "2.3.0", "2.3.0", "2.11.0"}},
      // conv3d.cc: float32 only, 5-D input and filter [d, h, w, in, out], an
      // optional float32 bias. Its fused activation is the clamp
      // CalculateActivationRange gives (RELU, RELU6, RELU_N1_TO_1); any other
      // (TANH, SIGN_BIT) would be left unapplied. Version 1 with or without.
      {tfl::BuiltinOperator_CONV_3D,
       KernelContract{"conv3d.cc",
                      {OneOf({kF32}, 5, 5), OneOf({kF32}, 5, 5), OneOf({kF32}, 1, 1)},
                      {SameAs(0)}, false, ClampActivations()},
       {},
       {"2.5.0"}},
      // conv3d_transpose.cc: the output shape as 5 int32 values, float32
      // filter [d, h, w, out, in] and input, an optional float32 bias; its
      // fused activation clamps as CONV_3D's does.
      {tfl::BuiltinOperator_CONV_3D_TRANSPOSE,
       KernelContract{"conv3d_transpose.cc",
                      {OneOf({kI32}, 1, 1), OneOf({kF32}, 5, 5), OneOf({kF32}, 5, 5),
                       OneOf({kF32}, 1, 1)},
                      {SameAs(2)}, false, ClampActivations()},
       {},
       {"2.6.0"}},
      {tfl::BuiltinOperator_TRANSPOSE_CONV,
       KernelContract{"transpose_conv.cc",
                      {Int32(), OneOf({kF32, kU8, kI8}, 4, 4), OneOf({kF32, kU8, kI8, kI16}, 4, 4),
                       OneOf({kF32, kI32, kI64})}, {SameAs(2)}, false, ClampActivations()},
       {{5, {In(kI16), In(1, kI8), Out(kI16), If(Flag::kQuantizedBiasType)}},
        {4, {If(Flag::kFusedActivation)}}, {3, {If(Flag::kBiasInput)}}, {2, {In(1, kI8)}}},
       {"1.9.0", "2.2.0", "2.3.0", "2.13.0", "2.15.0"}},
      {tfl::BuiltinOperator_FULLY_CONNECTED,
       KernelContract{"fully_connected.cc",
                      {OneOf({kF32, kU8, kI8, kI16}), OneOf({kF32, kU8, kI8, kI16}),
                       OneOf({kF32, kI32, kI64})}, {SameAs(0)}, false, ClampActivations()},
       {{14, {In(1, kI2)}}, {13, {In(kI16), In(1, kI4), Out(kI16)}},
        {11, {In(kI16), In(1, kI8), Out(kI16), If(Flag::kQuantizedBiasType)}},
        {7, {In(kI16), In(1, kI16), Out(kI16)}}, {6, {If(Flag::kTwoInputs)}},
        {5, {If(Flag::kKeepNumDims)}}, {4, {In(kI8), In(1, kI8), Out(kI8)}},
        {10, {In(kI8), In(1, kI4), Out(kI8)}},
        {9, {In(kF32), In(1, kI8), Out(kF32), If(Flag::kAsymmetricInputs)}},
        {3, {In(kF32), In(1, kI8), Out(kF32)}}, {2, {If(Flag::kShuffledWeights)}}},
       {"1.5.0", "1.10.0", "1.14.0", "1.14.0", "2.0.0", "2.1.0", "2.3.0", "2.3.0", "2.3.0",
        "2.11.0", "2.15.0", "2.17.0", "2.18.0", "2.21.0"}},
      // batch_matmul.cc (read): float32, int8, int16 only, ranks 2 to 5.
      {tfl::BuiltinOperator_BATCH_MATMUL,
       KernelContract{"batch_matmul.cc",
                      {OneOf({kF32, kI8, kI16}, 2, 5), OneOf({kF32, kI8, kI16}, 2, 5)},
                      {SameAs(0)}},
       {{3, {In(kI16)}}, {2, {In(kI8)}},
        {4, {In(kF32), In(1, kI8), Out(kF32), If(Flag::kAsymmetricInputs)}}},
       {"2.3.0", "2.3.0", "2.4.0", "2.5.0"}},
      {tfl::BuiltinOperator_AVERAGE_POOL_2D,
       KernelContract{"pooling.cc", {image}, {SameAs(0)}, false, ClampActivations()},
       {{3, {In(kI16), Out(kI16)}}, {2, {In(kI8)}}},
       {"1.5.0", "1.14.0", "2.3.0"}},
      {tfl::BuiltinOperator_MAX_POOL_2D,
       KernelContract{"pooling.cc", {image}, {SameAs(0)}, false, ClampActivations()},
       {{3, {In(kI16), Out(kI16)}}, {2, {In(kI8)}}},
       {"1.5.0", "1.14.0", "2.3.0"}},
      // local_response_norm.cc: 4-D float32 (its uint16 path is quantized).
      {tfl::BuiltinOperator_LOCAL_RESPONSE_NORMALIZATION,
       KernelContract{"local_response_norm.cc", {OneOf({kF32}, 4, 4)}, {SameAs(0)}},
       {},
       {"1.5.0"}},
      {tfl::BuiltinOperator_RESIZE_BILINEAR,
       KernelContract{"resize_bilinear.cc", {image, Int32()}, {SameAs(0)}},
       {{4, {In(kI16)}}, {3, {If(Flag::kHalfPixelCenters)}}, {2, {In(kI8)}}},
       {"1.7.0", "1.14.0", "2.2.0", "2.5.0"}},
      {tfl::BuiltinOperator_RESIZE_NEAREST_NEIGHBOR,
       KernelContract{"resize_nearest_neighbor.cc",
                      {OneOf({kF32, kU8, kI8, kI16, kI32}, 4, 4), Int32()}, {SameAs(0)}},
       {{4, {In(kI16)}}, {3, {If(Flag::kHalfPixelOrAlignCorners)}}, {2, {In(kI8)}}},
       {"1.13.1", "1.14.0", "2.3.0", "2.4.0"}},
      {tfl::BuiltinOperator_SPACE_TO_DEPTH,
       KernelContract{"space_to_depth.cc", {depth_image}, {SameAs(0)}},
       {{2, {In(kI8)}}},
       {"1.5.0", "1.14.0"}},
      {tfl::BuiltinOperator_DEPTH_TO_SPACE,
       KernelContract{"depth_to_space.cc", {depth_image}, {SameAs(0)}},
       {{2, {In(kI8)}}},
       {"2.1.0", "2.5.0"}},
      {tfl::BuiltinOperator_SPACE_TO_BATCH_ND,
       KernelContract{"space_to_batch_nd.cc", {batch_image, Int32(), Int32()}, {SameAs(0)}},
       {{4, {In(kI16)}}, {3, {RankIsNot(4)}}, {2, {In(kI8)}}},
       {"1.6.0", "1.14.0", "2.3.0", "2.12.0"}},
      {tfl::BuiltinOperator_BATCH_TO_SPACE_ND,
       KernelContract{"batch_to_space_nd.cc", {batch_image, Int32(), Int32()}, {SameAs(0)}},
       {{4, {In(kI16)}}, {3, {RankIsNot(4)}}, {2, {In(kI8)}}},
       {"1.6.0", "1.14.0", "2.3.0", "2.12.0"}},
      {tfl::BuiltinOperator_NON_MAX_SUPPRESSION_V4,
       KernelContract{"non_max_suppression.cc",
                      {OneOf({kF32}, 2, 2), OneOf({kF32}, 1, 1), Int32(), OneOf({kF32}),
                       OneOf({kF32})}, {Int32(), Int32()}},
       {},
       {"2.1.0"}},
      {tfl::BuiltinOperator_NON_MAX_SUPPRESSION_V5,
       KernelContract{"non_max_suppression.cc",
                      {OneOf({kF32}, 2, 2), OneOf({kF32}, 1, 1), Int32(), OneOf({kF32}),
                       OneOf({kF32}), OneOf({kF32})}, {Int32(), OneOf({kF32}), Int32()}},
       {},
       {"2.1.0"}},
      // Quantization and random numbers.
      {tfl::BuiltinOperator_DEQUANTIZE,
       KernelContract{"dequantize.cc", {OneOf({kU8, kI8, kI16, kF16})}, {OneOf({kF32})}},
       {{8, {In(kU4)}}, {7, {In(kI2)}}, {6, {In(kI4)}}, {3, {In(kI16)}}, {3, {In(kF16)}},
        {2, {In(kI8)}}},
       {"1.13.1", "1.14.0", "1.15.0", "2.2.0", "2.7.0", "2.18.0", "2.21.0", "2.22.0"}},
      {tfl::BuiltinOperator_FAKE_QUANT,
       Unary("fake_quant.cc", {kF32}),
       {{2, {If(Flag::kNarrowRange)}}},
       {"1.5.0", "1.10.0"}},
      // random_ops.cc: Prepare takes a 1-D int32 shape only; Eval draws float32.
      {tfl::BuiltinOperator_RANDOM_UNIFORM,
       KernelContract{"random_ops.cc", {OneOf({kI32}, 1, 1)}, {OneOf({kF32})}},
       {},
       {"2.8.0"}},
      {tfl::BuiltinOperator_RANDOM_STANDARD_NORMAL,
       KernelContract{"random_ops.cc", {OneOf({kI32}, 1, 1)}, {OneOf({kF32})}},
       {},
       {"2.8.0"}},
  };
}

}  // namespace tflconv::spec_dsl
