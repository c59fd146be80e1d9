// Reductions over axes, keep_dims, ranks and dtypes; arg reductions;
// unsorted segment reductions; top k.
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "tests/opgen/op_case.h"

namespace tflconv::opgen {
namespace {

using tensorflow::DT_BOOL;
using tensorflow::DT_FLOAT;
using tensorflow::DT_INT32;

struct Reduce {
  std::vector<int64_t> shape;
  std::vector<int32_t> axes;
};

const std::vector<Reduce> kReductions = {
    {{7}, {0}},          {{3, 5}, {0}},        {{3, 5}, {1}},      {{3, 5}, {-1}},
    {{3, 5}, {0, 1}},    {{2, 3, 4}, {1}},     {{2, 3, 4}, {0, 2}}, {{2, 3, 4}, {-1, -2}},
    {{1, 4, 4, 3}, {1, 2}}, {{1, 4, 4, 3}, {3}}, {{2, 4, 4, 3}, {0, 1, 2, 3}},
    {{2, 3, 4}, {}},
};

std::string AxesName(const std::vector<int32_t>& axes) {
  return axes.empty() ? "none" : absl::StrJoin(axes, "_");
}

// tfjs returns a float mean of int32; TensorFlow divides the sum by the
// count in integers, truncating.
std::string IntegerMean(const Reduce& r, bool keep_dims) {
  if (r.axes.empty()) return "x";
  int64_t count = 1;
  for (int32_t axis : r.axes) count *= r.shape[(axis + r.shape.size()) % r.shape.size()];
  return absl::StrCat("np.trunc(np.sum(x.astype(np.int64), axis=(", absl::StrJoin(r.axes, ","),
                      ",), keepdims=", keep_dims ? "True" : "False", ") / ", count,
                      ").astype(np.int32)");
}

struct Segments {
  std::vector<int64_t> data_shape;
  std::vector<int64_t> ids_shape;
  std::vector<int32_t> ids;  // -1 drops its row, as TensorFlow does
  int32_t count;             // segments 1 and 4 of the first case stay empty
};

// UnsortedSegmentSum/Max/Min/Prod with constant or fed ids; tfjs has only
// the sum. Empty segments hold the reduction's identity (lowest, highest, 1,
// 0).
void AddUnsortedSegments(Cases& cases) {
  const Segments grids[] = {{{6, 3}, {6}, {0, 2, 0, -1, 3, 2}, 5},
                            {{2, 2, 3}, {2, 2}, {0, 1, 1, 0}, 2}};
  struct Reducer {
    const char* op;
    const char* numpy;  // the numpy reduction over the rows of one segment
    const char* float_identity;
    const char* int_identity;
  };
  const Reducer reducers[] = {{"UnsortedSegmentSum", "sum", "", ""},
                              {"UnsortedSegmentProd", "prod", "", ""},
                              {"UnsortedSegmentMax", "max", ", initial=np.finfo(np.float32).min",
                               ", initial=np.iinfo(np.int32).min"},
                              {"UnsortedSegmentMin", "min", ", initial=np.finfo(np.float32).max",
                               ", initial=np.iinfo(np.int32).max"}};
  for (const Reducer& r : reducers) {
    // Ids (-1 drops a row), and the count too, fed at run time: the kernel
    // sizes its output only in Eval.
    for (bool fed_count : {false, true}) {
      OpCase fed;
      fed.name = absl::StrCat("segment/", r.op, "_float32_6x3_fed_ids", fed_count ? "_count" : "");
      AddInput(fed, "data", DT_FLOAT, {6, 3}, -3, 3);
      AddInput(fed, "ids", DT_INT32, {6}, -1, 3);
      if (fed_count) {
        AddInput(fed, "count", DT_INT32, {}, 4, 4);
      } else {
        fed.graph.ConstInt("count", {}, {4});
      }
      auto& node = AddTyped(fed, r.op, "y", {"data", "ids", "count"}, DT_FLOAT);
      testing::AttrType(node, "Tindices", DT_INT32);
      testing::AttrType(node, "Tnumsegments", DT_INT32);
      fed.outputs = {"y"};
      fed.numpy = absl::StrCat("np.stack([np.", r.numpy, "(data[ids == k], axis=0",
                               r.float_identity, ") for k in range(4)])");
      fed.runtime_sized_outputs = true;
      cases.push_back(std::move(fed));
    }
    for (tensorflow::DataType dtype : {DT_FLOAT, DT_INT32}) {
      for (const Segments& g : grids) {
        OpCase c;
        c.name = absl::StrCat("segment/", r.op, "_", DtypeName(dtype), "_",
                              ShapeName(g.data_shape), "_ids", ShapeName(g.ids_shape));
        AddInput(c, "data", dtype, g.data_shape, -3, 3);
        c.graph.ConstInt("ids", g.ids_shape, g.ids);
        c.graph.ConstInt("count", {}, {g.count});
        auto& node = AddTyped(c, r.op, "y", {"data", "ids", "count"}, dtype);
        testing::AttrType(node, "Tindices", DT_INT32);
        testing::AttrType(node, "Tnumsegments", DT_INT32);
        c.outputs = {"y"};
        c.numpy = absl::StrCat("np.stack([np.", r.numpy, "(data[", NumpyInt32(g.ids, g.ids_shape),
                               " == k], axis=0",
                               dtype == DT_FLOAT ? r.float_identity : r.int_identity,
                               ") for k in range(", g.count, ")])");
        cases.push_back(std::move(c));
      }
    }
  }
}

// SegmentSum over constant sorted ids: from 0 without gaps, with a gap and
// from 1 (the rows no id names are 0).
void AddSegmentSums(Cases& cases) {
  for (tensorflow::DataType dtype : {DT_FLOAT, DT_INT32}) {
    for (const std::vector<int32_t>& ids :
         {std::vector<int32_t>{0, 0, 1, 2, 2}, {0, 0, 2, 3, 3}, {1, 1, 2, 3, 3}}) {
      OpCase c;
      c.name = absl::StrCat("segment/SegmentSum_", DtypeName(dtype), "_ids",
                            absl::StrJoin(ids, ""));
      AddInput(c, "data", dtype, {5, 3}, -3, 3);
      c.graph.ConstInt("ids", {5}, ids);
      auto& node = AddTyped(c, "SegmentSum", "y", {"data", "ids"}, dtype);
      testing::AttrType(node, "Tindices", DT_INT32);
      c.outputs = {"y"};
      c.numpy = absl::StrCat("np.stack([np.sum(data[", NumpyInt32(ids, {5}),
                             " == k], axis=0) for k in range(", ids.back() + 1, ")])");
      cases.push_back(std::move(c));
    }
  }
}

// TopKV2 and ApproxTopK (tfjs lacks it; the max-k over the last axis is an
// exact top k): values and int32 indices, sorted.
void AddTopK(Cases& cases) {
  for (const char* op : {"TopKV2", "ApproxTopK"}) {
    for (const std::vector<int64_t>& shape : {std::vector<int64_t>{8}, {3, 8}, {2, 2, 5}}) {
      OpCase c;
      c.name = absl::StrCat("topk/", op, "_", ShapeName(shape), "_k3");
      AddInput(c, "x", DT_FLOAT, shape, -9, 9);
      std::vector<std::string> inputs = {"x"};
      const bool approx = std::string(op) == "ApproxTopK";
      if (!approx) inputs.push_back(c.graph.ConstInt("k", {}, {3}));
      auto& node = AddTyped(c, op, "y", inputs, DT_FLOAT);
      if (approx) testing::AttrInt(node, "k", 3);
      c.outputs = {"y", "y:1"};
      c.numpy = "-np.sort(-x, axis=-1)[..., :3];np.argsort(-x, axis=-1, kind='stable')[..., :3]";
      cases.push_back(std::move(c));
    }
  }
}

// Unique of 8 values drawn from 7 (float ones floored), so some repeat: y's
// length is known only at run time. No int64: the reference (tfjs) writes
// it as int32, and the padded copy pads with the reference's dtype.
void AddUniques(Cases& cases) {
  for (tensorflow::DataType dtype : {DT_FLOAT, DT_INT32}) {
    OpCase c;
    c.name = absl::StrCat("unique/", DtypeName(dtype), "_8");
    std::string x = AddInput(c, "x", dtype, {8}, -3, 3);
    if (dtype == DT_FLOAT) x = AddTyped(c, "Floor", "x_floor", {x}, DT_FLOAT).name();
    testing::AttrType(AddTyped(c, "Unique", "unique", {x}, dtype), "out_idx", DT_INT32);
    c.outputs = {"unique:0", "unique:1"};
    c.runtime_sized_outputs = true;
    cases.push_back(std::move(c));
  }
}

}  // namespace

void AddReductionCases(Cases& cases) {
  for (const char* op : {"Sum", "Mean", "Max", "Min", "Prod", "Any", "All"}) {
    const bool logical = std::string(op) == "Any" || std::string(op) == "All";
    for (tensorflow::DataType dtype : {DT_FLOAT, DT_INT32, DT_BOOL}) {
      if ((dtype == DT_BOOL) != logical) continue;
      for (const Reduce& r : kReductions) {
        for (bool keep_dims : {false, true}) {
          OpCase c;
          c.name = absl::StrCat("reduce/", op, "_", DtypeName(dtype), "_", ShapeName(r.shape),
                                "_axes", AxesName(r.axes), keep_dims ? "_keep" : "");
          AddInput(c, "x", dtype, r.shape, std::string(op) == "Prod" ? 0.5f : -5, 2);
          c.graph.ConstInt("axes", {static_cast<int64_t>(r.axes.size())}, r.axes);
          auto& node = c.graph.Op(op, "y", {"x", "axes"});
          if (!logical) testing::AttrType(node, "T", dtype);
          testing::AttrBool(node, "keep_dims", keep_dims);
          c.outputs = {"y"};
          if (std::string(op) == "Mean" && dtype == DT_INT32) c.numpy = IntegerMean(r, keep_dims);
          cases.push_back(std::move(c));
        }
      }
    }
  }
  for (const char* op : {"ArgMax", "ArgMin"}) {
    for (tensorflow::DataType dtype : {DT_FLOAT, DT_INT32}) {
      for (const Reduce& r : kReductions) {
        if (r.axes.size() != 1) continue;
        OpCase c;
        c.name = absl::StrCat("reduce/", op, "_", DtypeName(dtype), "_", ShapeName(r.shape),
                              "_axis", r.axes[0]);
        AddInput(c, "x", dtype, r.shape, -50, 50);
        c.graph.ConstInt("axis", {}, {r.axes[0]});
        auto& node = AddTyped(c, op, "y", {"x", "axis"}, dtype);
        testing::AttrType(node, "output_type", DT_INT32);
        c.outputs = {"y"};
        cases.push_back(std::move(c));
      }
    }
  }
  AddUnsortedSegments(cases);
  AddSegmentSums(cases);
  AddTopK(cases);
  AddUniques(cases);
}

}  // namespace tflconv::opgen
