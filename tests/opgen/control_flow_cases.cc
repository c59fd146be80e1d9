// TensorFlow 1.x control flow in the layout tf.while_loop and tf.cond
// write: counted loops over several bodies and trip counts (0 included),
// loops carrying two variables, nested loops, maximum_iterations, conds on
// constant predicates and on the iteration's parity; TensorArrays and
// TensorLists are in array_cases.cc. The converter unrolls and folds them;
// the numbers the result computes are judged like any other case.
#include <functional>

#include "absl/strings/str_cat.h"
#include "tests/opgen/control_flow_case_util.h"
#include "tests/opgen/op_case.h"
#include "tests/testing/control_flow_builder.h"

namespace tflconv::opgen {
namespace {

using tensorflow::DT_BOOL;
using tensorflow::DT_FLOAT;
using tensorflow::DT_INT32;
using testing::AttrInt;
using testing::AttrType;
using testing::FrameTensors;
using testing::GraphBuilder;
using testing::TypedOp;

// x * scale + shift, its constants in the frame of `pivot`.
std::string Affine(GraphBuilder& g, const std::string& name, const std::string& x, float scale,
                   float shift, const std::string& pivot) {
  TypedOp(g, "Mul", name + "/mul", {x, ScalarIn(g, name + "/scale", scale, pivot)}, DT_FLOAT);
  return TypedOp(g, "AddV2", name, {name + "/mul", ScalarIn(g, name + "/shift", shift, pivot)},
                 DT_FLOAT);
}

// One loop step: the next x from x, the counter i (also the body's pivot)
// and the invariants entered besides the trip count.
using StepFn = std::function<std::string(GraphBuilder& g, const std::string& x,
                                         const std::string& i,
                                         const std::vector<std::string>& invariants)>;

// for i in range(limit): x = step(x, i); `limit` is an int32 tensor entered
// as an invariant with `invariants`. A loop nested in another one has its
// start in the body of that one, tied to `outer_pivot`. Returns the Exit of x.
std::string CountedLoop(GraphBuilder& g, const std::string& name, const std::string& x,
                        const std::string& limit, const TypedNames& invariants,
                        const StepFn& step, const std::string& outer_pivot = "") {
  g.ConstInt(name + "_start", {}, {0});
  if (!outer_pivot.empty()) g.AddControlInput(name + "_start", outer_pivot);
  TypedNames entered = {{limit, DT_INT32}};
  entered.insert(entered.end(), invariants.begin(), invariants.end());
  auto exits = testing::WhileLoop(
      g, name, {{name + "_start", DT_INT32}, {x, DT_FLOAT}}, entered,
      [&](GraphBuilder& g, const FrameTensors& t) {
        return TypedOp(g, "Less", name + "/Less", {t.vars[0], t.invariants[0]}, DT_INT32);
      },
      [&](GraphBuilder& g, const FrameTensors& t) {
        const std::string i = t.vars[0];
        const std::vector<std::string> rest(t.invariants.begin() + 1, t.invariants.end());
        const std::string next_x = step(g, t.vars[1], i, rest);
        return std::vector<std::string>{
            TypedOp(g, "AddV2", name + "/i_next", {i, IntIn(g, name + "/one", {1}, {}, i)},
                    DT_INT32),
            next_x};
      });
  return exits[1];
}

std::string CountedLoop(GraphBuilder& g, const std::string& name, const std::string& x,
                        int trip_count, const TypedNames& invariants, const StepFn& step) {
  return CountedLoop(g, name, x, g.ConstInt(name + "_n", {}, {trip_count}), invariants, step);
}

const std::vector<std::vector<int64_t>> kShapes = {{4}, {2, 3}, {1, 3, 5}};

// x = [x[..., 1:], -0.5 * x[..., :1]] through ConcatV2 and Slice.
StepFn RotateStep(const std::vector<int64_t>& shape) {
  return [shape](GraphBuilder& g, const std::string& x, const std::string& i,
                 const std::vector<std::string>&) {
    TypedOp(g, "Mul", "loop/halved", {x, ScalarIn(g, "loop/minus_half", -0.5f, i)}, DT_FLOAT);
    const int rank = static_cast<int>(shape.size());
    tensorflow::NodeDef& concat =
        g.Op("ConcatV2", "loop/concat", {x, "loop/halved", IntIn(g, "loop/axis", {-1}, {}, i)});
    AttrType(concat, "T", DT_FLOAT);
    AttrInt(concat, "N", 2);
    std::vector<int32_t> begin(rank, 0), size(shape.begin(), shape.end());
    begin.back() = 1;
    tensorflow::NodeDef& slice = g.Op(
        "Slice", "loop/slice",
        {"loop/concat", IntIn(g, "loop/begin", begin, {rank}, i),
         IntIn(g, "loop/size", size, {rank}, i)});
    AttrType(slice, "T", DT_FLOAT);
    AttrType(slice, "Index", DT_INT32);
    return std::string("loop/slice");
  };
}

void AddCountedLoops(Cases& cases) {
  struct Body {
    const char* name;
    std::function<StepFn(const std::vector<int64_t>&)> make;
  };
  const Body bodies[] = {
      {"MulAdd",
       [](const std::vector<int64_t>&) -> StepFn {
         return [](GraphBuilder& g, const std::string& x, const std::string& i,
                   const std::vector<std::string>&) {
           return Affine(g, "loop/affine", x, 0.9f, 0.2f, i);
         };
       }},
      {"Relu",
       [](const std::vector<int64_t>&) -> StepFn {
         return [](GraphBuilder& g, const std::string& x, const std::string& i,
                   const std::vector<std::string>&) {
           return TypedOp(g, "Relu", "loop/relu",
                          {Affine(g, "loop/affine", x, -1.25f, 0.1f, i)}, DT_FLOAT);
         };
       }},
      {"Tanh",
       [](const std::vector<int64_t>&) -> StepFn {
         return [](GraphBuilder& g, const std::string& x, const std::string& i,
                   const std::vector<std::string>&) {
           return TypedOp(g, "Tanh", "loop/tanh", {Affine(g, "loop/affine", x, 1.5f, 0.1f, i)},
                          DT_FLOAT);
         };
       }},
      {"ConcatSlice", RotateStep},
  };
  for (const Body& body : bodies) {
    for (const auto& shape : kShapes) {
      for (int n : {0, 1, 3, 7}) {
        OpCase c;
        c.name = absl::StrCat("control_flow/while_", body.name, "_", ShapeName(shape), "_n", n);
        AddInput(c, "x", DT_FLOAT, shape);
        c.outputs = {CountedLoop(c.graph, "loop", "x", n, {}, body.make(shape))};
        if (std::string(body.name) == "MulAdd") {
          // A cross-check of the reference tool on loops.
          c.numpy = absl::StrCat(
              "([(x := x * np.float32(0.9) + np.float32(0.2)) for _ in range(", n, ")], x)[1]");
        }
        cases.push_back(std::move(c));
      }
    }
  }
  // The trip count is a model input: the loop stays a WHILE.
  for (const auto& shape : kShapes) {
    OpCase c;
    c.name = absl::StrCat("control_flow/while_input_trip_count_MulAdd_", ShapeName(shape));
    AddInput(c, "x", DT_FLOAT, shape);
    AddInput(c, "n", DT_INT32, {}, 0, 6);
    c.outputs = {CountedLoop(c.graph, "loop", "x", "n", {}, bodies[0].make(shape))};
    cases.push_back(std::move(c));
  }
  // acc = acc W + x over [1, 4] x [4, 4], W and x entered as invariants.
  for (int n : {0, 1, 3, 7}) {
    OpCase c;
    c.name = absl::StrCat("control_flow/while_MatMul_1x4_n", n);
    AddInput(c, "x", DT_FLOAT, {1, 4});
    AddInput(c, "acc", DT_FLOAT, {1, 4});
    AddWeights(c, "w", {4, 4}, 11, -0.5f, 0.5f);
    c.outputs = {CountedLoop(
        c.graph, "loop", "acc", n, {{"w", DT_FLOAT}, {"x", DT_FLOAT}},
        [](GraphBuilder& g, const std::string& acc, const std::string&,
           const std::vector<std::string>& inv) {
          TypedOp(g, "MatMul", "loop/matmul", {acc, inv[0]}, DT_FLOAT);
          return TypedOp(g, "AddV2", "loop/acc_next", {"loop/matmul", inv[1]}, DT_FLOAT);
        })};
    cases.push_back(std::move(c));
  }
}

// a, b = b, a + b (times s, entered as an invariant, when `scaled`).
void AddTwoVariableLoops(Cases& cases) {
  for (bool scaled : {false, true}) {
    for (const auto& shape : {std::vector<int64_t>{3}, std::vector<int64_t>{2, 2}}) {
      for (int n : scaled ? std::vector<int>{0, 2, 5} : std::vector<int>{1, 3, 7}) {
        OpCase c;
        c.name = absl::StrCat("control_flow/fibonacci_", scaled ? "scaled_" : "",
                              ShapeName(shape), "_n", n);
        AddInput(c, "a", DT_FLOAT, shape);
        AddInput(c, "b", DT_FLOAT, shape);
        TypedNames invariants = {{c.graph.ConstInt("n", {}, {n}), DT_INT32}};
        if (scaled) invariants.push_back({AddInput(c, "s", DT_FLOAT, shape), DT_FLOAT});
        c.graph.ConstInt("start", {}, {0});
        auto exits = testing::WhileLoop(
            c.graph, "fib", {{"start", DT_INT32}, {"a", DT_FLOAT}, {"b", DT_FLOAT}}, invariants,
            [](GraphBuilder& g, const FrameTensors& t) {
              return TypedOp(g, "Less", "fib/Less", {t.vars[0], t.invariants[0]}, DT_INT32);
            },
            [scaled](GraphBuilder& g, const FrameTensors& t) {
              const std::string i = t.vars[0];
              std::string b = t.vars[2];
              if (scaled) b = TypedOp(g, "Mul", "fib/scaled", {b, t.invariants[1]}, DT_FLOAT);
              return std::vector<std::string>{
                  TypedOp(g, "AddV2", "fib/i_next", {i, IntIn(g, "fib/one", {1}, {}, i)},
                          DT_INT32),
                  t.vars[2], TypedOp(g, "AddV2", "fib/sum", {t.vars[1], b}, DT_FLOAT)};
            });
        c.outputs = exits;
        c.outputs.erase(c.outputs.begin());
        c.numpy = absl::StrCat("([(t := a, a := b, b := t + b", scaled ? " * s" : "",
                               ") for _ in range(", n, ")], a)[1];b");
        cases.push_back(std::move(c));
      }
    }
  }
  // a, b = b, a: the body returns its inputs crossed over.
  for (int n : {1, 2, 3}) {
    OpCase c;
    c.name = absl::StrCat("control_flow/swap_3_n", n);
    AddInput(c, "a", DT_FLOAT, {3});
    AddInput(c, "b", DT_FLOAT, {3});
    c.graph.ConstInt("start", {}, {0});
    auto exits = testing::WhileLoop(
        c.graph, "swap", {{"start", DT_INT32}, {"a", DT_FLOAT}, {"b", DT_FLOAT}},
        {{c.graph.ConstInt("n", {}, {n}), DT_INT32}},
        [](GraphBuilder& g, const FrameTensors& t) {
          return TypedOp(g, "Less", "swap/Less", {t.vars[0], t.invariants[0]}, DT_INT32);
        },
        [](GraphBuilder& g, const FrameTensors& t) {
          return std::vector<std::string>{
              TypedOp(g, "AddV2", "swap/i_next",
                      {t.vars[0], IntIn(g, "swap/one", {1}, {}, t.vars[0])}, DT_INT32),
              t.vars[2], t.vars[1]};
        });
    c.outputs = {exits[1], exits[2]};
    c.numpy = n % 2 == 1 ? "b;a" : "a;b";
    cases.push_back(std::move(c));
  }
}

// for i in range(outer): for j in range(inner or i + 1): x = 0.8 x + 0.1 i +
// 0.05 j; then x -= 0.1. The inner loop reads the outer counter.
void AddNestedLoops(Cases& cases) {
  for (int outer : {2, 3}) {
    for (int inner : {2, 3, -1}) {
      OpCase c;
      c.name = absl::StrCat("control_flow/nested_", outer, "x",
                            inner < 0 ? "triangle" : absl::StrCat(inner));
      AddInput(c, "x", DT_FLOAT, {2, 3});
      // tfjs's executor does not finish nested v1 loops: numpy is the reference.
      c.numpy = absl::StrCat(
          "([[(x := x * np.float32(0.8) + np.float32(i) * np.float32(0.1) + np.float32(j) * "
          "np.float32(0.05)) for j in range(",
          inner < 0 ? "i + 1" : absl::StrCat(inner), ")] + [(x := x - np.float32(0.1))] for i in range(", outer,
          ")], x)[1]");
      c.outputs = {CountedLoop(
          c.graph, "outer", "x", outer, {},
          [inner](GraphBuilder& g, const std::string& x, const std::string& i,
                  const std::vector<std::string>&) {
            const std::string limit =
                inner >= 0 ? IntIn(g, "outer/inner_n", {inner}, {}, i)
                           : TypedOp(g, "AddV2", "outer/inner_n",
                                     {i, IntIn(g, "outer/one_more", {1}, {}, i)}, DT_INT32);
            const std::string inner_x = CountedLoop(
                g, "outer/inner", x, limit, {{i, DT_INT32}},
                [](GraphBuilder& g, const std::string& y, const std::string& j,
                   const std::vector<std::string>& inv) {
                  TypedOp(g, "Mul", "outer/inner/i_term",
                          {ToFloat(g, "outer/inner/i_float", inv[0]),
                           ScalarIn(g, "outer/inner/tenth", 0.1f, j)},
                          DT_FLOAT);
                  TypedOp(g, "Mul", "outer/inner/j_term",
                          {ToFloat(g, "outer/inner/j_float", j),
                           ScalarIn(g, "outer/inner/twentieth", 0.05f, j)},
                          DT_FLOAT);
                  TypedOp(g, "Mul", "outer/inner/decay",
                          {y, ScalarIn(g, "outer/inner/eight_tenths", 0.8f, j)}, DT_FLOAT);
                  TypedOp(g, "AddV2", "outer/inner/partial",
                          {"outer/inner/decay", "outer/inner/i_term"}, DT_FLOAT);
                  return TypedOp(g, "AddV2", "outer/inner/y_next",
                                 {"outer/inner/partial", "outer/inner/j_term"}, DT_FLOAT);
                },
                i);
            return TypedOp(g, "Sub", "outer/x_next",
                           {inner_x, ScalarIn(g, "outer/tenth", 0.1f, i)}, DT_FLOAT);
          })};
      cases.push_back(std::move(c));
    }
  }
}

// tf.while_loop(maximum_iterations=max): a second counter, and a condition
// LogicalAnd(iteration < max, i < n).
void AddMaximumIterations(Cases& cases) {
  for (auto [max, n] : {std::pair{0, 3}, {2, 5}, {5, 2}, {4, 4}, {7, 6}}) {
    for (const auto& shape : {std::vector<int64_t>{3}, std::vector<int64_t>{2, 2}}) {
      OpCase c;
      c.name = absl::StrCat("control_flow/maximum_iterations_", ShapeName(shape), "_max", max,
                            "_n", n);
      AddInput(c, "x", DT_FLOAT, shape);
      c.graph.ConstInt("start", {}, {0});
      c.graph.ConstInt("max", {}, {max});
      c.graph.ConstInt("n", {}, {n});
      auto exits = testing::WhileLoop(
          c.graph, "loop", {{"start", DT_INT32}, {"start", DT_INT32}, {"x", DT_FLOAT}},
          {{"max", DT_INT32}, {"n", DT_INT32}},
          [](GraphBuilder& g, const FrameTensors& t) {
            TypedOp(g, "Less", "loop/below_max", {t.vars[0], t.invariants[0]}, DT_INT32);
            TypedOp(g, "Less", "loop/below_n", {t.vars[1], t.invariants[1]}, DT_INT32);
            g.Op("LogicalAnd", "loop/both", {"loop/below_max", "loop/below_n"});
            return std::string("loop/both");
          },
          [](GraphBuilder& g, const FrameTensors& t) {
            const std::string i = t.vars[1];
            const std::string one = IntIn(g, "loop/one", {1}, {}, i);
            TypedOp(g, "Mul", "loop/i_term",
                    {ToFloat(g, "loop/i_float", i), ScalarIn(g, "loop/tenth", 0.1f, i)},
                    DT_FLOAT);
            TypedOp(g, "Mul", "loop/decay", {t.vars[2], ScalarIn(g, "loop/scale", 0.9f, i)},
                    DT_FLOAT);
            return std::vector<std::string>{
                TypedOp(g, "AddV2", "loop/iteration_next", {t.vars[0], one}, DT_INT32),
                TypedOp(g, "AddV2", "loop/i_next", {i, one}, DT_INT32),
                TypedOp(g, "AddV2", "loop/x_next", {"loop/decay", "loop/i_term"}, DT_FLOAT)};
          });
      c.outputs = {exits[2], exits[1]};
      cases.push_back(std::move(c));
    }
  }
}

// TensorFlow's cond layout: Switch(pred, pred) whose sides, through an
// Identity each, are the pivots the branches' constants hang from.
struct Pivots {
  std::string then_pivot, else_pivot;
};

Pivots CondPivots(GraphBuilder& g, const std::string& name, const std::string& pred) {
  TypedOp(g, "Switch", name + "/pred_switch", {pred, pred}, DT_BOOL);
  return {TypedOp(g, "Identity", name + "/switch_t", {name + "/pred_switch:1"}, DT_BOOL),
          TypedOp(g, "Identity", name + "/switch_f", {name + "/pred_switch"}, DT_BOOL)};
}

// A branch's result from its input and pivot.
using BranchOp = std::function<std::string(GraphBuilder& g, const std::string& name,
                                           const std::string& x, const std::string& pivot)>;

std::string Unary(GraphBuilder& g, const char* op, const std::string& name,
                  const std::string& x) {
  return TypedOp(g, op, name, {x}, DT_FLOAT);
}

struct BranchPair {
  const char* name;
  std::vector<int64_t> shape;
  BranchOp then_op, else_op;
};

std::vector<BranchPair> BranchPairs() {
  return {
      {"Relu_vs_Mul", {2, 3},
       [](GraphBuilder& g, const std::string& name, const std::string& x, const std::string&) {
         return Unary(g, "Relu", name, x);
       },
       [](GraphBuilder& g, const std::string& name, const std::string& x, const std::string& p) {
         return TypedOp(g, "Mul", name, {x, ScalarIn(g, name + "/k", -1.5f, p)}, DT_FLOAT);
       }},
      {"Tanh_vs_SquareSub", {2, 3},
       [](GraphBuilder& g, const std::string& name, const std::string& x, const std::string&) {
         return Unary(g, "Tanh", name, x);
       },
       [](GraphBuilder& g, const std::string& name, const std::string& x, const std::string& p) {
         TypedOp(g, "Sub", name + "/sub", {x, ScalarIn(g, name + "/k", 0.5f, p)}, DT_FLOAT);
         return Unary(g, "Square", name, name + "/sub");
       }},
      {"MatMul_vs_Sigmoid", {1, 4},
       [](GraphBuilder& g, const std::string& name, const std::string& x, const std::string& p) {
         g.ConstFloat(name + "/w", {4, 4}, WeightValues({4, 4}, 21));
         g.AddControlInput(name + "/w", p);
         return TypedOp(g, "MatMul", name, {x, name + "/w"}, DT_FLOAT);
       },
       [](GraphBuilder& g, const std::string& name, const std::string& x, const std::string&) {
         return Unary(g, "Sigmoid", name, x);
       }},
      {"AddV2_vs_Sub", {3},
       [](GraphBuilder& g, const std::string& name, const std::string& x, const std::string& p) {
         return TypedOp(g, "AddV2", name, {x, ScalarIn(g, name + "/k", 1.5f, p)}, DT_FLOAT);
       },
       [](GraphBuilder& g, const std::string& name, const std::string& x, const std::string& p) {
         return TypedOp(g, "Sub", name, {x, ScalarIn(g, name + "/k", 1.5f, p)}, DT_FLOAT);
       }},
  };
}

// tf.cond(pred, then, else) on `x`; returns the Merge.
std::string CondOn(GraphBuilder& g, const std::string& name, const std::string& pred,
                   const std::string& x, const BranchPair& pair) {
  const Pivots pivots = CondPivots(g, name, pred);
  return testing::Cond(
      g, name, pred, {{x, DT_FLOAT}},
      [&](GraphBuilder& g, const FrameTensors& t) {
        return std::vector<std::string>{
            pair.then_op(g, name + "/then", t.vars[0], pivots.then_pivot)};
      },
      [&](GraphBuilder& g, const FrameTensors& t) {
        return std::vector<std::string>{
            pair.else_op(g, name + "/else", t.vars[0], pivots.else_pivot)};
      })[0];
}

void AddCondCases(Cases& cases) {
  for (const BranchPair& pair : BranchPairs()) {
    for (bool pred : {true, false}) {
      // The predicate a Const, or folded from a comparison of constants.
      for (bool folded : {false, true}) {
        OpCase c;
        c.name = absl::StrCat("control_flow/cond_", pair.name, "_", pred ? "true" : "false",
                              folded ? "_folded" : "_const");
        AddInput(c, "x", DT_FLOAT, pair.shape);
        if (folded) {
          c.graph.ConstInt("flag", {}, {pred ? 3 : -3});
          c.graph.ConstInt("zero", {}, {0});
          TypedOp(c.graph, "Greater", "pred", {"flag", "zero"}, DT_INT32);
        } else {
          tensorflow::NodeDef& node = c.graph.Op("Const", "pred", {});
          AttrType(node, "dtype", DT_BOOL);
          auto* value = (*node.mutable_attr())["value"].mutable_tensor();
          value->set_dtype(DT_BOOL);
          value->add_bool_val(pred);
        }
        c.outputs = {CondOn(c.graph, "cond", "pred", "x", pair)};
        cases.push_back(std::move(c));
      }
    }
  }
  // A loop inside a branch of a cond decided at run time: the predicate
  // compares the sum of the input with a threshold it always passes, or
  // never.
  for (bool taken : {true, false}) {
    OpCase c;
    c.name = absl::StrCat("control_flow/cond_run_time_loop_", taken ? "taken" : "not_taken");
    AddInput(c, "x", DT_FLOAT, {2, 3});
    GraphBuilder& g = c.graph;
    g.ConstInt("axes", {2}, {0, 1});
    tensorflow::NodeDef& sum = g.Op("Sum", "sum", {"x", "axes"});
    AttrType(sum, "T", DT_FLOAT);
    AttrType(sum, "Tidx", DT_INT32);
    g.ConstFloat("threshold", {}, {taken ? -100.0f : 100.0f});
    TypedOp(g, "Greater", "pred", {"sum", "threshold"}, DT_FLOAT);
    const Pivots pivots = CondPivots(g, "cond", "pred");
    c.outputs = {testing::Cond(
        g, "cond", "pred", {{"x", DT_FLOAT}},
        [&](GraphBuilder& g, const FrameTensors& t) {
          const std::string& pivot = pivots.then_pivot;
          // x = 0.5 x + 1, three times.
          return std::vector<std::string>{CountedLoop(
              g, "cond/loop", t.vars[0], IntIn(g, "cond/loop_n", {3}, {}, pivot), {},
              [](GraphBuilder& g, const std::string& x, const std::string& i,
                 const std::vector<std::string>&) {
                TypedOp(g, "Mul", "cond/loop/half", {x, ScalarIn(g, "cond/loop/scale", 0.5f, i)},
                        DT_FLOAT);
                return TypedOp(g, "AddV2", "cond/loop/next",
                               {"cond/loop/half", ScalarIn(g, "cond/loop/offset", 1.0f, i)},
                               DT_FLOAT);
              },
              pivot)};
        },
        [&](GraphBuilder& g, const FrameTensors& t) {
          return std::vector<std::string>{Unary(g, "Relu", "cond/else", t.vars[0])};
        })[0]};
    c.numpy = taken ? "((x * np.float32(0.5) + 1) * np.float32(0.5) + 1) * np.float32(0.5) + 1"
                    : "np.maximum(x, 0)";
    cases.push_back(std::move(c));
  }
  // A cond in a loop on the parity of the iteration: then on even ones.
  for (const BranchPair& pair : BranchPairs()) {
    if (pair.shape != std::vector<int64_t>{2, 3} && pair.shape != std::vector<int64_t>{3}) {
      continue;
    }
    for (int n : {1, 4, 5}) {
      OpCase c;
      c.name = absl::StrCat("control_flow/while_cond_parity_", pair.name, "_n", n);
      AddInput(c, "x", DT_FLOAT, pair.shape);
      c.outputs = {CountedLoop(
          c.graph, "loop", "x", n, {},
          [&pair](GraphBuilder& g, const std::string& x, const std::string& i,
                  const std::vector<std::string>&) {
            TypedOp(g, "FloorMod", "loop/parity", {i, IntIn(g, "loop/two", {2}, {}, i)},
                    DT_INT32);
            TypedOp(g, "Equal", "loop/even", {"loop/parity", IntIn(g, "loop/zero", {0}, {}, i)},
                    DT_INT32);
            return CondOn(g, "loop/cond", "loop/even", x, pair);
          })};
      cases.push_back(std::move(c));
    }
  }
}

}  // namespace

void AddControlFlowCases(Cases& cases) {
  AddCountedLoops(cases);
  AddTwoVariableLoops(cases);
  AddNestedLoops(cases);
  AddMaximumIterations(cases);
  AddArrayCases(cases);
  AddCondCases(cases);
}

}  // namespace tflconv::opgen
