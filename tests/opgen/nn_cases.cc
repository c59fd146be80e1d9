// Convolution, pooling, matmul and resize grids over padding, strides,
// dilations, kernel sizes, data formats and transposition flags.
#include "absl/strings/str_cat.h"
#include "tests/opgen/op_case.h"

namespace tflconv::opgen {
namespace {

using tensorflow::DT_FLOAT;
using tensorflow::DT_INT32;
using testing::AttrBool;
using testing::AttrInts;
using testing::AttrString;

void AddConvolutions(Cases& cases) {
  for (const char* op : {"Conv2D", "DepthwiseConv2dNative"}) {
    for (const char* padding : {"SAME", "VALID"}) {
      for (int stride : {1, 2}) {
        for (int dilation : {1, 2}) {
          if (stride > 1 && dilation > 1) continue;  // TF rejects both > 1
          for (int kernel : {1, 3}) {
            for (int channels : {1, 3}) {
              for (int size : {7, 8}) {
                OpCase c;
                c.name = absl::StrCat("conv/", op, "_", padding, "_s", stride, "_d", dilation,
                                      "_k", kernel, "_c", channels, "_", size);
                AddInput(c, "x", DT_FLOAT, {1, size, size, channels});
                const bool depthwise = std::string(op) != "Conv2D";
                AddWeights(c, "w", {kernel, kernel, channels, depthwise ? 2 : 4},
                           static_cast<int>(cases.size()));
                auto& conv = AddTyped(c, op, "y", {"x", "w"}, DT_FLOAT);
                AttrInts(conv, "strides", {1, stride, stride, 1});
                AttrInts(conv, "dilations", {1, dilation, dilation, 1});
                AttrString(conv, "padding", padding);
                c.outputs = {"y"};
                cases.push_back(std::move(c));
              }
            }
          }
        }
      }
    }
  }
}

void AddPools(Cases& cases) {
  for (const char* op : {"MaxPool", "AvgPool"}) {
    for (const char* padding : {"SAME", "VALID"}) {
      for (int stride : {1, 2, 3}) {
        for (int ksize : {1, 2, 3}) {
          for (int size : {6, 7}) {
            OpCase c;
            c.name = absl::StrCat("pool/", op, "_", padding, "_s", stride, "_k", ksize, "_",
                                  size);
            AddInput(c, "x", DT_FLOAT, {1, size, size, 3});
            auto& pool = AddTyped(c, op, "y", {"x"}, DT_FLOAT);
            AttrInts(pool, "ksize", {1, ksize, ksize, 1});
            AttrInts(pool, "strides", {1, stride, stride, 1});
            AttrString(pool, "padding", padding);
            c.outputs = {"y"};
            cases.push_back(std::move(c));
          }
        }
      }
    }
  }
}

void AddMatMuls(Cases& cases) {
  for (tensorflow::DataType dtype : {DT_FLOAT, DT_INT32}) {
    for (bool ta : {false, true}) {
      for (bool tb : {false, true}) {
        for (bool constant_b : {false, true}) {
          if (constant_b && dtype == DT_INT32) continue;
          OpCase c;
          c.name = absl::StrCat("matmul/MatMul_", DtypeName(dtype), ta ? "_ta" : "",
                                tb ? "_tb" : "", constant_b ? "_const" : "");
          AddInput(c, "a", dtype, ta ? std::vector<int64_t>{5, 3} : std::vector<int64_t>{3, 5},
                   -4, 4);
          const std::vector<int64_t> b_shape = tb ? std::vector<int64_t>{4, 5}
                                                  : std::vector<int64_t>{5, 4};
          if (constant_b) {
            AddWeights(c, "b", b_shape, static_cast<int>(cases.size()));
          } else {
            AddInput(c, "b", dtype, b_shape, -4, 4);
          }
          auto& mm = AddTyped(c, "MatMul", "y", {"a", "b"}, dtype);
          AttrBool(mm, "transpose_a", ta);
          AttrBool(mm, "transpose_b", tb);
          c.outputs = {"y"};
          cases.push_back(std::move(c));
        }
      }
    }
  }
  struct Batch {
    const char* name;
    std::vector<int64_t> a, b;
  };
  const Batch batches[] = {{"rank3", {2, 3, 4}, {2, 4, 5}},
                           {"broadcast", {2, 3, 4}, {1, 4, 5}},
                           {"rank4", {2, 2, 3, 4}, {2, 2, 4, 5}},
                           {"rank2", {3, 4}, {4, 5}}};
  for (tensorflow::DataType dtype : {DT_FLOAT, DT_INT32}) {
    for (const Batch& b : batches) {
      for (bool adj_x : {false, true}) {
        for (bool adj_y : {false, true}) {
          OpCase c;
          c.name = absl::StrCat("matmul/BatchMatMulV2_", DtypeName(dtype), "_", b.name,
                                adj_x ? "_adjx" : "", adj_y ? "_adjy" : "");
          auto swap_last = [](std::vector<int64_t> s) {
            std::swap(s[s.size() - 1], s[s.size() - 2]);
            return s;
          };
          AddInput(c, "a", dtype, adj_x ? swap_last(b.a) : b.a, -4, 4);
          AddInput(c, "b", dtype, adj_y ? swap_last(b.b) : b.b, -4, 4);
          auto& mm = AddTyped(c, "BatchMatMulV2", "y", {"a", "b"}, dtype);
          AttrBool(mm, "adj_x", adj_x);
          AttrBool(mm, "adj_y", adj_y);
          c.outputs = {"y"};
          cases.push_back(std::move(c));
        }
      }
    }
  }
}

void AddResizes(Cases& cases) {
  for (const char* op : {"ResizeBilinear", "ResizeNearestNeighbor"}) {
    for (int mode = 0; mode < 3; ++mode) {  // plain, align_corners, half_pixel_centers
      for (const std::vector<int> size : {std::vector<int>{8, 8}, {3, 5}, {4, 4}}) {
        OpCase c;
        const char* mode_name = mode == 0 ? "plain" : mode == 1 ? "align" : "halfpixel";
        c.name = absl::StrCat("resize/", op, "_", mode_name, "_", size[0], "x", size[1]);
        AddInput(c, "x", DT_FLOAT, {1, 4, 4, 2});
        c.graph.ConstInt("size", {2}, {size[0], size[1]});
        auto& resize = AddTyped(c, op, "y", {"x", "size"}, DT_FLOAT);
        AttrBool(resize, "align_corners", mode == 1);
        AttrBool(resize, "half_pixel_centers", mode == 2);
        c.outputs = {"y"};
        cases.push_back(std::move(c));
      }
    }
  }
}

}  // namespace

void AddNnCases(Cases& cases) {
  AddConvolutions(cases);
  AddPools(cases);
  AddMatMuls(cases);
  AddResizes(cases);
}

}  // namespace tflconv::opgen
