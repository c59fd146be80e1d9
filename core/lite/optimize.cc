#include "core/lite/optimize.h"

#include <algorithm>

#include "absl/strings/str_cat.h"
#include "core/lite/kernel_contract.h"

namespace tflconv {
namespace {

using tflite::BuiltinOperator;

bool HasWeights(const LiteOperator& op) {
  return op.builtin == tflite::BuiltinOperator_CONV_2D ||
         op.builtin == tflite::BuiltinOperator_DEPTHWISE_CONV_2D ||
         op.builtin == tflite::BuiltinOperator_FULLY_CONNECTED;
}

// Rewrites one subgraph. Tensors are local to it, so no rewrite crosses
// into another; its inputs and outputs are used by the caller (a WHILE or
// IF, or the model's user) and count as uses.
class Optimizer {
 public:
  Optimizer(LiteModel& model, LiteSubgraph& graph, OptimizeStats& stats)
      : model_(model), graph_(graph), stats_(stats) {
    uses_.assign(graph.tensors.size(), 0);
    producer_.assign(graph.tensors.size(), -1);
    for (size_t i = 0; i < graph.operators.size(); ++i) {
      for (int t : graph.operators[i].inputs) {
        if (t >= 0) ++uses_[t];
      }
      for (int t : graph.operators[i].outputs) producer_[t] = static_cast<int>(i);
    }
    for (int t : graph.inputs) ++uses_[t];
    for (int t : graph.outputs) ++uses_[t];
    deleted_.assign(graph.operators.size(), false);
  }

  void Run() {
    for (size_t i = 0; i < graph_.operators.size(); ++i) {
      LiteOperator& op = graph_.operators[i];
      switch (op.builtin) {
        case tflite::BuiltinOperator_MUL: TryFoldScale(i); break;
        case tflite::BuiltinOperator_ADD: TryFoldBias(i); break;
        case tflite::BuiltinOperator_RELU:
          TryFuseActivation(i, tflite::ActivationFunctionType_RELU);
          break;
        case tflite::BuiltinOperator_RELU6:
          TryFuseActivation(i, tflite::ActivationFunctionType_RELU6);
          break;
        case tflite::BuiltinOperator_RELU_N1_TO_1:
          TryFuseActivation(i, tflite::ActivationFunctionType_RELU_N1_TO_1);
          break;
        default: break;
      }
    }
    std::vector<LiteOperator> kept;
    for (size_t i = 0; i < graph_.operators.size(); ++i) {
      if (!deleted_[i]) kept.push_back(std::move(graph_.operators[i]));
    }
    graph_.operators = std::move(kept);
  }

 private:
  // The producer of `tensor` if it is an op whose only use is the op being
  // folded (so rewriting it changes nothing else).
  int SoleProducer(int tensor) const {
    if (tensor < 0 || uses_[tensor] != 1) return -1;
    const int p = producer_[tensor];
    if (p < 0 || deleted_[p]) return -1;
    return p;
  }

  // `victim` (reading the producer's output) disappears: the producer now
  // writes the victim's output and takes its activation.
  void Absorb(int producer, size_t victim, AbsorbedOperator::Into into) {
    LiteOperator& p = graph_.operators[producer];
    LiteOperator& v = graph_.operators[victim];
    if (auto* from = FusedActivationSlot(v)) *FusedActivationSlot(p) = *from;
    p.outputs[0] = v.outputs[0];
    producer_[v.outputs[0]] = producer;
    deleted_[victim] = true;
    stats_.absorbed.push_back({v.builtin, v.tf_node, into, p.builtin});
  }

