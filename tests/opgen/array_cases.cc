// TensorArrays as dynamic_rnn writes them and TensorLists as tf.while_loop
// writes them in TF2 graphs, unrolled and lowered to the tensors written
// into them.
#include "absl/strings/str_cat.h"
#include "tests/opgen/control_flow_case_util.h"
#include "tests/testing/control_flow_builder.h"

namespace tflconv::opgen {
namespace {

using tensorflow::DT_FLOAT;
using tensorflow::DT_INT32;
using tensorflow::DT_RESOURCE;
using tensorflow::DT_VARIANT;
using testing::AttrBool;
using testing::AttrInt;
using testing::AttrType;
using testing::FrameTensors;
using testing::GraphBuilder;
using testing::TypedOp;

// dynamic_rnn: x [T, B, F] scattered into a TensorArray, one read per step
// of h = tanh(x_t W + h U + b), the outputs written to a second TensorArray
// and gathered over Range(0, size); with tf.while_loop's
// maximum_iterations counter when `bounded`. Without `output_declared`
// the outputs' TensorArray has no element_shape: its first write tells it.
OpCase RnnCase(int steps, int batch, int features, int units, bool bounded,
               bool output_declared = true) {
  OpCase c;
  c.name = absl::StrCat("control_flow/dynamic_rnn_T", steps, "_B", batch, "_F", features, "_H",
                        units, bounded ? "_maximum_iterations" : "",
                        output_declared ? "" : "_undeclared_shape");
  GraphBuilder& g = c.graph;
  AddInput(c, "x", DT_FLOAT, {steps, batch, features});
  AddInput(c, "h0", DT_FLOAT, {batch, units});
  const int seed = steps * 100 + batch * 10 + features;
  const auto w = WeightValues({features, units}, seed, -0.6f, 0.6f);
  const auto u = WeightValues({units, units}, seed + 1, -0.6f, 0.6f);
  const auto b = WeightValues({units}, seed + 2, -0.3f, 0.3f);
  g.ConstFloat("w", {features, units}, w);
  g.ConstFloat("u", {units, units}, u);
  g.ConstFloat("b", {units}, b);
  g.ConstInt("steps", {}, {steps});
  g.ConstInt("zero", {}, {0});
  g.ConstInt("delta", {}, {1});
  auto tensor_array = [&](const std::string& name, std::vector<int64_t> element_shape) {
    tensorflow::NodeDef& ta = g.Op("TensorArrayV3", name, {"steps"});
    AttrType(ta, "dtype", DT_FLOAT);
    auto* shape = (*ta.mutable_attr())["element_shape"].mutable_shape();
    if (element_shape.empty()) shape->set_unknown_rank(true);
    for (int64_t d : element_shape) shape->add_dim()->set_size(d);
    AttrBool(ta, "dynamic_size", false);
    AttrBool(ta, "clear_after_read", true);
    AttrBool(ta, "identical_element_shapes", true);
    testing::AttrString(ta, "tensor_array_name", "");
  };
  tensor_array("input_ta", {batch, features});
  tensor_array("output_ta", output_declared ? std::vector<int64_t>{batch, units}
                                            : std::vector<int64_t>{});
  AttrType(g.Op("Range", "input_indices", {"zero", "steps", "delta"}), "Tidx", DT_INT32);
  TypedOp(g, "TensorArrayScatterV3", "scatter", {"input_ta", "input_indices", "x", "input_ta:1"},
          DT_FLOAT);
  TypedNames vars = {{"zero", DT_INT32}, {"output_ta:1", DT_FLOAT}, {"h0", DT_FLOAT}};
  if (bounded) vars.push_back({"zero", DT_INT32});
  auto exits = testing::WhileLoop(
      g, "rnn", vars,
      {{"steps", DT_INT32}, {"input_ta", DT_RESOURCE}, {"scatter", DT_FLOAT},
       {"output_ta", DT_RESOURCE}, {"w", DT_FLOAT}, {"u", DT_FLOAT}, {"b", DT_FLOAT}},
      [bounded](GraphBuilder& g, const FrameTensors& t) {
        TypedOp(g, "Less", "rnn/Less", {t.vars[0], t.invariants[0]}, DT_INT32);
        if (!bounded) return std::string("rnn/Less");
        TypedOp(g, "Less", "rnn/below_maximum", {t.vars[3], t.invariants[0]}, DT_INT32);
        g.Op("LogicalAnd", "rnn/both", {"rnn/below_maximum", "rnn/Less"});
        return std::string("rnn/both");
      },
      [bounded](GraphBuilder& g, const FrameTensors& t) {
        const std::string time = t.vars[0];
        const auto& inv = t.invariants;
        AttrType(g.Op("TensorArrayReadV3", "rnn/x_t", {inv[1], time, inv[2]}), "dtype",
                 DT_FLOAT);
        TypedOp(g, "MatMul", "rnn/xw", {"rnn/x_t", inv[4]}, DT_FLOAT);
        TypedOp(g, "MatMul", "rnn/hu", {t.vars[2], inv[5]}, DT_FLOAT);
        TypedOp(g, "AddV2", "rnn/sum", {"rnn/xw", "rnn/hu"}, DT_FLOAT);
        TypedOp(g, "BiasAdd", "rnn/biased", {"rnn/sum", inv[6]}, DT_FLOAT);
        TypedOp(g, "Tanh", "rnn/h", {"rnn/biased"}, DT_FLOAT);
        TypedOp(g, "TensorArrayWriteV3", "rnn/write", {inv[3], time, "rnn/h", t.vars[1]},
                DT_FLOAT);
        const std::string one = IntIn(g, "rnn/one", {1}, {}, time);
        std::vector<std::string> next = {TypedOp(g, "AddV2", "rnn/time_next", {time, one}, DT_INT32),
                                         "rnn/write", "rnn/h"};
        if (bounded) {
          next.push_back(TypedOp(g, "AddV2", "rnn/iteration_next", {t.vars[3], one}, DT_INT32));
        }
        return next;
      });
  g.Op("TensorArraySizeV3", "output_size", {"output_ta", exits[1]});
  AttrType(g.Op("Range", "output_indices", {"zero", "output_size", "delta"}), "Tidx", DT_INT32);
  tensorflow::NodeDef& gather =
      g.Op("TensorArrayGatherV3", "outputs", {"output_ta", "output_indices", exits[1]});
  AttrType(gather, "dtype", DT_FLOAT);
  auto* shape = (*gather.mutable_attr())["element_shape"].mutable_shape();
  if (output_declared) {
    shape->add_dim()->set_size(batch);
    shape->add_dim()->set_size(units);
  } else {
    shape->set_unknown_rank(true);
  }
  c.outputs = {"outputs", exits[2]};
  if (steps == 4) {
    // A cross-check of the reference tool on TensorArrays.
    c.numpy = absl::StrCat(
        "[h := h0, np.stack([(h := np.tanh(x[t] @ ", NumpyFloat32(w, {features, units}),
        " + h @ ", NumpyFloat32(u, {units, units}), " + ", NumpyFloat32(b, {units}),
        ")) for t in range(", steps, ")])][1];h");
  }
  return c;
}

// TensorLists as tf.while_loop writes them in TF2 graphs: a list reserved
// and filled item by item, or made from a tensor and read item by item.
void AddTensorLists(Cases& cases) {
  // A reserved list of `unknown_shape` (element_shape -1) gets its shape
  // from its first set.
  for (auto [from_tensor, unknown_shape] : {std::pair{false, false}, {true, false}, {false, true}}) {
    for (const auto& shape : {std::vector<int64_t>{4}, std::vector<int64_t>{2, 3}}) {
      for (int n : {1, 3, 6}) {
        OpCase c;
        GraphBuilder& g = c.graph;
        c.name = absl::StrCat("control_flow/tensorlist_", from_tensor ? "from_tensor" : "reserve",
                              unknown_shape ? "_unknown_shape" : "", "_", ShapeName(shape), "_n",
                              n);
        std::vector<int64_t> rows = {n};
        rows.insert(rows.end(), shape.begin(), shape.end());
        AddInput(c, "x", DT_FLOAT, shape);
        if (unknown_shape) {
          g.ConstInt("element_shape", {}, {-1});
        } else {
          g.ConstInt("element_shape", {static_cast<int64_t>(shape.size())},
                     std::vector<int32_t>(shape.begin(), shape.end()));
        }
        g.ConstInt("n", {}, {n});
        g.ConstInt("start", {}, {0});
        auto list_op = [&](const std::string& op, const std::string& name,
                           std::vector<std::string> inputs) -> tensorflow::NodeDef& {
          tensorflow::NodeDef& node = g.Op(op, name, std::move(inputs));
          AttrType(node, "element_dtype", DT_FLOAT);
          return node;
        };
        AttrType(list_op("TensorListReserve", "list", {"element_shape", "n"}), "shape_type",
                 DT_INT32);
        TypedNames invariants = {{"n", DT_INT32}};
        if (from_tensor) {
          AddInput(c, "rows", DT_FLOAT, rows);
          AttrType(list_op("TensorListFromTensor", "input_list", {"rows", "element_shape"}),
                   "shape_type", DT_INT32);
          invariants.push_back({"input_list", DT_VARIANT});
          invariants.push_back({"element_shape", DT_INT32});
        }
        // x = 0.5 x + (rows[i] if from_tensor else i); list[i] = x
        auto exits = testing::WhileLoop(
            g, "loop", {{"start", DT_INT32}, {"list", DT_VARIANT}, {"x", DT_FLOAT}}, invariants,
            [](GraphBuilder& g, const FrameTensors& t) {
              return TypedOp(g, "Less", "loop/Less", {t.vars[0], t.invariants[0]}, DT_INT32);
            },
            [&](GraphBuilder& g, const FrameTensors& t) {
              const std::string i = t.vars[0];
              std::string term = ToFloat(g, "loop/i_float", i);
              if (from_tensor) {
                term = list_op("TensorListGetItem", "loop/row",
                               {t.invariants[1], i, t.invariants[2]})
                           .name();
              }
              TypedOp(g, "Mul", "loop/half", {t.vars[2], ScalarIn(g, "loop/scale", 0.5f, i)},
                      DT_FLOAT);
              TypedOp(g, "AddV2", "loop/x_next", {"loop/half", term}, DT_FLOAT);
              list_op("TensorListSetItem", "loop/set", {t.vars[1], i, "loop/x_next"});
              return std::vector<std::string>{
                  TypedOp(g, "AddV2", "loop/i_next", {i, IntIn(g, "loop/one", {1}, {}, i)},
                          DT_INT32),
                  "loop/set", "loop/x_next"};
            });
        AttrInt(list_op("TensorListStack", "stacked", {exits[1], "element_shape"}),
                "num_elements", -1);
        c.outputs = {"stacked", exits[2]};
        c.numpy = absl::StrCat("np.stack([(x := x * np.float32(0.5) + ",
                               from_tensor ? "rows[k]" : "np.float32(k)", ") for k in range(", n,
                               ")]);x");
        cases.push_back(std::move(c));
      }
    }
  }
}

}  // namespace

void AddArrayCases(Cases& cases) {
  for (int steps : {1, 4, 9}) {
    for (auto [batch, features, units] : {std::tuple{1, 3, 4}, {2, 3, 4}, {2, 5, 2}}) {
      for (bool bounded : {false, true}) {
        cases.push_back(RnnCase(steps, batch, features, units, bounded));
      }
    }
    cases.push_back(RnnCase(steps, 2, 3, 4, /*bounded=*/false, /*output_declared=*/false));
  }
  AddTensorLists(cases);
}

}  // namespace tflconv::opgen
