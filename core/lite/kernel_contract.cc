#include "core/lite/kernel_contract.h"

#include <algorithm>
#include <map>
#include <string>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "core/lite/control_flow.h"
#include "core/lite/tensor_types.h"
#include "core/lite/versioning.h"

namespace tflconv {
namespace {

namespace tfl = tflite;
using tfl::ActivationFunctionType;
using tfl::BuiltinOperator;
using tfl::TensorType;
using namespace tensor_types;
using Types = std::vector<TensorType>;

TensorRule Any() { return {}; }
TensorRule OneOf(Types types, int min_rank = 0, int max_rank = -1) {
  return {TensorRule::Kind::kOneOf, std::move(types), 0, min_rank, max_rank};
}
TensorRule SameAs(int input) { return {TensorRule::Kind::kSameAsInput, {}, input}; }

// Index-like operands (shapes, axes, paddings, perms) as the kernels read them.
TensorRule Int32() { return OneOf({kI32}); }
TensorRule Int32Or64() { return OneOf({kI32, kI64}); }

// What CalculateActivationRange (kernel_util.h) clamps to: the activations
// of the kernels that read params->activation in their float path.
const std::vector<ActivationFunctionType> kClampActivations = {
    tfl::ActivationFunctionType_RELU, tfl::ActivationFunctionType_RELU6,
    tfl::ActivationFunctionType_RELU_N1_TO_1};

// Kernels that move values without computing on them accept every type of
// a given width (their Eval switches on the type's size).
const Types kAllNumeric = {kF32, kF16, kBf16, kI8, kU8, kI16, kU16, kI32, kU32, kI64, kBool};

KernelContract Unary(const char* file, Types types) {
  return {file, {OneOf(std::move(types))}, {SameAs(0)}};
}
KernelContract Binary(const char* file, Types types,
                      std::vector<ActivationFunctionType> activations = {}) {
  return {file, {OneOf(std::move(types)), SameAs(0)}, {SameAs(0)}, false, std::move(activations)};
}
KernelContract Comparison(const char* file, Types types) {
  return {file, {OneOf(std::move(types)), SameAs(0)}, {OneOf({kBool})}};
}
// Reducers: data, int32 axis (read as int), output of the data's type.
KernelContract Reducer(Types types) {
  return {"reduce.cc", {OneOf(std::move(types)), Int32()}, {SameAs(0)}};
}

using Table = std::map<BuiltinOperator, KernelContract>;

Table BuildTable() {
  Table t;
  // Arithmetic: add.cc, sub.cc, mul.cc (read: int32/uint32/float32/float16/
  // int16/int64/complex64 plus quantized uint8/int8/int16), div.cc apply the
  // activation through CalculateActivationRange.
  t[tfl::BuiltinOperator_ADD] =
      Binary("add.cc", {kF32, kF16, kI32, kI64, kU8, kI8, kI16}, kClampActivations);
  t[tfl::BuiltinOperator_SUB] =
      Binary("sub.cc", {kF32, kI32, kI64, kU8, kI8, kI16}, kClampActivations);
  t[tfl::BuiltinOperator_MUL] =
      Binary("mul.cc", {kF32, kF16, kI32, kU32, kI64, kU8, kI8, kI16, kC64}, kClampActivations);
  t[tfl::BuiltinOperator_DIV] = Binary("div.cc", {kF32, kI32, kU8}, kClampActivations);
  t[tfl::BuiltinOperator_FLOOR_DIV] = Binary("floor_div.cc", {kF32, kI32, kI16, kI8});
  t[tfl::BuiltinOperator_FLOOR_MOD] = Binary("floor_mod.cc", {kF32, kI32, kI64, kI16, kI8});
  t[tfl::BuiltinOperator_MAXIMUM] =
      Binary("maximum_minimum.cc", {kF32, kU8, kI8, kI16, kI32, kI64});
  t[tfl::BuiltinOperator_MINIMUM] = t[tfl::BuiltinOperator_MAXIMUM];
  t[tfl::BuiltinOperator_SQUARED_DIFFERENCE] =
      Binary("squared_difference.cc", {kF32, kI32, kI8});
  t[tfl::BuiltinOperator_POW] = Binary("pow.cc", {kF32, kI32});
  t[tfl::BuiltinOperator_ADD_N] = {"add_n.cc", {OneOf({kF32, kI32}), SameAs(0)}, {SameAs(0)},
                                   /*variadic=*/true};
  // comparisons.cc: EQUAL/NOT_EQUAL also take bool and string.
  t[tfl::BuiltinOperator_EQUAL] =
      Comparison("comparisons.cc", {kBool, kF32, kI32, kI64, kU8, kI8, kI16, kString});
  t[tfl::BuiltinOperator_NOT_EQUAL] = t[tfl::BuiltinOperator_EQUAL];
  for (BuiltinOperator op : {tfl::BuiltinOperator_GREATER, tfl::BuiltinOperator_GREATER_EQUAL,
                             tfl::BuiltinOperator_LESS, tfl::BuiltinOperator_LESS_EQUAL}) {
    t[op] = Comparison("comparisons.cc", {kF32, kI32, kI64, kU8, kI8, kI16});
  }
  t[tfl::BuiltinOperator_LOGICAL_AND] = Binary("logical.cc", {kBool});
  t[tfl::BuiltinOperator_LOGICAL_OR] = Binary("logical.cc", {kBool});
  t[tfl::BuiltinOperator_LOGICAL_NOT] = Unary("elementwise.cc", {kBool});

  // Element-wise math: elementwise.cc, exp.cc, neg.cc, floor.cc, ceil.cc,
  // round.cc (float32 only where no quantized path exists).
  t[tfl::BuiltinOperator_ABS] = Unary("elementwise.cc", {kF32, kI8, kU8, kI16, kI32});
  t[tfl::BuiltinOperator_SIN] = Unary("elementwise.cc", {kF32, kF16});
  t[tfl::BuiltinOperator_COS] = Unary("elementwise.cc", {kF32, kF16});
  t[tfl::BuiltinOperator_LOG] = Unary("elementwise.cc", {kF32, kI8, kI16});
  t[tfl::BuiltinOperator_SQRT] = Unary("elementwise.cc", {kF32, kI8, kI16});
  t[tfl::BuiltinOperator_RSQRT] = Unary("elementwise.cc", {kF32, kI8, kI16});
  t[tfl::BuiltinOperator_SQUARE] = Unary("elementwise.cc", {kF32});
  t[tfl::BuiltinOperator_EXP] = Unary("exp.cc", {kF32, kI8, kI16});
  t[tfl::BuiltinOperator_NEG] = Unary("neg.cc", {kF32, kI32, kI64});
  t[tfl::BuiltinOperator_FLOOR] = Unary("floor.cc", {kF32});
  t[tfl::BuiltinOperator_CEIL] = Unary("ceil.cc", {kF32});
  t[tfl::BuiltinOperator_ROUND] = Unary("round.cc", {kF32});
  t[tfl::BuiltinOperator_ZEROS_LIKE] = Unary("zeros_like.cc", {kF32, kI32, kI64});
  t[tfl::BuiltinOperator_CAST] = {"cast.cc", {OneOf(kAllNumeric)}, {OneOf(kAllNumeric)}};

  // activations.cc.
  t[tfl::BuiltinOperator_RELU] = Unary("activations.cc", {kF32, kU8, kI8, kI16});
  t[tfl::BuiltinOperator_RELU6] = Unary("activations.cc", {kF32, kU8, kI8, kI16});
  t[tfl::BuiltinOperator_RELU_N1_TO_1] = Unary("activations.cc", {kF32, kU8, kI8});
  t[tfl::BuiltinOperator_LEAKY_RELU] = Unary("activations.cc", {kF32, kU8, kI8, kI16});
  t[tfl::BuiltinOperator_TANH] = Unary("activations.cc", {kF32, kU8, kI8, kI16});
  t[tfl::BuiltinOperator_LOGISTIC] = Unary("activations.cc", {kF32, kU8, kI8, kI16});
  t[tfl::BuiltinOperator_ELU] = Unary("activations.cc", {kF32, kI8});
  t[tfl::BuiltinOperator_SOFTMAX] = Unary("activations.cc", {kF32, kF16, kU8, kI8, kI16});
  t[tfl::BuiltinOperator_LOG_SOFTMAX] = Unary("activations.cc", {kF32, kU8, kI8});
  t[tfl::BuiltinOperator_PRELU] = Binary("activations.cc", {kF32, kU8, kI8});

  // Data movement.
  t[tfl::BuiltinOperator_RESHAPE] = {"reshape.cc", {Any(), Int32()}, {SameAs(0)}};
  t[tfl::BuiltinOperator_SQUEEZE] = {"squeeze.cc", {Any()}, {SameAs(0)}};
  // expand_dims.cc (read): memcpy of any type; axis int32 or int64.
  t[tfl::BuiltinOperator_EXPAND_DIMS] = {"expand_dims.cc", {Any(), Int32Or64()}, {SameAs(0)}};
  t[tfl::BuiltinOperator_SHAPE] = {"shape.cc", {Any()}, {Int32Or64()}};
  // transpose.cc (read): moves values by their width, any type; up to 8
  // dims (ranks above 6 get version 8, see versioning.cc); perm read as int32.
  t[tfl::BuiltinOperator_TRANSPOSE] = {"transpose.cc", {OneOf(kAllNumeric, 0, 8), Int32()},
                                       {SameAs(0)}};
  // gather.cc (read): strings only 1-D; int16/int32/int64 positions.
  t[tfl::BuiltinOperator_GATHER] = {
      "gather.cc",
      {OneOf({kF32, kF16, kBf16, kU8, kI8, kI16, kU16, kI32, kI64, kBool, kString}),
       OneOf({kI16, kI32, kI64})},
      {SameAs(0)}};
  t[tfl::BuiltinOperator_GATHER_ND] = {
      "gather_nd.cc",
      {OneOf({kF32, kU8, kI8, kI16, kI32, kI64, kBool, kString}), OneOf({kI16, kI32, kI64})},
      {SameAs(0)}};
  const Types slice_types = {kF32, kF16, kI8, kU8, kI16, kI32, kU32, kI64, kBool, kString};
  t[tfl::BuiltinOperator_SLICE] = {
      "slice.cc", {OneOf(slice_types, 0, 5), Int32Or64(), SameAs(1)}, {SameAs(0)}};
  // strided_slice.cc (read): moves values by width, strings too; begin, end
  // and strides int32 only. Ranks above 5 only in runtimes newer than the
  // version rules know.
  Types with_strings = kAllNumeric;
  with_strings.push_back(kString);
  t[tfl::BuiltinOperator_STRIDED_SLICE] = {
      "strided_slice.cc", {OneOf(with_strings, 0, 5), Int32(), Int32(), Int32()}, {SameAs(0)}};
  t[tfl::BuiltinOperator_PAD] = {
      "pad.cc", {OneOf({kF32, kU8, kI8, kI16, kI32, kI64, kBool}, 0, 5), Int32Or64()},
      {SameAs(0)}};
  t[tfl::BuiltinOperator_PADV2] = {
      "pad.cc", {OneOf({kF32, kU8, kI8, kI16, kI32, kI64, kBool}, 0, 5), Int32Or64(), SameAs(0)},
      {SameAs(0)}};
  t[tfl::BuiltinOperator_MIRROR_PAD] = {
      "mirror_pad.cc", {OneOf({kF32, kI32, kI64, kU8, kI8, kI16}), Int32Or64()}, {SameAs(0)}};
  // tile.cc (read): moves values by width, strings too; int32 or int64
  // multiples.
  t[tfl::BuiltinOperator_TILE] = {"tile.cc", {OneOf(with_strings), Int32Or64()}, {SameAs(0)}};
  t[tfl::BuiltinOperator_BROADCAST_TO] = {"broadcast_to.cc", {OneOf(kAllNumeric, 0, 8), Int32Or64()},
                                          {SameAs(0)}};
  // concatenation.cc (read): Prepare requires activation NONE and the
  // ported runtimes ignore it in Eval; bool is accepted.
  t[tfl::BuiltinOperator_CONCATENATION] = {
      "concatenation.cc",
      {OneOf({kF32, kF16, kBf16, kU8, kI8, kI16, kI32, kI64, kBool, kU32})}, {SameAs(0)},
      /*variadic=*/true};
  // pack.cc (read): no bool.
  t[tfl::BuiltinOperator_PACK] = {
      "pack.cc", {OneOf({kI32, kF32, kU8, kU32, kI8, kI16, kU16, kI64})}, {SameAs(0)},
      /*variadic=*/true};
  // unpack.cc (read): no int64.
  t[tfl::BuiltinOperator_UNPACK] = {
      "unpack.cc", {OneOf({kI32, kF32, kF16, kBf16, kU8, kI8, kI16, kBool})}, {SameAs(0)}};
  const Types split_types = {kF32, kU8, kI8, kI16, kI32, kI64};
  t[tfl::BuiltinOperator_SPLIT] = {"split.cc", {Int32(), OneOf(split_types)}, {SameAs(1)}};
  t[tfl::BuiltinOperator_SPLIT_V] = {"split_v.cc", {OneOf(split_types), Int32Or64(), Int32()},
                                     {SameAs(0)}};
  for (BuiltinOperator op : {tfl::BuiltinOperator_SPLIT, tfl::BuiltinOperator_SPLIT_V,
                             tfl::BuiltinOperator_UNPACK}) {
    t[op].variadic_outputs = true;
  }
  // fill.cc (read): 1-D int32/int64 dims; a scalar value of any width, or
  // a string.
  t[tfl::BuiltinOperator_FILL] = {"fill.cc",
                                  {OneOf({kI32, kI64}, 1, 1), OneOf(with_strings, 0, 0)},
                                  {SameAs(1)}};
  t[tfl::BuiltinOperator_RANGE] = {"range.cc", {OneOf({kI32, kI64, kF32}), SameAs(0), SameAs(0)},
                                   {SameAs(0)}};
  // select.cc (read): bool condition; x and y any type of 8 to 64 bits.
  const KernelContract select = {"select.cc", {OneOf({kBool}), OneOf(kAllNumeric), SameAs(1)},
                                 {SameAs(1)}};
  t[tfl::BuiltinOperator_SELECT] = select;
  t[tfl::BuiltinOperator_SELECT_V2] = select;
  t[tfl::BuiltinOperator_WHERE] = {"where.cc", {OneOf({kBool, kF32, kI32, kI64, kI8, kU8, kU32})},
                                   {OneOf({kI64})}};

  // Reductions: reduce.cc (read) allocates its accumulator for float32,
  // int32, int64, uint8, int8, int16 and bool only and reads the axis as int.
  const Types reduce_types = {kF32, kI32, kI64, kU8, kI8, kI16};
  t[tfl::BuiltinOperator_MEAN] = Reducer(reduce_types);
  t[tfl::BuiltinOperator_SUM] = Reducer(reduce_types);
  t[tfl::BuiltinOperator_REDUCE_PROD] = Reducer({kF32, kI32, kI64, kI8, kI16});
  t[tfl::BuiltinOperator_REDUCE_MAX] = Reducer({kF32, kI32, kI64, kU8, kI8, kI16, kBool});
  t[tfl::BuiltinOperator_REDUCE_MIN] = t[tfl::BuiltinOperator_REDUCE_MAX];
  t[tfl::BuiltinOperator_REDUCE_ANY] = Reducer({kBool});
  t[tfl::BuiltinOperator_REDUCE_ALL] = Reducer({kBool});
  // cumsum.cc (read): uint16 only quantized; the axis one int32 value.
  t[tfl::BuiltinOperator_CUMSUM] = {"cumsum.cc", {OneOf({kF32, kI32, kI64}, 1), Int32()},
                                    {SameAs(0)}};
  // reverse.cc (read): ranks up to 8, int32 axes.
  t[tfl::BuiltinOperator_REVERSE_V2] = {
      "reverse.cc", {OneOf({kI32, kF32, kU8, kI8, kI16, kI64, kBool, kF16, kBf16}, 0, 8),
                     OneOf({kI32}, 1, 1)},
      {SameAs(0)}};
  // one_hot.cc (read): depth read as int32; int16 passes Prepare but Eval
  // has no int16 case.
  t[tfl::BuiltinOperator_ONE_HOT] = {
      "one_hot.cc",
      {Int32Or64(), Int32(), OneOf({kF32, kI32, kI64, kI8, kU8, kBool}), SameAs(2)},
      {SameAs(2)}};
  // sparse_to_dense.cc (read): indices of rank < 3 over at most 4 output
  // dims, values of rank < 2.
  const Types dense_values = {kI32, kI64, kI8, kU8, kF32};
  t[tfl::BuiltinOperator_SPARSE_TO_DENSE] = {
      "sparse_to_dense.cc",
      {OneOf({kI32, kI64}, 0, 2), OneOf({kI32, kI64}, 1, 1), OneOf(dense_values, 0, 1),
       SameAs(2)},
      {OneOf(dense_values, 0, 4)}};
  // arg_min_max.cc (read).
  t[tfl::BuiltinOperator_ARG_MAX] = {
      "arg_min_max.cc", {OneOf({kF32, kU8, kI8, kI32, kBool}, 1), Int32Or64()}, {Int32Or64()}};
  t[tfl::BuiltinOperator_ARG_MIN] = t[tfl::BuiltinOperator_ARG_MAX];
  t[tfl::BuiltinOperator_TOPK_V2] = {
      "topk_v2.cc", {OneOf({kF32, kU8, kI8, kI16, kI32, kI64}), OneOf({kI16, kI32})},
      {SameAs(0), OneOf({kI16, kI32})}};

  // Neural-network kernels; float32 activations with float32 (or hybrid
  // int8) weights, 4-D images.
  t[tfl::BuiltinOperator_CONV_2D] = {
      "conv.cc", {OneOf({kF32, kU8, kI8, kI16}, 4, 4), OneOf({kF32, kU8, kI8}, 4, 4),
                  OneOf({kF32, kI32, kI64})},
      {SameAs(0)}, false, kClampActivations};
  t[tfl::BuiltinOperator_DEPTHWISE_CONV_2D] = {
      "depthwise_conv.cc", {OneOf({kF32, kU8, kI8, kI16}, 4, 4), OneOf({kF32, kU8, kI8}, 4, 4),
                            OneOf({kF32, kI32, kI64})},
      {SameAs(0)}, false, kClampActivations};
  t[tfl::BuiltinOperator_TRANSPOSE_CONV] = {
      "transpose_conv.cc",
      {Int32(), OneOf({kF32, kU8, kI8}, 4, 4), OneOf({kF32, kU8, kI8, kI16}, 4, 4),
       OneOf({kF32, kI32, kI64})},
      {SameAs(2)}, false, kClampActivations};
  t[tfl::BuiltinOperator_FULLY_CONNECTED] = {
      "fully_connected.cc", {OneOf({kF32, kU8, kI8, kI16}), OneOf({kF32, kU8, kI8, kI16}),
                             OneOf({kF32, kI32, kI64})},
      {SameAs(0)}, false, kClampActivations};
  // batch_matmul.cc (read): float32, int8, int16 only, ranks 2 to 5.
  t[tfl::BuiltinOperator_BATCH_MATMUL] = {
      "batch_matmul.cc", {OneOf({kF32, kI8, kI16}, 2, 5), OneOf({kF32, kI8, kI16}, 2, 5)},
      {SameAs(0)}};
  const TensorRule image = OneOf({kF32, kU8, kI8, kI16}, 4, 4);
  t[tfl::BuiltinOperator_AVERAGE_POOL_2D] = {"pooling.cc", {image}, {SameAs(0)}, false,
                                             kClampActivations};
  t[tfl::BuiltinOperator_MAX_POOL_2D] = t[tfl::BuiltinOperator_AVERAGE_POOL_2D];
  t[tfl::BuiltinOperator_RESIZE_BILINEAR] = {"resize_bilinear.cc", {image, Int32()}, {SameAs(0)}};
  t[tfl::BuiltinOperator_RESIZE_NEAREST_NEIGHBOR] = {
      "resize_nearest_neighbor.cc", {OneOf({kF32, kU8, kI8, kI16, kI32}, 4, 4), Int32()},
      {SameAs(0)}};
  const TensorRule depth_image = OneOf({kF32, kU8, kI8, kI16, kI32, kI64}, 4, 4);
  t[tfl::BuiltinOperator_SPACE_TO_DEPTH] = {"space_to_depth.cc", {depth_image}, {SameAs(0)}};
  t[tfl::BuiltinOperator_DEPTH_TO_SPACE] = {"depth_to_space.cc", {depth_image}, {SameAs(0)}};
  const TensorRule batch_image = OneOf({kF32, kU8, kI8, kI16, kI32, kI64}, 3, 4);
  t[tfl::BuiltinOperator_SPACE_TO_BATCH_ND] = {
      "space_to_batch_nd.cc", {batch_image, Int32(), Int32()}, {SameAs(0)}};
  t[tfl::BuiltinOperator_BATCH_TO_SPACE_ND] = {
      "batch_to_space_nd.cc", {batch_image, Int32(), Int32()}, {SameAs(0)}};
  t[tfl::BuiltinOperator_NON_MAX_SUPPRESSION_V4] = {
      "non_max_suppression.cc",
      {OneOf({kF32}, 2, 2), OneOf({kF32}, 1, 1), Int32(), OneOf({kF32}), OneOf({kF32})},
      {Int32(), Int32()}};
  t[tfl::BuiltinOperator_NON_MAX_SUPPRESSION_V5] = {
      "non_max_suppression.cc",
      {OneOf({kF32}, 2, 2), OneOf({kF32}, 1, 1), Int32(), OneOf({kF32}), OneOf({kF32}),
       OneOf({kF32})},
      {Int32(), OneOf({kF32}), Int32()}};

  // Quantization and random numbers.
  t[tfl::BuiltinOperator_DEQUANTIZE] = {"dequantize.cc", {OneOf({kU8, kI8, kI16, kF16})},
                                        {OneOf({kF32})}};
  t[tfl::BuiltinOperator_FAKE_QUANT] = Unary("fake_quant.cc", {kF32});
  t[tfl::BuiltinOperator_RANDOM_UNIFORM] = {"random_ops.cc", {Int32Or64()}, {OneOf({kF32})}};

  // Control flow: any dtypes, as long as they match the called subgraphs'
  // (CheckControlFlow, which also checks the counts).
  t[tfl::BuiltinOperator_WHILE] = {"while.cc", {Any()}, {Any()}, true, {}, true};
  t[tfl::BuiltinOperator_IF] = {"if.cc", {OneOf({kBool}), Any()}, {Any()}, true, {}, true};
  return t;
}

const Table& Contracts() {
  static const Table* const kTable = new Table(BuildTable());
  return *kTable;
}

const TensorRule* RuleAt(const std::vector<TensorRule>& rules, size_t i, bool variadic) {
  if (i < rules.size()) return &rules[i];
  if (variadic && !rules.empty()) return &rules.back();
  return nullptr;
}

std::string TypeName(int type) {
  return type >= 0 && type <= tfl::TensorType_MAX ? tfl::EnumNameTensorType(static_cast<TensorType>(type))
                                                  : absl::StrCat("type ", type);
}

// Describes the operator in an error: "CONV_2D (TF node "conv1")".
std::string Describe(const LiteSubgraph& graph, const LiteOperator& op) {
  return absl::StrCat(graph.OpName(op), " (from TF node \"", op.tf_node, "\")");
}

class ContractChecker {
 public:
  ContractChecker(const LiteSubgraph& graph, const LiteOperator& op,
                  const KernelContract& contract)
      : graph_(graph), op_(op), contract_(contract) {}

