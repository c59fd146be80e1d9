// Convolution (2-D and 3-D), pooling, local response normalization, matmul, resize and
// crop grids over padding, strides, dilations, kernel sizes, data formats,
// transposition flags and boxes.
#include "absl/strings/str_cat.h"
#include "tests/opgen/op_case.h"

namespace tflconv::opgen {
namespace {

using tensorflow::DT_FLOAT;
using tensorflow::DT_INT32;
using testing::AttrBool;
using testing::AttrFloat;
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

// Filters computed at run time (weights a loop or cond hands over).
void AddComputedFilterConvolutions(Cases& cases) {
  for (const char* op : {"Conv2D", "DepthwiseConv2dNative"}) {
    for (const char* padding : {"SAME", "VALID"}) {
      for (int stride : {1, 2}) {
        OpCase c;
        c.name = absl::StrCat("conv/", op, "_computed_filter_", padding, "_s", stride);
        AddInput(c, "x", DT_FLOAT, {1, 7, 7, 3});
        const bool depthwise = std::string(op) != "Conv2D";
        AddInput(c, "w", DT_FLOAT, {3, 3, 3, depthwise ? 2 : 4});
        auto& conv = AddTyped(c, op, "y", {"x", "w"}, DT_FLOAT);
        AttrInts(conv, "strides", {1, stride, stride, 1});
        AttrString(conv, "padding", padding);
        c.outputs = {"y"};
        cases.push_back(std::move(c));
      }
    }
  }
}

// The activations conv3d.cc and conv3d_transpose.cc apply when fused (the
// optimizer fuses them), each on one grid point of the 3-D convolutions,
// with values wide enough to reach both clamps; "" is none.
const char* const kConv3DActivations[] = {"", "Relu", "Relu6"};

// Conv3D (NDHWC, filter [d, h, w, in, out]) over padding, strides (the
// same on every axis, or a different one per axis), dilations and two
// shapes; and a filter fed at run time.
void AddConvolutions3D(Cases& cases) {
  struct Geometry {
    std::vector<int64_t> input, filter;
  };
  const Geometry geometries[] = {{{1, 5, 6, 7, 2}, {2, 3, 3, 2, 3}},
                                 {{2, 4, 4, 4, 1}, {3, 3, 3, 1, 2}}};
  struct Steps {
    std::vector<int64_t> strides, dilations;
  };
  const Steps steps[] = {{{1, 1, 1, 1, 1}, {1, 1, 1, 1, 1}},
                         {{1, 2, 2, 2, 1}, {1, 1, 1, 1, 1}},
                         {{1, 1, 2, 3, 1}, {1, 1, 1, 1, 1}},
                         {{1, 1, 1, 1, 1}, {1, 2, 1, 2, 1}}};
  for (const char* padding : {"SAME", "VALID"}) {
    for (const Steps& step : steps) {
      for (const Geometry& g : geometries) {
        for (bool fed_filter : {false, true}) {
          // one fed filter per padding and geometry suffices
          if (fed_filter && step.strides[1] != 2) continue;
          bool empty = false;  // VALID with a dilated filter larger than the input
          for (int i = 0; i < 3; ++i) {
            empty |= std::string(padding) == "VALID" &&
                     (g.filter[i] - 1) * step.dilations[1 + i] + 1 > g.input[1 + i];
          }
          if (empty) continue;
          for (const std::string activation : kConv3DActivations) {
            if (!activation.empty() && (std::string(padding) != "SAME" || &step != steps ||
                                        &g != geometries || fed_filter)) {
              continue;
            }
            OpCase c;
            c.name = absl::StrCat("conv3d/Conv3D_", padding, "_s", step.strides[1],
                                  step.strides[2], step.strides[3], "_d", step.dilations[1],
                                  step.dilations[2], step.dilations[3], "_", ShapeName(g.input),
                                  "_k", ShapeName(g.filter), fed_filter ? "_fed_filter" : "",
                                  activation.empty() ? "" : "_", activation);
            const float range = activation.empty() ? 1 : 3;
            AddInput(c, "x", DT_FLOAT, g.input, -range, range);
            if (fed_filter) {
              AddInput(c, "w", DT_FLOAT, g.filter);
            } else {
              AddWeights(c, "w", g.filter, static_cast<int>(cases.size()));
            }
            auto& conv = AddTyped(c, "Conv3D", activation.empty() ? "y" : "conv", {"x", "w"},
                                  DT_FLOAT);
            AttrInts(conv, "strides", step.strides);
            AttrInts(conv, "dilations", step.dilations);
            AttrString(conv, "padding", padding);
            if (!activation.empty()) AddTyped(c, activation, "y", {"conv"}, DT_FLOAT);
            c.outputs = {"y"};
            cases.push_back(std::move(c));
          }
        }
      }
    }
  }
}

// Conv3DBackpropInputV2 (tfjs has none: the reference is
// tf_kernels.conv3d_backprop_input) into an output of [1, 5, 6, 7, 2] from a
// filter [2, 3, 3, 2, 3], over padding, strides and dilation; and sizes
// computed at run time (fed zeros added to them), which the kernel applies
// only in Eval; a fused Relu or Relu6 is clamped in numpy.
void AddConvolution3DBackpropInputs(Cases& cases) {
  const std::vector<int64_t> sizes = {1, 5, 6, 7, 2};
  const std::vector<int64_t> filter = {2, 3, 3, 2, 3};
  struct Steps {
    int stride;
    std::vector<int64_t> dilations;
    bool computed_sizes;
  };
  const Steps steps[] = {{1, {1, 1, 1}, false}, {2, {1, 1, 1}, false}, {1, {2, 1, 2}, false},
                         {2, {1, 1, 1}, true}};
  for (const char* padding : {"SAME", "VALID"}) {
    for (const Steps& step : steps) {
      const bool same = std::string(padding) == "SAME";
      std::vector<int64_t> grad = {sizes[0]};
      for (int i = 0; i < 3; ++i) {
        const int64_t effective = (filter[i] - 1) * step.dilations[i] + 1;
        grad.push_back(same ? (sizes[1 + i] + step.stride - 1) / step.stride
                            : (sizes[1 + i] - effective + step.stride) / step.stride);
      }
      grad.push_back(filter[4]);
      for (const std::string activation : kConv3DActivations) {
        if (!activation.empty() && (!same || step.stride != 2 || step.computed_sizes)) continue;
        OpCase c;
        c.name = absl::StrCat("conv3d/Conv3DBackpropInputV2_", padding, "_s", step.stride, "_d",
                              step.dilations[0], step.dilations[1], step.dilations[2],
                              step.computed_sizes ? "_computed_sizes" : "",
                              activation.empty() ? "" : "_", activation);
        const int seed = static_cast<int>(cases.size());
        AddWeights(c, "w", filter, seed);
        const float range = activation.empty() ? 1 : 4;
        AddInput(c, "dy", DT_FLOAT, grad, -range, range);
        const std::vector<int32_t> sizes32(sizes.begin(), sizes.end());
        if (step.computed_sizes) {
          c.graph.ConstInt("base_sizes", {5}, sizes32);
          AddInput(c, "zeros", DT_INT32, {5}, 0, 0);
          AddTyped(c, "AddV2", "sizes", {"base_sizes", "zeros"}, DT_INT32);
          c.runtime_sized_outputs = true;
        } else {
          c.graph.ConstInt("sizes", {5}, sizes32);
        }
        auto& conv = AddTyped(c, "Conv3DBackpropInputV2", activation.empty() ? "y" : "conv",
                              {"sizes", "w", "dy"}, DT_FLOAT);
        AttrInts(conv, "strides", {1, step.stride, step.stride, step.stride, 1});
        AttrInts(conv, "dilations",
                 {1, step.dilations[0], step.dilations[1], step.dilations[2], 1});
        AttrString(conv, "padding", padding);
        if (!activation.empty()) AddTyped(c, activation, "y", {"conv"}, DT_FLOAT);
        c.outputs = {"y"};
        const std::string gradient = absl::StrCat(
            "tf_kernels.conv3d_backprop_input([1, 5, 6, 7, 2], ",
            NumpyFloat32(WeightValues(filter, seed), filter), ", dy, [", step.stride, ", ",
            step.stride, ", ", step.stride, "], '", padding, "', [", step.dilations[0], ", ",
            step.dilations[1], ", ", step.dilations[2], "])");
        c.numpy = activation == "Relu"    ? absl::StrCat("np.maximum(", gradient, ", 0)")
                  : activation == "Relu6" ? absl::StrCat("np.clip(", gradient, ", 0, 6)")
                                          : gradient;
        cases.push_back(std::move(c));
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

void AddLocalResponseNorms(Cases& cases) {
  struct Lrn {
    int radius;
    float bias, alpha, beta;
  };
  for (const Lrn& l : {Lrn{1, 1.0f, 1.0f, 0.5f}, Lrn{2, 2.0f, 0.5f, 0.75f},
                       Lrn{5, 1.0f, 1e-4f, 0.75f}}) {
    for (const std::vector<int64_t>& shape : {std::vector<int64_t>{1, 4, 4, 6}, {2, 3, 3, 8}}) {
      OpCase c;
      c.name = absl::StrCat("lrn/LRN_r", l.radius, "_b", l.bias, "_a", l.alpha, "_beta", l.beta,
                            "_", ShapeName(shape));
      AddInput(c, "x", DT_FLOAT, shape, -2, 2);
      auto& lrn = AddTyped(c, "LRN", "y", {"x"}, DT_FLOAT);
      testing::AttrInt(lrn, "depth_radius", l.radius);
      AttrFloat(lrn, "bias", l.bias);
      AttrFloat(lrn, "alpha", l.alpha);
      AttrFloat(lrn, "beta", l.beta);
      c.outputs = {"y"};
      cases.push_back(std::move(c));
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

// CropAndResize over methods, crop sizes (1 included), batches and boxes
// inside the image or partly outside it; random boxes are flipped (y1 > y2
// or x1 > x2) about half the time, and a constant set names such boxes
// outright. The reference is TensorFlow's kernel in numpy (tf_kernels.py),
// tfjs checked against it.
struct CropCase {
  std::string name;
  const char* method;
  std::vector<int> crop;
  std::vector<int64_t> image;
  tensorflow::DataType dtype = DT_FLOAT;
  bool outside = false;          // boxes drawn in [-0.4, 1.4], else [0, 1]
  bool constant_boxes = false;   // the flipped and degenerate boxes below
};

void AddCrop(Cases& cases, const CropCase& crop) {
  OpCase c;
  c.name = absl::StrCat("crop/CropAndResize_", crop.method, "_", crop.crop[0], "x",
                        crop.crop[1], "_", crop.name);
  const int64_t batch = crop.image[0];
  if (crop.dtype == DT_INT32) {
    AddInput(c, "image", DT_INT32, crop.image, -50, 50);
  } else {
    AddInput(c, "image", DT_FLOAT, crop.image);
  }
  std::string boxes = "boxes", box_ind = "box_ind";
  if (crop.constant_boxes) {
    // Flipped on both axes, flipped and outside, one point, the whole image.
    const std::vector<float> values = {0.9f, 0.8f, 0.1f, 0.2f, 1.2f,  0.7f, -0.3f, -0.1f,
                                       0.5f, 0.5f, 0.5f, 0.5f, 0.0f, 0.0f, 1.0f,  1.0f};
    const std::vector<int32_t> images = {0, static_cast<int32_t>(batch - 1), 0,
                                         static_cast<int32_t>(batch - 1)};
    c.graph.ConstFloat("boxes", {4, 4}, values);
    c.graph.ConstInt("box_ind", {4}, images);
    boxes = NumpyFloat32(values, {4, 4});
    box_ind = NumpyInt32(images, {4});
  } else {
    AddInput(c, "boxes", DT_FLOAT, {4, 4}, crop.outside ? -0.4f : 0.0f,
             crop.outside ? 1.4f : 1.0f);
    AddInput(c, "box_ind", DT_INT32, {4}, 0, static_cast<float>(batch - 1));
  }
  c.graph.ConstInt("crop_size", {2}, crop.crop);
  auto& op = AddTyped(c, "CropAndResize", "y", {"image", "boxes", "box_ind", "crop_size"},
                      crop.dtype);
  AttrString(op, "method", crop.method);
  const float extrapolation = crop.outside || crop.constant_boxes ? -2.5f : 0.0f;
  AttrFloat(op, "extrapolation_value", extrapolation);
  c.outputs = {"y"};
  c.numpy = absl::StrCat("tf_kernels.crop_and_resize(image, ", boxes, ", ", box_ind, ", [",
                         crop.crop[0], ", ", crop.crop[1], "], '", crop.method, "', ",
                         extrapolation, ")");
  cases.push_back(std::move(c));
}

void AddCrops(Cases& cases) {
  for (const char* method : {"bilinear", "nearest"}) {
    for (const std::vector<int> size :
         {std::vector<int>{1, 1}, {1, 4}, {3, 1}, {3, 4}, {5, 5}}) {
      for (int64_t batch : {1, 2}) {
        for (bool outside : {false, true}) {
          AddCrop(cases, {absl::StrCat("b", batch, outside ? "_outside" : "_inside"), method,
                          size, {batch, 5, 7, 3}, DT_FLOAT, outside});
        }
      }
    }
    AddCrop(cases, {"int32_b2_outside", method, {3, 4}, {2, 5, 7, 3}, DT_INT32, true});
    AddCrop(cases, {"flipped_b2", method, {4, 3}, {2, 5, 7, 3}, DT_FLOAT, false, true});
    AddCrop(cases, {"height1_b2_outside", method, {3, 3}, {2, 1, 6, 2}, DT_FLOAT, true});
  }
}

}  // namespace

void AddNnCases(Cases& cases) {
  AddConvolutions(cases);
  AddComputedFilterConvolutions(cases);
  AddConvolutions3D(cases);
  AddConvolution3DBackpropInputs(cases);
  AddPools(cases);
  AddLocalResponseNorms(cases);
  AddMatMuls(cases);
  AddResizes(cases);
  AddCrops(cases);
}

}  // namespace tflconv::opgen