  // Finds (producer with weights, constant per-channel vector) for a
  // binary op x (*|+) c. Returns false when the pattern does not apply.
  bool MatchChannelConstant(size_t index, int* producer, std::vector<float>* values) {
    const LiteOperator& op = graph_.operators[index];
    if (op.inputs.size() != 2) return false;
    for (int side = 0; side < 2; ++side) {
      const int x = op.inputs[side];
      const int c = op.inputs[1 - side];
      const LiteBuffer* buffer = model_.buffer_of(graph_, c);
      const int p = SoleProducer(x);
      if (buffer == nullptr || p < 0 || graph_.tensors[c].type != tflite::TensorType_FLOAT32) {
        continue;
      }
      LiteOperator& prod = graph_.operators[p];
      if (!HasWeights(prod) || *FusedActivationSlot(prod) != tflite::ActivationFunctionType_NONE) {
        continue;
      }
      const int channels = OutputChannels(prod);
      const size_t count = buffer->size() / sizeof(float);
      // The constant must broadcast along the last (channel) axis only.
      const auto& shape = graph_.tensors[c].shape;
      for (size_t d = 0; d + 1 < shape.size(); ++d) {
        if (shape[d] != 1) return false;
      }
      if (channels <= 0 || (count != static_cast<size_t>(channels) && count != 1)) continue;
      values->assign(channels, 0.0f);
      const std::vector<float> data = buffer->ReadFloats();
      for (int k = 0; k < channels; ++k) (*values)[k] = data[count == 1 ? 0 : k];
      *producer = p;
      return true;
    }
    return false;
  }

  int OutputChannels(const LiteOperator& op) const {
    const auto& shape = graph_.tensors[op.inputs[1]].shape;
    if (shape.empty()) return -1;
    return op.builtin == tflite::BuiltinOperator_DEPTHWISE_CONV_2D ? shape.back() : shape[0];
  }

  // A fresh float buffer for tensor `t` with `fn` applied to its values,
  // leaving the original (perhaps shared) bytes untouched.
  template <typename Fn>
  void RewriteFloats(int t, size_t count, Fn fn) {
    std::vector<float> values(count, 0.0f);
    if (const LiteBuffer* old = model_.buffer_of(graph_, t)) {
      const std::vector<float> current = old->ReadFloats();
      std::copy_n(current.begin(), std::min(current.size(), count), values.begin());
    }
    fn(values);
    graph_.tensors[t].buffer = model_.AddBuffer(OwnedBuffer(std::move(values)));
  }

  int EnsureBias(int producer, int channels) {
    LiteOperator& p = graph_.operators[producer];
    if (p.inputs.size() > 2 && p.inputs[2] >= 0) return p.inputs[2];
    LiteTensor bias;
    bias.name = absl::StrCat(graph_.tensors[p.outputs[0]].name, "/bias");
    bias.shape = {channels};
    const int index = graph_.AddTensor(std::move(bias));
    uses_.push_back(1);
    producer_.push_back(-1);
    p.inputs.resize(3);
    p.inputs[2] = index;
    RewriteFloats(index, channels, [](std::vector<float>&) {});
    return index;
  }

  void TryFoldScale(size_t index) {
    int p;
    std::vector<float> scale;
    if (!MatchChannelConstant(index, &p, &scale)) return;
    LiteOperator& prod = graph_.operators[p];
    const int channels = static_cast<int>(scale.size());
    const int weights = prod.inputs[1];
    const bool channel_last = prod.builtin == tflite::BuiltinOperator_DEPTHWISE_CONV_2D;
    const LiteBuffer* w = model_.buffer_of(graph_, weights);
    if (w == nullptr || graph_.tensors[weights].type != tflite::TensorType_FLOAT32) return;
    const size_t count = w->size() / sizeof(float);
    // Deferred to export, like the weights' layout change: a new buffer
    // (the old one may be shared) with the scale composed in.
    LiteBuffer scaled = *w;
    scaled.ScaleChannels(scale, channel_last ? 1 : static_cast<int64_t>(count / channels));
    graph_.tensors[weights].buffer = model_.AddBuffer(std::move(scaled));
    if (prod.inputs.size() > 2 && prod.inputs[2] >= 0) {
      RewriteFloats(prod.inputs[2], channels, [&](std::vector<float>& v) {
        for (int k = 0; k < channels; ++k) v[k] *= scale[k];
      });
    }
    Absorb(p, index, AbsorbedOperator::Into::kWeights);
    ++stats_.scales_folded;
  }

