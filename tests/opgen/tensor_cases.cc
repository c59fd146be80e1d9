// Shape and data-movement grids: transposes over every permutation,
// reshapes, slices with every mask, pads, concatenation and stacking over
// axes and dtypes, splits, gathers, tiles, cumulative sums, one-hot,
// reversal, sequence reversal, buckets, scatters, broadcast shapes, matrix
// diagonals and rank.
#include <algorithm>
#include <numeric>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "core/graph/tensor.h"
#include "tests/opgen/op_case.h"

namespace tflconv::opgen {
namespace {

using tensorflow::DT_BOOL;
using tensorflow::DT_FLOAT;
using tensorflow::DT_INT32;
using testing::AttrInt;
using testing::AttrType;

const tensorflow::DataType kDtypes[] = {DT_FLOAT, DT_INT32, DT_BOOL};

void AddTransposes(Cases& cases) {
  for (const std::vector<int64_t>& shape :
       {std::vector<int64_t>{2, 3}, {2, 3, 4}, {2, 3, 4, 5}, {1, 2, 3, 2, 2}}) {
    std::vector<int32_t> perm(shape.size());
    std::iota(perm.begin(), perm.end(), 0);
    do {
      for (tensorflow::DataType dtype : {DT_FLOAT, DT_INT32}) {
        OpCase c;
        c.name = absl::StrCat("transpose/", DtypeName(dtype), "_", ShapeName(shape), "_perm",
                              absl::StrJoin(perm, ""));
        AddInput(c, "x", dtype, shape, -9, 9);
        c.graph.ConstInt("perm", {static_cast<int64_t>(perm.size())}, perm);
        AddTyped(c, "Transpose", "y", {"x", "perm"}, dtype);
        c.outputs = {"y"};
        cases.push_back(std::move(c));
      }
    } while (std::next_permutation(perm.begin(), perm.end()) && shape.size() < 5);
  }
}

// TensorFlow's strided slice as a numpy index: tfjs departs from it for
// shrunk axes with strides and for some negative strides. Python slicing
// clamps and wraps indices as TensorFlow canonicalizes them.
std::string NumpySlice(const std::vector<int32_t>& begin, const std::vector<int32_t>& end,
                       const std::vector<int32_t>& strides, int begin_mask, int end_mask,
                       int shrink_mask, int new_axis_mask, int ellipsis_mask) {
  std::vector<std::string> index;
  for (size_t i = 0; i < begin.size(); ++i) {
    const int bit = 1 << i;
    if (ellipsis_mask & bit) {
      index.push_back("...");
    } else if (new_axis_mask & bit) {
      index.push_back("None");
    } else if (shrink_mask & bit) {
      index.push_back(absl::StrCat(begin[i]));
    } else {
      index.push_back(absl::StrCat((begin_mask & bit) ? "" : absl::StrCat(begin[i]), ":",
                                   (end_mask & bit) ? "" : absl::StrCat(end[i]), ":",
                                   strides[i]));
    }
  }
  return absl::StrCat("x[", absl::StrJoin(index, ","), "]");
}

void AddStridedSlices(Cases& cases) {
  const std::vector<int64_t> shape = {4, 5, 6};
  struct Spec {
    const char* name;
    std::vector<int32_t> begin, end, strides;
  };
  const Spec specs[] = {{"basic", {1, 0, 2}, {3, 5, 6}, {1, 1, 1}},
                        {"strided", {0, 1, 0}, {4, 5, 6}, {2, 2, 3}},
                        {"negative", {-1, 4, -1}, {-5, 0, -7}, {-1, -1, -2}},
                        {"neg_index", {-3, -4, 1}, {-1, -1, 5}, {1, 1, 2}}};
  for (const Spec& spec : specs) {
    for (int begin_mask : {0, 1, 5}) {
      for (int end_mask : {0, 2, 6}) {
        for (int shrink : {0, 1, 4}) {
          for (tensorflow::DataType dtype : {DT_FLOAT, DT_INT32}) {
            OpCase c;
            c.name = absl::StrCat("strided_slice/", spec.name, "_b", begin_mask, "_e", end_mask,
                                  "_s", shrink, "_", DtypeName(dtype));
            AddInput(c, "x", dtype, shape, -9, 9);
            c.graph.ConstInt("begin", {3}, spec.begin);
            c.graph.ConstInt("end", {3}, spec.end);
            c.graph.ConstInt("strides", {3}, spec.strides);
            auto& ss = AddTyped(c, "StridedSlice", "y", {"x", "begin", "end", "strides"}, dtype);
            AttrType(ss, "Index", DT_INT32);
            AttrInt(ss, "begin_mask", begin_mask);
            AttrInt(ss, "end_mask", end_mask);
            AttrInt(ss, "shrink_axis_mask", shrink);
            AttrInt(ss, "ellipsis_mask", 0);
            AttrInt(ss, "new_axis_mask", 0);
            c.outputs = {"y"};
            bool shrinks_a_negative_stride = false;
            for (int d = 0; d < 3; ++d) {
              shrinks_a_negative_stride |= (shrink & (1 << d)) && spec.strides[d] < 0;
            }
            if (shrinks_a_negative_stride) {
              c.expect_error = "which shrink_axis_mask removes";
            } else {
              c.numpy = NumpySlice(spec.begin, spec.end, spec.strides, begin_mask, end_mask,
                                   shrink, 0, 0);
            }
            cases.push_back(std::move(c));
          }
        }
      }
    }
  }
  for (int new_axis : {1, 2}) {
    for (int ellipsis : {0, 1}) {
      OpCase c;
      c.name = absl::StrCat("strided_slice/new_axis", new_axis, "_ellipsis", ellipsis);
      AddInput(c, "x", DT_FLOAT, shape);
      c.graph.ConstInt("begin", {3}, {0, 0, 1});
      c.graph.ConstInt("end", {3}, {2, 3, 4});
      c.graph.ConstInt("strides", {3}, {1, 1, 1});
      auto& ss = AddTyped(c, "StridedSlice", "y", {"x", "begin", "end", "strides"}, DT_FLOAT);
      AttrType(ss, "Index", DT_INT32);
      AttrInt(ss, "new_axis_mask", new_axis);
      AttrInt(ss, "ellipsis_mask", ellipsis);
      c.outputs = {"y"};
      c.numpy = NumpySlice({0, 0, 1}, {2, 3, 4}, {1, 1, 1}, 0, 0, 0, new_axis, ellipsis);
      cases.push_back(std::move(c));
    }
  }
}

void AddJoinsAndSplits(Cases& cases) {
  for (tensorflow::DataType dtype : kDtypes) {
    for (int axis : {0, 1, 2, -1}) {
      for (int n : {1, 2, 3}) {
        OpCase concat;
        concat.name = absl::StrCat("concat/", DtypeName(dtype), "_axis", axis, "_n", n);
        std::vector<std::string> inputs;
        for (int i = 0; i < n; ++i) {
          inputs.push_back(AddInput(concat, absl::StrCat("x", i), dtype, {2, 3, 4}, -9, 9));
        }
        concat.graph.ConstInt("axis", {}, {axis});
        std::vector<std::string> concat_inputs = inputs;
        concat_inputs.push_back("axis");
        auto& node = AddTyped(concat, "ConcatV2", "y", concat_inputs, dtype);
        AttrInt(node, "N", n);
        concat.outputs = {"y"};
        cases.push_back(std::move(concat));

        OpCase pack;
        pack.name = absl::StrCat("pack/", DtypeName(dtype), "_axis", axis, "_n", n);
        for (int i = 0; i < n; ++i) AddInput(pack, absl::StrCat("x", i), dtype, {2, 3, 4}, -9, 9);
        auto& p = AddTyped(pack, "Pack", "y", inputs, dtype);
        AttrInt(p, "N", n);
        AttrInt(p, "axis", axis);
        pack.outputs = {"y"};
        cases.push_back(std::move(pack));
      }
      OpCase unpack;
      unpack.name = absl::StrCat("unpack/", DtypeName(dtype), "_axis", axis);
      AddInput(unpack, "x", dtype, {2, 3, 2}, -9, 9);
      const int count = axis == 1 ? 3 : 2;
      auto& u = AddTyped(unpack, "Unpack", "y", {"x"}, dtype);
      AttrInt(u, "num", count);
      AttrInt(u, "axis", axis);
      for (int i = 0; i < count; ++i) unpack.outputs.push_back(absl::StrCat("y:", i));
      cases.push_back(std::move(unpack));

      OpCase split;
      split.name = absl::StrCat("split/", DtypeName(dtype), "_axis", axis);
      split.graph.ConstInt("axis", {}, {axis});
      AddInput(split, "x", dtype, {4, 6, 2}, -9, 9);
      auto& s = AddTyped(split, "Split", "y", {"axis", "x"}, dtype);
      AttrInt(s, "num_split", 2);
      split.outputs = {"y:0", "y:1"};
      cases.push_back(std::move(split));
    }
  }
}

void AddPadsAndTiles(Cases& cases) {
  for (tensorflow::DataType dtype : {DT_FLOAT, DT_INT32}) {
    for (const char* op : {"Pad", "PadV2", "MirrorPad_REFLECT", "MirrorPad_SYMMETRIC"}) {
      for (int rank : {1, 2, 3, 4}) {
        OpCase c;
        c.name = absl::StrCat("pad/", op, "_", DtypeName(dtype), "_rank", rank);
        std::vector<int64_t> shape(rank, 3);
        AddInput(c, "x", dtype, shape, -9, 9);
        std::vector<int32_t> paddings;
        for (int d = 0; d < rank; ++d) {
          paddings.push_back(d % 2);
          paddings.push_back(2 - d % 3);
        }
        c.graph.ConstInt("paddings", {rank, 2}, paddings);
        const std::string name = op;
        if (absl::StartsWith(name, "MirrorPad")) {
          auto& pad = AddTyped(c, "MirrorPad", "y", {"x", "paddings"}, dtype);
          testing::AttrString(pad, "mode", name.substr(10));
        } else if (name == "PadV2") {
          if (dtype == DT_FLOAT) {
            c.graph.ConstFloat("value", {}, {0.5f});
          } else {
            c.graph.ConstInt("value", {}, {7});
          }
          AddTyped(c, "PadV2", "y", {"x", "paddings", "value"}, dtype);
        } else {
          AddTyped(c, "Pad", "y", {"x", "paddings"}, dtype);
        }
        c.outputs = {"y"};
        cases.push_back(std::move(c));
      }
    }
    for (const std::vector<int32_t>& multiples :
         {std::vector<int32_t>{2, 1, 3}, {1, 1, 1}, {3, 2, 1}}) {
      OpCase c;
      c.name = absl::StrCat("tile/", DtypeName(dtype), "_", absl::StrJoin(multiples, "x"));
      AddInput(c, "x", dtype, {2, 3, 2}, -9, 9);
      c.graph.ConstInt("multiples", {3}, multiples);
      AddTyped(c, "Tile", "y", {"x", "multiples"}, dtype);
      c.outputs = {"y"};
      cases.push_back(std::move(c));
    }
  }
}

void AddGathersAndScans(Cases& cases) {
  for (tensorflow::DataType dtype : {DT_FLOAT, DT_INT32}) {
    for (int axis : {0, 1, 2}) {
      for (const std::vector<int64_t>& index_shape :
           {std::vector<int64_t>{}, {3}, {2, 2}}) {
        OpCase c;
        c.name = absl::StrCat("gather/GatherV2_", DtypeName(dtype), "_axis", axis, "_idx",
                              ShapeName(index_shape));
        AddInput(c, "x", dtype, {3, 4, 5}, -9, 9);
        std::vector<int32_t> indices(NumElements(index_shape));
        for (size_t i = 0; i < indices.size(); ++i) indices[i] = static_cast<int32_t>((i * 2 + 1) % 3);
        c.graph.ConstInt("indices", index_shape, indices);
        c.graph.ConstInt("axis", {}, {axis});
        auto& g = c.graph.Op("GatherV2", "y", {"x", "indices", "axis"});
        AttrType(g, "Tparams", dtype);
        AttrType(g, "Tindices", DT_INT32);
        AttrType(g, "Taxis", DT_INT32);
        c.outputs = {"y"};
        cases.push_back(std::move(c));
      }
      for (bool exclusive : {false, true}) {
        for (bool reverse : {false, true}) {
          OpCase c;
          c.name = absl::StrCat("cumsum/", DtypeName(dtype), "_axis", axis,
                                exclusive ? "_exclusive" : "", reverse ? "_reverse" : "");
          AddInput(c, "x", dtype, {3, 4, 5}, -9, 9);
          c.graph.ConstInt("axis", {}, {axis});
          auto& cs = AddTyped(c, "Cumsum", "y", {"x", "axis"}, dtype);
          AttrType(cs, "Tidx", DT_INT32);
          testing::AttrBool(cs, "exclusive", exclusive);
          testing::AttrBool(cs, "reverse", reverse);
          c.outputs = {"y"};
          cases.push_back(std::move(c));
        }
      }
      OpCase reverse;
      reverse.name = absl::StrCat("reverse/ReverseV2_", DtypeName(dtype), "_axis", axis);
      AddInput(reverse, "x", dtype, {3, 4, 5}, -9, 9);
      reverse.graph.ConstInt("axis", {1}, {axis});
      auto& r = AddTyped(reverse, "ReverseV2", "y", {"x", "axis"}, dtype);
      AttrType(r, "Tidx", DT_INT32);
      reverse.outputs = {"y"};
      cases.push_back(std::move(reverse));
    }
  }
  for (int axis : {-1, 0, 1}) {
    OpCase c;
    c.name = absl::StrCat("onehot/axis", axis);
    AddInput(c, "indices", DT_INT32, {2, 3}, -1, 4);
    c.graph.ConstInt("depth", {}, {4});
    c.graph.ConstFloat("on", {}, {2.0f});
    c.graph.ConstFloat("off", {}, {-1.0f});
    auto& oh = AddTyped(c, "OneHot", "y", {"indices", "depth", "on", "off"}, DT_FLOAT);
    AttrType(oh, "TI", DT_INT32);
    AttrInt(oh, "axis", axis);
    c.outputs = {"y"};
    // tfjs ignores OneHot's axis.
    c.numpy = absl::StrCat(
        "np.moveaxis(np.where(indices[..., None] == np.arange(4), 2.0, -1.0), -1, ", axis, ")");
    cases.push_back(std::move(c));
  }
}

void AddReshapes(Cases& cases) {
  for (tensorflow::DataType dtype : kDtypes) {
    for (const std::vector<int32_t>& to :
         {std::vector<int32_t>{24}, {-1, 4}, {2, -1, 3}, {4, 3, 2}, {1, 24, 1}}) {
      OpCase c;
      c.name = absl::StrCat("reshape/", DtypeName(dtype), "_to", absl::StrJoin(to, "x"));
      AddInput(c, "x", dtype, {2, 3, 4}, -9, 9);
      c.graph.ConstInt("shape", {static_cast<int64_t>(to.size())}, to);
      AddTyped(c, "Reshape", "y", {"x", "shape"}, dtype);
      c.outputs = {"y"};
      cases.push_back(std::move(c));
    }
    for (int axis : {0, 1, -1}) {
      OpCase c;
      c.name = absl::StrCat("expand_dims/", DtypeName(dtype), "_axis", axis);
      AddInput(c, "x", dtype, {2, 3}, -9, 9);
      c.graph.ConstInt("axis", {}, {axis});
      AddTyped(c, "ExpandDims", "y", {"x", "axis"}, dtype);
      c.outputs = {"y"};
      cases.push_back(std::move(c));
    }
    OpCase squeeze;
    squeeze.name = absl::StrCat("squeeze/", DtypeName(dtype));
    AddInput(squeeze, "x", dtype, {1, 3, 1, 2}, -9, 9);
    AddTyped(squeeze, "Squeeze", "y", {"x"}, dtype);
    squeeze.outputs = {"y"};
    cases.push_back(std::move(squeeze));
  }
  for (int block : {2}) {
    for (const char* op : {"SpaceToDepth", "DepthToSpace"}) {
      OpCase c;
      c.name = absl::StrCat("rearrange/", op, "_b", block);
      const bool to_depth = std::string(op) == "SpaceToDepth";
      AddInput(c, "x", DT_FLOAT, to_depth ? std::vector<int64_t>{1, 4, 6, 2}
                                          : std::vector<int64_t>{1, 2, 3, 8});
      auto& n = AddTyped(c, op, "y", {"x"}, DT_FLOAT);
      AttrInt(n, "block_size", block);
      c.outputs = {"y"};
      // tfjs has no SpaceToDepth: NHWC blocks as TensorFlow orders them
      // (depth index (row in block * block + column in block) * C + c).
      c.numpy = to_depth ? "x.reshape(1, 2, 2, 3, 2, 2).transpose(0, 1, 3, 2, 4, 5)"
                           ".reshape(1, 2, 3, 8)"
                         : "x.reshape(1, 2, 3, 2, 2, 2).transpose(0, 1, 3, 2, 4, 5)"
                           ".reshape(1, 4, 6, 2)";
      cases.push_back(std::move(c));
    }
  }
}

void AddSparseToDense(Cases& cases) {
  for (bool validate : {false, true}) {
    for (tensorflow::DataType dtype : {DT_FLOAT, DT_INT32}) {
      OpCase c;
      c.name = absl::StrCat("sparse_to_dense/", DtypeName(dtype), validate ? "_validated" : "");
      AddInput(c, "values", dtype, {3}, -9, 9);
      c.graph.ConstInt("indices", {3, 2}, {0, 1, 1, 0, 2, 3});
      c.graph.ConstInt("shape", {2}, {3, 4});
      if (dtype == DT_FLOAT) {
        c.graph.ConstFloat("default", {}, {0.25f});
      } else {
        c.graph.ConstInt("default", {}, {7});
      }
      auto& dense = AddTyped(c, "SparseToDense", "y", {"indices", "shape", "values", "default"},
                             dtype);
      AttrType(dense, "Tindices", DT_INT32);
      testing::AttrBool(dense, "validate_indices", validate);
      c.outputs = {"y"};
      cases.push_back(std::move(c));
    }
  }
}

// MatrixDiag and MatrixSetDiag (v1 and V3 on the main diagonal), and Rank
// (folded: it scales x so the model uses it). tfjs has no matrix diagonals.
void AddDiagonalsAndRank(Cases& cases) {
  for (tensorflow::DataType dtype : {DT_FLOAT, DT_INT32}) {
    for (const std::vector<int64_t>& shape : {std::vector<int64_t>{4}, {2, 3}, {2, 2, 3}}) {
      for (const char* op : {"MatrixDiag", "MatrixDiagV3"}) {
        OpCase c;
        c.name = absl::StrCat("diag/", op, "_", DtypeName(dtype), "_", ShapeName(shape));
        AddInput(c, "x", dtype, shape, -9, 9);
        std::vector<std::string> inputs = {"x"};
        if (std::string(op) == "MatrixDiagV3") {
          inputs.push_back(c.graph.ConstInt("k", {}, {0}));
          inputs.push_back(c.graph.ConstInt("rows", {}, {-1}));
          inputs.push_back(c.graph.ConstInt("cols", {}, {-1}));
          inputs.push_back(dtype == DT_FLOAT ? c.graph.ConstFloat("padding", {}, {0.0f})
                                             : c.graph.ConstInt("padding", {}, {0}));
        }
        auto& diag = AddTyped(c, op, "y", inputs, dtype);
        if (std::string(op) == "MatrixDiagV3") testing::AttrString(diag, "align", "RIGHT_LEFT");
        c.outputs = {"y"};
        c.numpy = absl::StrCat("x[..., None] * np.eye(", shape.back(), ", dtype=x.dtype)");
        cases.push_back(std::move(c));
      }
    }
    for (const std::vector<int64_t>& shape : {std::vector<int64_t>{3, 3}, {2, 3, 4}, {4, 3}}) {
      const int64_t rows = shape[shape.size() - 2], cols = shape.back();
      std::vector<int64_t> diagonal_shape(shape.begin(), shape.end() - 2);
      diagonal_shape.push_back(std::min(rows, cols));
      for (const char* op : {"MatrixSetDiag", "MatrixSetDiagV3"}) {
        OpCase c;
        c.name = absl::StrCat("diag/", op, "_", DtypeName(dtype), "_", ShapeName(shape));
        AddInput(c, "x", dtype, shape, -9, 9);
        AddInput(c, "d", dtype, diagonal_shape, 10, 20);
        std::vector<std::string> inputs = {"x", "d"};
        if (std::string(op) == "MatrixSetDiagV3") inputs.push_back(c.graph.ConstInt("k", {}, {0}));
        AddTyped(c, op, "y", inputs, dtype);
        c.outputs = {"y"};
        // d padded to the row length puts d[i] at (i, i) of every row i.
        c.numpy = absl::StrCat("np.where(np.eye(", rows, ", ", cols,
                               ", dtype=bool), np.pad(d, [(0, 0)] * (d.ndim - 1) + [(0, ",
                               std::max<int64_t>(0, cols - rows), ")])[..., None, :], x)");
        cases.push_back(std::move(c));
      }
    }
  }
  OpCase rank;
  rank.name = "rank/Rank_2x3x4";
  AddInput(rank, "x", DT_FLOAT, {2, 3, 4});
  AddTyped(rank, "Rank", "r", {"x"}, DT_FLOAT);
  auto& cast = rank.graph.Op("Cast", "scale", {"r"});
  AttrType(cast, "SrcT", DT_INT32);
  AttrType(cast, "DstT", DT_FLOAT);
  AddTyped(rank, "Mul", "y", {"x", "scale"}, DT_FLOAT);
  rank.outputs = {"y"};
  cases.push_back(std::move(rank));
}

// ReverseSequence (lengths constant or fed) and Bucketize, which tfjs lacks.
void AddReverseSequencesAndBuckets(Cases& cases) {
  for (tensorflow::DataType dtype : {DT_FLOAT, DT_INT32}) {
    for (bool fed : {false, true}) {
      OpCase c;
      c.name = absl::StrCat("reverse_sequence/", DtypeName(dtype), "_seq1_batch0",
                            fed ? "_fed" : "");
      AddInput(c, "x", dtype, {3, 5, 2}, -9, 9);
      std::string lengths = "lens";
      if (fed) {
        AddInput(c, "lens", DT_INT32, {3}, 0, 5);
      } else {
        c.graph.ConstInt("lens", {3}, {5, 0, 3});
        lengths = NumpyInt32({5, 0, 3}, {3});
      }
      auto& rs = AddTyped(c, "ReverseSequence", "y", {"x", "lens"}, dtype);
      AttrType(rs, "Tlen", DT_INT32);
      AttrInt(rs, "seq_dim", 1);
      AttrInt(rs, "batch_dim", 0);
      c.outputs = {"y"};
      c.numpy = absl::StrCat("np.stack([np.concatenate([x[b, :n][::-1], x[b, n:]]) for b, n in "
                             "enumerate(", lengths, ")])");
      cases.push_back(std::move(c));
    }
    OpCase c;
    c.name = absl::StrCat("reverse_sequence/", DtypeName(dtype), "_seq0_batch2");
    AddInput(c, "x", dtype, {4, 3, 2}, -9, 9);
    c.graph.ConstInt("lens", {2}, {4, 1});
    auto& rs = AddTyped(c, "ReverseSequence", "y", {"x", "lens"}, dtype);
    AttrType(rs, "Tlen", DT_INT32);
    AttrInt(rs, "seq_dim", 0);
    AttrInt(rs, "batch_dim", 2);
    c.outputs = {"y"};
    c.numpy = "np.stack([np.concatenate([x[:n, :, b][::-1], x[n:, :, b]]) for b, n in "
              "enumerate([4, 1])], axis=2)";
    cases.push_back(std::move(c));

    OpCase bucketize;
    bucketize.name = absl::StrCat("bucketize/", DtypeName(dtype));
    AddInput(bucketize, "x", dtype, {2, 3, 4}, -5, 5);
    auto& b = AddTyped(bucketize, "Bucketize", "y", {"x"}, dtype);
    const std::vector<float> boundaries = {-2.5f, 0.0f, 0.5f, 3.0f};
    tensorflow::AttrValue list;
    for (float f : boundaries) list.mutable_list()->add_f(f);
    (*b.mutable_attr())["boundaries"] = list;
    bucketize.outputs = {"y"};
    bucketize.numpy = "np.searchsorted(np.array([-2.5, 0.0, 0.5, 3.0], dtype=np.float32), x, "
                      "side='right')";
    cases.push_back(std::move(bucketize));
  }
}

// ScatterNd (duplicate indices add up, as in TensorFlow) into a constant
// shape or one known only at run time, and BroadcastArgs of a fed shape (all
// ones) with a constant one.
void AddScattersAndBroadcastArgs(Cases& cases) {
  for (tensorflow::DataType dtype : {DT_FLOAT, DT_INT32}) {
    struct Scatter {
      const char* name;
      std::vector<int64_t> index_shape;
      std::vector<int32_t> indices;  // empty: fed, in [0, 3]
      std::vector<int64_t> updates_shape;
      std::vector<int32_t> shape;
      const char* numpy_index;
    };
    const Scatter scatters[] = {
        {"rows", {3, 1}, {0, 2, 0}, {3, 3}, {4, 3}, "[0, 2, 0]"},
        {"elements", {2, 2}, {0, 1, 2, 2}, {2}, {3, 3}, "([0, 2], [1, 2])"},
        {"fed_rows", {3, 1}, {}, {3, 3}, {4, 3}, "indices[:, 0]"}};
    for (const Scatter& s : scatters) {
      OpCase c;
      c.name = absl::StrCat("scatter_nd/", DtypeName(dtype), "_", s.name);
      if (s.indices.empty()) {
        AddInput(c, "indices", DT_INT32, s.index_shape, 0, 3);
      } else {
        c.graph.ConstInt("indices", s.index_shape, s.indices);
      }
      AddInput(c, "updates", dtype, s.updates_shape, -9, 9);
      c.graph.ConstInt("shape", {static_cast<int64_t>(s.shape.size())}, s.shape);
      auto& scatter = AddTyped(c, "ScatterNd", "y", {"indices", "updates", "shape"}, dtype);
      AttrType(scatter, "Tindices", DT_INT32);
      c.outputs = {"y"};
      c.numpy = absl::StrCat("(lambda o: (np.add.at(o, ", s.numpy_index, ", updates), o)[1])("
                             "np.zeros([", absl::StrJoin(s.shape, ", "), "], updates.dtype))");
      cases.push_back(std::move(c));
    }
    // The shape known only at run time: fed ([3, 3]), or packed from a fed
    // row count (4) and cast to int64, which makes the indices int64 too.
    // The kernel then sizes its output in Eval.
    for (bool fed_shape : {true, false}) {
      OpCase c;
      c.name = absl::StrCat("scatter_nd/", DtypeName(dtype), "_rows_",
                            fed_shape ? "fed_shape" : "computed_int64_shape");
      AddInput(c, "updates", dtype, {3, 3}, -9, 9);
      if (fed_shape) {
        c.graph.ConstInt("indices", {3, 1}, {0, 2, 0});
        AddInput(c, "shape", DT_INT32, {2}, 3, 3);
      } else {
        c.graph.ConstInt64("indices", {3, 1}, {0, 3, 0});
        AddInput(c, "rows", DT_INT32, {}, 4, 4);
        c.graph.ConstInt("cols", {}, {3});
        auto& pack = AddTyped(c, "Pack", "shape32", {"rows", "cols"}, DT_INT32);
        AttrInt(pack, "N", 2);
        AttrInt(pack, "axis", 0);
        auto& cast = c.graph.Op("Cast", "shape", {"shape32"});
        AttrType(cast, "SrcT", DT_INT32);
        AttrType(cast, "DstT", tensorflow::DT_INT64);
      }
      auto& scatter = AddTyped(c, "ScatterNd", "y", {"indices", "updates", "shape"}, dtype);
      AttrType(scatter, "Tindices", fed_shape ? DT_INT32 : tensorflow::DT_INT64);
      c.outputs = {"y"};
      c.numpy = absl::StrCat("(lambda o: (np.add.at(o, [0, ", fed_shape ? 2 : 3,
                             ", 0], updates), o)[1])(np.zeros([", fed_shape ? 3 : 4,
                             ", 3], updates.dtype))");
      c.runtime_sized_outputs = true;
      cases.push_back(std::move(c));
    }
  }
  OpCase c;
  c.name = "broadcast_args/ones3_with_5x1x1x3";
  AddInput(c, "s0", DT_INT32, {3}, 1, 1);
  c.graph.ConstInt("s1", {4}, {5, 1, 1, 3});
  AddTyped(c, "BroadcastArgs", "y", {"s0", "s1"}, DT_INT32);
  c.outputs = {"y"};
  cases.push_back(std::move(c));
}

}  // namespace

void AddTensorCases(Cases& cases) {
  AddSparseToDense(cases);
  AddTransposes(cases);
  AddStridedSlices(cases);
  AddJoinsAndSplits(cases);
  AddPadsAndTiles(cases);
  AddGathersAndScans(cases);
  AddReshapes(cases);
  AddDiagonalsAndRank(cases);
  AddReverseSequencesAndBuckets(cases);
  AddScattersAndBroadcastArgs(cases);
}

}  // namespace tflconv::opgen
