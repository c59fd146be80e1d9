// Element-wise grids: unary ops over ranks, binary ops over dtypes and
// broadcast patterns (second operand placeholder or constant), comparisons
// and logic.
#include "absl/strings/str_cat.h"
#include "core/graph/tensor.h"
#include "tests/opgen/op_case.h"

namespace tflconv::opgen {
namespace {

using tensorflow::DT_BOOL;
using tensorflow::DT_FLOAT;
using tensorflow::DT_INT32;

const std::vector<std::vector<int64_t>> kRanks = {{7}, {3, 5}, {2, 3, 4}, {1, 4, 4, 3}};

struct Unary {
  const char* op;
  float low, high;  // a domain where the op is defined and well conditioned
};

void AddUnary(Cases& cases) {
  const Unary ops[] = {{"Relu", -2, 2},     {"Relu6", -3, 9},  {"Elu", -2, 2},
                       {"Sigmoid", -4, 4},  {"Tanh", -2, 2},   {"Softmax", -2, 2},
                       {"LogSoftmax", -2, 2}, {"Neg", -2, 2},  {"Abs", -2, 2},
                       {"Square", -2, 2},   {"Sqrt", 0.1f, 4}, {"Rsqrt", 0.1f, 4},
                       {"Exp", -2, 2},      {"Log", 0.1f, 4},  {"Floor", -3, 3},
                       {"Ceil", -3, 3},     {"Round", -3, 3},  {"Reciprocal", 0.5f, 3},
                       {"Sin", -3, 3},      {"Cos", -3, 3},    {"Sign", -2, 2},
                       {"Softplus", -3, 3}, {"Selu", -2, 2},   {"LeakyRelu", -2, 2},
                       {"Erf", -2, 2},      {"Relu6", -1, 1},  {"Atan", -2, 2},
                       {"Log1p", 0, 3},     {"Expm1", -1, 1},  {"IsFinite", -1, 1}};
  for (const Unary& u : ops) {
    for (const auto& shape : kRanks) {
      OpCase c;
      c.name = absl::StrCat("unary/", u.op, "_", ShapeName(shape), "_", u.low, "_", u.high);
      AddInput(c, "x", DT_FLOAT, shape, u.low, u.high);
      auto& op = AddTyped(c, u.op, "y", {"x"}, DT_FLOAT);
      if (std::string(u.op) == "LeakyRelu") testing::AttrFloat(op, "alpha", 0.2f);
      c.outputs = {"y"};
      cases.push_back(std::move(c));
    }
  }
}

struct Broadcast {
  const char* name;
  std::vector<int64_t> a, b;
};

const std::vector<Broadcast> kBroadcasts = {
    {"same", {2, 3, 4}, {2, 3, 4}},       {"scalar", {2, 3, 4}, {}},
    {"row", {3, 5}, {5}},                 {"channel", {1, 4, 4, 3}, {3}},
    {"both", {2, 1, 4}, {1, 3, 1}},       {"rank5", {1, 2, 2, 2, 3}, {1, 1, 1, 2, 3}},
    {"lhs_small", {4}, {3, 4}},
};

// tfjs floors integer Div (TensorFlow truncates) and lacks TruncateDiv.
std::string IntegerDivision(const std::string& op, tensorflow::DataType dtype,
                            const std::string& b) {
  if (op == "TruncateDiv" && dtype == DT_FLOAT) return absl::StrCat("np.trunc(a / ", b, ")");
  if (dtype != DT_INT32) return "";
  if (op == "Div" || op == "TruncateDiv") {
    return absl::StrCat("np.trunc(a / ", b, ").astype(np.int32)");
  }
  if (op == "FloorDiv") return absl::StrCat("np.floor_divide(a, ", b, ")");
  if (op == "FloorMod") return absl::StrCat("np.mod(a, ", b, ")");
  return "";
}

struct Binary {
  const char* op;
  bool int32;        // also generated for int32
  float low, high;   // range of the second operand
};

void AddBinary(Cases& cases) {
  const Binary ops[] = {{"Add", true, -2, 2},          {"AddV2", true, -2, 2},
                        {"Sub", true, -2, 2},          {"Mul", true, -2, 2},
                        {"RealDiv", false, 0.5f, 2},   {"Div", true, 1, 5},
                        {"FloorDiv", true, 1, 5},      {"FloorMod", true, 1, 5},
                        {"Maximum", true, -2, 2},      {"Minimum", true, -2, 2},
                        {"SquaredDifference", true, -2, 2}, {"Pow", false, 0, 2},
                        {"DivNoNan", false, 0.5f, 2},  {"TruncateDiv", true, 1, 5}};
  for (const Binary& op : ops) {
    for (tensorflow::DataType dtype : {DT_FLOAT, DT_INT32}) {
      if (dtype == DT_INT32 && !op.int32) continue;
      const float scale = dtype == DT_INT32 ? 10 : 1;
      for (const Broadcast& b : kBroadcasts) {
        for (bool constant : {false, true}) {
          OpCase c;
          c.name = absl::StrCat("binary/", op.op, "_", DtypeName(dtype), "_", b.name,
                                constant ? "_const" : "");
          const float a_low = std::string(op.op) == "Pow" ? 0.5f : -2;
          AddInput(c, "a", dtype, b.a, a_low * scale, 2 * scale);
          std::string rhs, rhs_numpy = "b";
          if (!constant) {
            rhs = AddInput(c, "b", dtype, b.b, op.low * scale, op.high * scale);
          } else if (dtype == DT_FLOAT) {
            std::vector<float> values =
                WeightValues(b.b, static_cast<int>(cases.size()), op.low, op.high);
            rhs = c.graph.ConstFloat("b", b.b, values);
            rhs_numpy = NumpyFloat32(values, b.b);
          } else {
            std::vector<int32_t> values(NumElements(b.b));
            for (size_t i = 0; i < values.size(); ++i) values[i] = static_cast<int32_t>(1 + i % 4);
            rhs = c.graph.ConstInt("b", b.b, values);
            rhs_numpy = NumpyInt32(values, b.b);
          }
          AddTyped(c, op.op, "y", {"a", rhs}, dtype);
          c.outputs = {"y"};
          c.numpy = IntegerDivision(op.op, dtype, rhs_numpy);
          cases.push_back(std::move(c));
        }
      }
    }
  }
}

void AddComparisons(Cases& cases) {
  for (const char* op : {"Equal", "NotEqual", "Less", "LessEqual", "Greater", "GreaterEqual"}) {
    for (tensorflow::DataType dtype : {DT_FLOAT, DT_INT32}) {
      for (const Broadcast& b : kBroadcasts) {
        OpCase c;
        c.name = absl::StrCat("compare/", op, "_", DtypeName(dtype), "_", b.name);
        AddInput(c, "a", dtype, b.a, -3, 3);
        AddInput(c, "b", dtype, b.b, -3, 3);
        AddTyped(c, op, "y", {"a", "b"}, dtype);
        c.outputs = {"y"};
        cases.push_back(std::move(c));
      }
    }
  }
  for (const char* op : {"LogicalAnd", "LogicalOr"}) {
    for (const Broadcast& b : kBroadcasts) {
      OpCase c;
      c.name = absl::StrCat("logic/", op, "_", b.name);
      AddInput(c, "a", DT_BOOL, b.a);
      AddInput(c, "b", DT_BOOL, b.b);
      c.graph.Op(op, "y", {"a", "b"});
      c.outputs = {"y"};
      cases.push_back(std::move(c));
    }
  }
  for (const auto& shape : kRanks) {
    OpCase c;
    c.name = absl::StrCat("logic/LogicalNot_", ShapeName(shape));
    AddInput(c, "a", DT_BOOL, shape);
    c.graph.Op("LogicalNot", "y", {"a"});
    c.outputs = {"y"};
    cases.push_back(std::move(c));
  }
  for (const Broadcast& b : kBroadcasts) {
    for (tensorflow::DataType dtype : {DT_FLOAT, DT_INT32}) {
      for (const char* op : {"Select", "SelectV2"}) {
        // Select (v1) needs equal shapes or a vector condition.
        if (std::string(op) == "Select" && b.a != b.b) continue;
        OpCase c;
        c.name = absl::StrCat("select/", op, "_", DtypeName(dtype), "_", b.name);
        AddInput(c, "cond", DT_BOOL, b.a);
        AddInput(c, "t", dtype, b.a, -5, 5);
        AddInput(c, "e", dtype, b.b, -5, 5);
        AddTyped(c, op, "y", {"cond", "t", "e"}, dtype);
        c.outputs = {"y"};
        cases.push_back(std::move(c));
      }
    }
  }
}

void AddCasts(Cases& cases) {
  for (tensorflow::DataType from : {DT_FLOAT, DT_INT32, DT_BOOL}) {
    for (tensorflow::DataType to : {DT_FLOAT, DT_INT32, DT_BOOL}) {
      if (from == to) continue;
      for (const auto& shape : kRanks) {
        OpCase c;
        c.name = absl::StrCat("cast/", DtypeName(from), "_to_", DtypeName(to), "_",
                              ShapeName(shape));
        AddInput(c, "x", from, shape, -4, 4);
        tensorflow::NodeDef& cast = c.graph.Op("Cast", "y", {"x"});
        testing::AttrType(cast, "SrcT", from);
        testing::AttrType(cast, "DstT", to);
        c.outputs = {"y"};
        cases.push_back(std::move(c));
      }
    }
  }
  // Bitcast (tfjs has none): to int32 and back, and to bytes (the shape
  // gains a last dimension of 4), widened to int32 for the comparison.
  for (const char* form : {"to_int32", "round_trip", "to_uint8"}) {
    OpCase c;
    c.name = absl::StrCat("cast/Bitcast_float32_", form);
    AddInput(c, "x", DT_FLOAT, {2, 3}, -2, 2);
    const std::string f = form;
    auto& bitcast = AddTyped(c, "Bitcast", "bits", {"x"}, DT_FLOAT);
    testing::AttrType(bitcast, "type", f == "to_uint8" ? tensorflow::DT_UINT8 : DT_INT32);
    std::string out = "bits";
    if (f == "round_trip") {
      auto& back = AddTyped(c, "Bitcast", "back", {"bits"}, DT_INT32);
      testing::AttrType(back, "type", DT_FLOAT);
      out = "back";
    } else if (f == "to_uint8") {
      auto& widen = c.graph.Op("Cast", "wide", {"bits"});
      testing::AttrType(widen, "SrcT", tensorflow::DT_UINT8);
      testing::AttrType(widen, "DstT", DT_INT32);
      out = "wide";
    }
    c.outputs = {out};
    c.numpy = f == "to_int32"     ? "x.view(np.int32)"
              : f == "round_trip" ? "x"
                                  : "x.view(np.uint8).reshape([2, 3, 4]).astype(np.int32)";
    cases.push_back(std::move(c));
  }
}

// Ops TensorFlow's converter legalizes and tfjs lacks (Atan2 excepted):
// Softsign and SigmoidGrad (float decompositions), Atan2 over every
// broadcast pattern (ATAN2 takes one shape), BitwiseXor and RightShift
// (int32; their kernels broadcast over at most 4 dimensions).
void AddLegalizedMath(Cases& cases) {
  for (const auto& shape : kRanks) {
    OpCase softsign;
    softsign.name = absl::StrCat("unary/Softsign_", ShapeName(shape));
    AddInput(softsign, "x", DT_FLOAT, shape, -4, 4);
    AddTyped(softsign, "Softsign", "y", {"x"}, DT_FLOAT);
    softsign.outputs = {"y"};
    softsign.numpy = "x / (np.abs(x) + 1)";
    cases.push_back(std::move(softsign));

    OpCase grad;
    grad.name = absl::StrCat("binary/SigmoidGrad_", ShapeName(shape));
    AddInput(grad, "y", DT_FLOAT, shape, 0.05f, 0.95f);
    AddInput(grad, "dy", DT_FLOAT, shape, -2, 2);
    AddTyped(grad, "SigmoidGrad", "grad", {"y", "dy"}, DT_FLOAT);
    grad.outputs = {"grad"};
    grad.numpy = "dy * y * (1 - y)";
    cases.push_back(std::move(grad));
  }
  for (const Broadcast& b : kBroadcasts) {
    OpCase atan2;
    atan2.name = absl::StrCat("binary/Atan2_float32_", b.name);
    AddInput(atan2, "a", DT_FLOAT, b.a, -2, 2);
    AddInput(atan2, "b", DT_FLOAT, b.b, -2, 2);
    AddTyped(atan2, "Atan2", "y", {"a", "b"}, DT_FLOAT);
    atan2.outputs = {"y"};
    cases.push_back(std::move(atan2));
    for (const char* op : {"BitwiseXor", "RightShift"}) {
      const bool shift = std::string(op) == "RightShift";
      OpCase c;
      c.name = absl::StrCat("binary/", op, "_int32_", b.name);
      AddInput(c, "a", DT_INT32, b.a, -100000, 100000);
      AddInput(c, "b", DT_INT32, b.b, shift ? 0 : -100000, shift ? 31 : 100000);
      AddTyped(c, op, "y", {"a", "b"}, DT_INT32);
      c.outputs = {"y"};
      c.numpy = shift ? "np.right_shift(a, b)" : "np.bitwise_xor(a, b)";
      cases.push_back(std::move(c));
    }
  }
}

}  // namespace

void AddElementwiseCases(Cases& cases) {
  AddUnary(cases);
  AddBinary(cases);
  AddComparisons(cases);
  AddCasts(cases);
  AddLegalizedMath(cases);
}

}  // namespace tflconv::opgen