  void TryFoldBias(size_t index) {
    int p;
    std::vector<float> offset;
    if (!MatchChannelConstant(index, &p, &offset)) return;
    const int bias = EnsureBias(p, static_cast<int>(offset.size()));
    RewriteFloats(bias, offset.size(), [&](std::vector<float>& v) {
      for (size_t k = 0; k < offset.size(); ++k) v[k] += offset[k];
    });
    Absorb(p, index, AbsorbedOperator::Into::kBias);
    ++stats_.biases_folded;
  }

  void TryFuseActivation(size_t index, tflite::ActivationFunctionType activation) {
    LiteOperator& op = graph_.operators[index];
    const int p = SoleProducer(op.inputs[0]);
    if (p < 0) return;
    LiteOperator& prod = graph_.operators[p];
    // Only where the kernel applies it: CONCATENATION, for one, has the
    // field but its kernel leaves the values unactivated.
    tflite::ActivationFunctionType* slot = FusedActivationSlot(prod);
    if (slot == nullptr || *slot != tflite::ActivationFunctionType_NONE ||
        !KernelAppliesActivation(prod.builtin, activation)) {
      return;
    }
    if (graph_.tensors[prod.outputs[0]].type != tflite::TensorType_FLOAT32) return;
    *slot = activation;
    Absorb(p, index, AbsorbedOperator::Into::kActivation);
    ++stats_.activations_fused;
  }

  LiteModel& model_;  // the buffers
  LiteSubgraph& graph_;
  OptimizeStats& stats_;
  std::vector<int> uses_;
  std::vector<int> producer_;
  std::vector<bool> deleted_;
};

// Drops the tensors of `graph` nothing uses; `buffer_remap` gives each
// buffer a kept tensor refers to its index in `buffers`, in order of first
// use.
int RemoveUnusedTensorsOf(LiteSubgraph& graph, const std::vector<LiteBuffer>& old_buffers,
                          std::vector<int>& buffer_remap, std::vector<LiteBuffer>& buffers) {
  std::vector<bool> used(graph.tensors.size(), false);
  for (const LiteOperator& op : graph.operators) {
    for (int t : op.inputs) {
      if (t >= 0) used[t] = true;
    }
    for (int t : op.outputs) used[t] = true;
  }
  for (int t : graph.inputs) used[t] = true;
  for (int t : graph.outputs) used[t] = true;
  std::vector<int> remap(graph.tensors.size(), -1);
  std::vector<LiteTensor> tensors;
  for (size_t t = 0; t < graph.tensors.size(); ++t) {
    if (!used[t]) continue;
    remap[t] = static_cast<int>(tensors.size());
    LiteTensor tensor = std::move(graph.tensors[t]);
    if (tensor.buffer >= 0) {
      int& b = buffer_remap[tensor.buffer];
      if (b < 0) {
        b = static_cast<int>(buffers.size());
        buffers.push_back(old_buffers[tensor.buffer]);
      }
      tensor.buffer = b;
    }
    tensors.push_back(std::move(tensor));
  }
  const int removed = static_cast<int>(graph.tensors.size() - tensors.size());
  graph.tensors = std::move(tensors);
  auto apply = [&](std::vector<int>& list) {
    for (int& t : list) {
      if (t >= 0) t = remap[t];
    }
  };
  for (LiteOperator& op : graph.operators) {
    apply(op.inputs);
    apply(op.outputs);
  }
  apply(graph.inputs);
  apply(graph.outputs);
  return removed;
}

}  // namespace

int RemoveUnusedTensors(LiteModel& model) {
  std::vector<int> buffer_remap(model.buffers.size(), -1);
  std::vector<LiteBuffer> buffers;
  int removed = 0;
  for (int g = 0; g < model.subgraph_count(); ++g) {
    removed += RemoveUnusedTensorsOf(model.subgraph(g), model.buffers, buffer_remap, buffers);
  }
  model.buffers = std::move(buffers);
  return removed;
}

OptimizeStats OptimizeLiteModel(LiteModel& model) {
  OptimizeStats stats;
  for (int g = 0; g < model.subgraph_count(); ++g) Optimizer(model, model.subgraph(g), stats).Run();
  stats.tensors_removed = RemoveUnusedTensors(model);
  return stats;
}

}  // namespace tflconv