  absl::Status Check() const {
    if (op_.inputs.size() > contract_.inputs.size() && !contract_.variadic) {
      return Violation(absl::StrCat("has ", op_.inputs.size(), " inputs, the kernel takes at most ",
                                    contract_.inputs.size()));
    }
    for (size_t i = 0; i < op_.inputs.size(); ++i) {
      absl::Status s = CheckTensor("input", i, op_.inputs, contract_.inputs, contract_.variadic);
      if (!s.ok()) return s;
    }
    for (size_t i = 0; i < op_.outputs.size(); ++i) {
      absl::Status s = CheckTensor("output", i, op_.outputs, contract_.outputs,
                                   contract_.variadic_outputs);
      if (!s.ok()) return s;
    }
    const ActivationFunctionType activation = FusedActivation(op_);
    if (activation != tfl::ActivationFunctionType_NONE &&
        std::find(contract_.activations.begin(), contract_.activations.end(), activation) ==
            contract_.activations.end()) {
      return Violation(absl::StrCat("has fused activation ",
                                    tfl::EnumNameActivationFunctionType(activation),
                                    ", which the kernel does not apply"));
    }
    return absl::OkStatus();
  }

 private:
  absl::Status CheckTensor(const char* kind, size_t i, const std::vector<int>& tensors,
                           const std::vector<TensorRule>& rules, bool variadic) const {
    if (tensors[i] < 0) return absl::OkStatus();
    const LiteTensor& tensor = graph_.tensors[tensors[i]];
    const TensorRule* rule = RuleAt(rules, i, variadic);
    if (rule == nullptr) {
      return Violation(absl::StrCat("has ", kind, " ", i, " that the kernel does not take"));
    }
    auto where = [&] {
      return absl::StrCat(kind, " ", i, " (\"", tensor.name, "\") ");
    };
    switch (rule->kind) {
      case TensorRule::Kind::kAny:
        break;
      case TensorRule::Kind::kOneOf:
        if (std::find(rule->types.begin(), rule->types.end(), tensor.type) == rule->types.end()) {
          std::vector<std::string> names;
          for (TensorType t : rule->types) names.push_back(TypeName(t));
          return Violation(absl::StrCat(where(), "has dtype ", TypeName(tensor.type),
                                        "; the kernel takes ", absl::StrJoin(names, ", ")));
        }
        break;
      case TensorRule::Kind::kSameAsInput: {
        const int other = rule->same_as < static_cast<int>(op_.inputs.size())
                              ? op_.inputs[rule->same_as]
                              : -1;
        if (other >= 0 && graph_.tensors[other].type != tensor.type) {
          return Violation(absl::StrCat(where(), "has dtype ", TypeName(tensor.type),
                                        "; the kernel needs input ", rule->same_as, "'s ",
                                        TypeName(graph_.tensors[other].type)));
        }
        break;
      }
    }
    const int rank = static_cast<int>(tensor.shape.size());
    if (tensor.has_rank && (rank < rule->min_rank || (rule->max_rank >= 0 && rank > rule->max_rank))) {
      return Violation(absl::StrCat(where(), "has rank ", rank, "; the kernel takes ranks ",
                                    rule->min_rank, " to ",
                                    rule->max_rank >= 0 ? absl::StrCat(rule->max_rank) : "any"));
    }
    return absl::OkStatus();
  }

  absl::Status Violation(absl::string_view what) const {
    return absl::FailedPreconditionError(absl::StrCat(Describe(graph_, op_), " ", what,
                                                      " (LiteRT kernel ", contract_.kernel_file,
                                                      ")"));
  }

  const LiteSubgraph& graph_;
  const LiteOperator& op_;
  const KernelContract& contract_;
};

// CheckKernelContract for `op` of subgraph `in`.
absl::Status CheckOperator(const LiteModel& model, int in, const LiteOperator& op) {
  if (op.builtin == tfl::BuiltinOperator_CUSTOM) return absl::OkStatus();
  const LiteSubgraph& graph = model.subgraph(in);
  const KernelContract* contract = FindKernelContract(op.builtin);
  if (contract == nullptr) {
    return absl::FailedPreconditionError(
        absl::StrCat(Describe(graph, op), " has no kernel contract"));
  }
  if (absl::Status s = ContractChecker(graph, op, *contract).Check(); !s.ok()) return s;
  return CheckControlFlow(model, in, op);
}

}  // namespace

const KernelContract* FindKernelContract(BuiltinOperator op) {
  auto it = Contracts().find(op);
  return it == Contracts().end() ? nullptr : &it->second;
}

std::vector<BuiltinOperator> ContractedBuiltins() {
  std::vector<BuiltinOperator> ops;
  for (const auto& [op, contract] : Contracts()) ops.push_back(op);
  return ops;
}

bool KernelTakes(BuiltinOperator op, int input, TensorType type) {
  const KernelContract* contract = FindKernelContract(op);
  if (contract == nullptr) return false;
  const TensorRule* rule = RuleAt(contract->inputs, input, contract->variadic);
  if (rule == nullptr) return false;
  return rule->kind != TensorRule::Kind::kOneOf ||
         std::find(rule->types.begin(), rule->types.end(), type) != rule->types.end();
}

bool KernelAppliesActivation(BuiltinOperator op, ActivationFunctionType activation) {
  const KernelContract* contract = FindKernelContract(op);
  return contract != nullptr &&
         std::find(contract->activations.begin(), contract->activations.end(), activation) !=
             contract->activations.end();
}

ActivationFunctionType* FusedActivationSlot(LiteOperator& op) {
  tfl::BuiltinOptionsUnion& o = op.options;
  switch (o.type) {
    case tfl::BuiltinOptions_Conv2DOptions:
      return &o.AsConv2DOptions()->fused_activation_function;
    case tfl::BuiltinOptions_DepthwiseConv2DOptions:
      return &o.AsDepthwiseConv2DOptions()->fused_activation_function;
    case tfl::BuiltinOptions_TransposeConvOptions:
      return &o.AsTransposeConvOptions()->fused_activation_function;
    case tfl::BuiltinOptions_FullyConnectedOptions:
      return &o.AsFullyConnectedOptions()->fused_activation_function;
    case tfl::BuiltinOptions_AddOptions:
      return &o.AsAddOptions()->fused_activation_function;
    case tfl::BuiltinOptions_SubOptions:
      return &o.AsSubOptions()->fused_activation_function;
    case tfl::BuiltinOptions_MulOptions:
      return &o.AsMulOptions()->fused_activation_function;
    case tfl::BuiltinOptions_DivOptions:
      return &o.AsDivOptions()->fused_activation_function;
    case tfl::BuiltinOptions_Pool2DOptions:
      return &o.AsPool2DOptions()->fused_activation_function;
    case tfl::BuiltinOptions_ConcatenationOptions:
      return &o.AsConcatenationOptions()->fused_activation_function;
    default:
      return nullptr;
  }
}

ActivationFunctionType FusedActivation(const LiteOperator& op) {
  const ActivationFunctionType* slot = FusedActivationSlot(const_cast<LiteOperator&>(op));
  return slot != nullptr ? *slot : tfl::ActivationFunctionType_NONE;
}

absl::Status CheckKernelContract(const LiteModel& model, const LiteOperator& op) {
  return CheckOperator(model, model.focused_subgraph(), op);
}

absl::Status CheckKernelContracts(const LiteModel& model) {
  for (int g = 0; g < model.subgraph_count(); ++g) {
    const LiteSubgraph& graph = model.subgraph(g);
    for (const LiteOperator& op : graph.operators) {
      absl::Status s = CheckOperator(model, g, op);
      if (s.ok() && op.builtin != tfl::BuiltinOperator_CUSTOM &&
          (!HasVersionRule(op.builtin) || RuntimeVersionOf(op.builtin, op.version).empty())) {
        s = absl::FailedPreconditionError(absl::StrCat(
            Describe(graph, op), " version ", op.version, " has no version rule or no runtime"));
      }
      if (!s.ok()) {
        return absl::InternalError(absl::StrCat(
            g == 0 ? "" : absl::StrCat("in subgraph \"", graph.name, "\": "), s.message(),
            "; the converter must not emit an operator its runtime kernel does not accept"));
      }
    }
  }
  return absl::OkStatus();
}

}  // namespace tflconv
