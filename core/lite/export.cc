#include "core/lite/export.h"

#include <algorithm>
#include <atomic>
#include <cstring>
#include <list>
#include <map>
#include <thread>
#include <tuple>

#include "absl/container/flat_hash_map.h"
#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "core/artifact.h"
#include "core/lite/versioning.h"
#include "flatbuffers/flatbuffers.h"

namespace tflconv {

namespace {

// Buffers are 16-byte aligned, as the official converter aligns them, so
// that kernels may read weights in place.
constexpr size_t kBufferAlignment = 16;
constexpr size_t kMinRuntimeVersionBytes = 16;

// Maps each LiteBuffer to a flatbuffer buffer index, storing identical
// contents once. Index 0 is the empty buffer of non-constant tensors.
// Buffers are equal when they store the same transform of equal source
// bytes; only buffers of equal stored size are compared, and a comparison
// stops at the first differing byte, so large weights are rarely read here.
class BufferTable {
 public:
  explicit BufferTable(const LiteModel& model) {
    index_.assign(model.buffers.size(), 0);
    unique_.push_back(nullptr);
    absl::flat_hash_map<size_t, std::vector<int>> by_size;
    for (size_t b = 0; b < model.buffers.size(); ++b) {
      const LiteBuffer& buffer = model.buffers[b];
      std::vector<int>& same_size = by_size[buffer.size()];
      int found = 0;
      for (int candidate : same_size) {
        if (Equal(*unique_[candidate], buffer)) {
          found = candidate;
          break;
        }
      }
      if (found == 0) {
        found = static_cast<int>(unique_.size());
        unique_.push_back(&buffer);
        same_size.push_back(found);
      }
      index_[b] = found;
    }
  }
  int index_of_tensor(const LiteTensor& tensor) const {
    return tensor.buffer < 0 ? 0 : index_[tensor.buffer];
  }
  // Index i > 0 is the i-th distinct buffer; [0] is null.
  const std::vector<const LiteBuffer*>& unique() const { return unique_; }

 private:
  static bool Equal(const LiteBuffer& a, const LiteBuffer& b) {
    if (a.source.size() != b.source.size() || !(a.transform == b.transform)) return false;
    return a.source.data() == b.source.data() || a.source == b.source;
  }

  std::vector<int> index_;
  std::vector<const LiteBuffer*> unique_;
};

// Gives the flatbuffer builder uninitialized memory: the weight pages are
// first touched by the threads that write them, in parallel, and the
// finished model is handed over in place, without a copy.
class BlockAllocator : public flatbuffers::Allocator {
 public:
  explicit BlockAllocator(const ArtifactAllocator& allocate) : allocate_(allocate) {}

  uint8_t* allocate(size_t size) override {
    blocks_.push_back(allocate_ ? allocate_(size)
                                : std::shared_ptr<char>(new char[size], std::default_delete<char[]>()));
    return reinterpret_cast<uint8_t*>(blocks_.back().get());
  }
  void deallocate(uint8_t* p, size_t) override {
    for (auto it = blocks_.begin(); it != blocks_.end(); ++it) {
      if (reinterpret_cast<uint8_t*>(it->get()) == p) {
        blocks_.erase(it);
        return;
      }
    }
  }
  // The block holding the finished buffer (the builder's live one).
  std::shared_ptr<const void> TakeLive() { return std::move(blocks_.back()); }

 private:
  const ArtifactAllocator& allocate_;
  std::list<std::shared_ptr<char>> blocks_;
};

// Writes every buffer's stored bytes to its place, largest first, on
// `threads` threads taking the next buffer as they finish one.
absl::Status FillBuffers(std::vector<std::pair<const LiteBuffer*, char*>> jobs,
                         const ExportOptions& options) {
  std::sort(jobs.begin(), jobs.end(), [](const auto& a, const auto& b) {
    return a.first->size() > b.first->size();
  });
  std::atomic<size_t> next{0};
  std::atomic<bool> stop{false};
  // The calling thread polls before each buffer it takes and once more when
  // none is left, so a cancellation is seen even if the helpers took every
  // buffer.
  auto work = [&](bool polls_cancellation) {
    while (!stop) {
      if (polls_cancellation && options.cancelled && options.cancelled()) {
        stop = true;
        break;
      }
      const size_t i = next++;
      if (i >= jobs.size()) break;
      jobs[i].first->WriteTo(jobs[i].second);
    }
  };
  int threads = options.threads > 0
                    ? options.threads
                    : std::min<int>(4, std::max(1u, std::thread::hardware_concurrency()));
  threads = std::min<int>(threads, static_cast<int>(jobs.size()));
  std::vector<std::thread> helpers;
  for (int t = 1; t < threads; ++t) helpers.emplace_back(work, false);
  work(true);
  for (std::thread& helper : helpers) helper.join();
  if (stop) return absl::CancelledError("conversion cancelled while writing weights");
  return absl::OkStatus();
}

flatbuffers::Offset<tflite::Tensor> ExportTensor(flatbuffers::FlatBufferBuilder& fbb,
                                                 const LiteTensor& tensor, int buffer) {
  std::vector<int32_t> shape = tensor.shape;
  bool dynamic = false;
  for (int32_t& d : shape) {
    if (d < 0) {
      dynamic = true;
      d = 1;
    }
  }
  auto shape_offset = fbb.CreateVector(shape);
  auto name = fbb.CreateString(tensor.name);
  flatbuffers::Offset<flatbuffers::Vector<int32_t>> signature;
  if (dynamic) signature = fbb.CreateVector(tensor.shape);
  tflite::TensorBuilder builder(fbb);
  builder.add_shape(shape_offset);
  builder.add_type(tensor.type);
  builder.add_buffer(buffer);
  builder.add_name(name);
  if (dynamic) builder.add_shape_signature(signature);
  builder.add_has_rank(tensor.has_rank);
  return builder.Finish();
}

// The tensors and operators of `graph`; `op_code[i]` is the operator code
// of its operator i.
flatbuffers::Offset<tflite::SubGraph> ExportSubgraph(flatbuffers::FlatBufferBuilder& fbb,
                                                     const LiteSubgraph& graph,
                                                     const BufferTable& buffers,
                                                     const std::vector<int>& op_code) {
  std::vector<flatbuffers::Offset<tflite::Tensor>> tensors;
  tensors.reserve(graph.tensors.size());
  for (const LiteTensor& tensor : graph.tensors) {
    tensors.push_back(ExportTensor(fbb, tensor, buffers.index_of_tensor(tensor)));
  }

  std::vector<flatbuffers::Offset<tflite::Operator>> operators;
  for (size_t i = 0; i < graph.operators.size(); ++i) {
    const LiteOperator& op = graph.operators[i];
    auto inputs = fbb.CreateVector(op.inputs);
    auto outputs = fbb.CreateVector(op.outputs);
    auto options = op.options.Pack(fbb);
    flatbuffers::Offset<flatbuffers::Vector<uint8_t>> custom;
    if (!op.custom_options.empty()) custom = fbb.CreateVector(op.custom_options);
    tflite::OperatorBuilder builder(fbb);
    builder.add_opcode_index(op_code[i]);
    builder.add_inputs(inputs);
    builder.add_outputs(outputs);
    if (op.options.type != tflite::BuiltinOptions_NONE) {
      builder.add_builtin_options_type(op.options.type);
      builder.add_builtin_options(options);
    }
    if (!op.custom_options.empty()) {
      builder.add_custom_options(custom);
      builder.add_custom_options_format(tflite::CustomOptionsFormat_FLEXBUFFERS);
    }
    operators.push_back(builder.Finish());
  }

  return tflite::CreateSubGraph(fbb, fbb.CreateVector(tensors), fbb.CreateVector(graph.inputs),
                                fbb.CreateVector(graph.outputs), fbb.CreateVector(operators),
                                fbb.CreateString(graph.name));
}

flatbuffers::Offset<tflite::SignatureDef> ExportSignature(
    flatbuffers::FlatBufferBuilder& fbb, const LiteModel& model) {
  auto maps = [&](const std::vector<int>& tensors, const std::vector<std::string>& names) {
    std::vector<flatbuffers::Offset<tflite::TensorMap>> out;
    for (size_t i = 0; i < tensors.size(); ++i) {
      out.push_back(tflite::CreateTensorMap(fbb, fbb.CreateString(names[i]), tensors[i]));
    }
    return fbb.CreateVector(out);
  };
  const LiteSubgraph& main = model.subgraph(0);
  auto inputs = maps(main.inputs, model.input_names);
  auto outputs = maps(main.outputs, model.output_names);
  return tflite::CreateSignatureDef(fbb, inputs, outputs,
                                    fbb.CreateString("serving_default"), 0);
}

}  // namespace

absl::StatusOr<SerializedModel> ExportModel(const LiteModel& model,
                                            const ExportOptions& options) {
  const BufferTable buffers(model);
  // Reserved up front so that the builder never reallocates (and copies
  // the weights): the buffers plus a bound on everything else.
  size_t reserve = 64 * 1024;
  for (const LiteBuffer* buffer : buffers.unique()) {
    if (buffer) reserve += buffer->size() + kBufferAlignment + 32;
  }
  for (int g = 0; g < model.subgraph_count(); ++g) {
    const LiteSubgraph& graph = model.subgraph(g);
    reserve += graph.tensors.size() * 256 + graph.operators.size() * 256;
    for (const LiteOperator& op : graph.operators) reserve += op.custom_options.size();
  }
  BlockAllocator allocator(options.allocate);
  flatbuffers::FlatBufferBuilder fbb(reserve, &allocator);

  // Operator codes, one per (builtin, custom code, version) over every
  // subgraph, in order of first use.
  std::map<std::tuple<int, std::string, int>, int> code_index;
  std::vector<flatbuffers::Offset<tflite::OperatorCode>> codes;
  std::vector<std::vector<int>> op_codes(model.subgraph_count());
  for (int g = 0; g < model.subgraph_count(); ++g) {
    for (const LiteOperator& op : model.subgraph(g).operators) {
      auto key = std::make_tuple(static_cast<int>(op.builtin), op.custom_code, op.version);
      auto [it, inserted] = code_index.emplace(key, static_cast<int>(codes.size()));
      if (inserted) {
        // Codes past 127 do not fit the deprecated int8 field, which then
        // holds PLACEHOLDER_FOR_GREATER_OP_CODES.
        const int8_t deprecated = static_cast<int8_t>(
            std::min<int>(op.builtin, tflite::BuiltinOperator_PLACEHOLDER_FOR_GREATER_OP_CODES));
        codes.push_back(tflite::CreateOperatorCode(
            fbb, deprecated, op.custom_code.empty() ? 0 : fbb.CreateString(op.custom_code),
            op.version, op.builtin));
      }
      op_codes[g].push_back(it->second);
    }
  }

  std::vector<flatbuffers::Offset<tflite::SubGraph>> subgraphs;
  for (int g = 0; g < model.subgraph_count(); ++g) {
    subgraphs.push_back(ExportSubgraph(fbb, model.subgraph(g), buffers, op_codes[g]));
  }

  std::vector<flatbuffers::Offset<tflite::Buffer>> buffer_offsets;
  // (buffer, distance of its data from the end of the finished flatbuffer)
  std::vector<std::pair<const LiteBuffer*, size_t>> placements;
  for (const LiteBuffer* buffer : buffers.unique()) {
    const size_t size = buffer ? buffer->size() : 0;
    if (size == 0) {
      buffer_offsets.push_back(tflite::CreateBuffer(fbb));
      continue;
    }
    fbb.ForceVectorAlignment(size, 1, kBufferAlignment);
    uint8_t* unused;
    const flatbuffers::uoffset_t vector = fbb.CreateUninitializedVector(size, 1, &unused);
    placements.emplace_back(buffer, vector - sizeof(flatbuffers::uoffset_t));
    buffer_offsets.push_back(
        tflite::CreateBuffer(fbb, flatbuffers::Offset<flatbuffers::Vector<uint8_t>>(vector)));
  }
  std::string version = MinRuntimeVersion(model);
  version.resize(kMinRuntimeVersionBytes, '\0');
  const int version_buffer = static_cast<int>(buffer_offsets.size());
  fbb.ForceVectorAlignment(version.size(), 1, kBufferAlignment);
  buffer_offsets.push_back(tflite::CreateBuffer(
      fbb, fbb.CreateVector(reinterpret_cast<const uint8_t*>(version.data()), version.size())));
  std::vector<flatbuffers::Offset<tflite::Metadata>> metadata = {
      tflite::CreateMetadata(fbb, fbb.CreateString("min_runtime_version"), version_buffer)};

  auto signature = ExportSignature(fbb, model);
  // Every vector and string is written before the table that refers to it:
  // flatbuffers forbids nesting them inside an open table.
  auto description = fbb.CreateString(absl::StrCat("tflconv ", kConverterVersion));
  auto codes_vector = fbb.CreateVector(codes);
  auto subgraphs_vector = fbb.CreateVector(subgraphs);
  auto buffers_vector = fbb.CreateVector(buffer_offsets);
  auto metadata_vector = fbb.CreateVector(metadata);
  auto signatures_vector = fbb.CreateVector(&signature, 1);
  tflite::ModelBuilder builder(fbb);
  builder.add_version(3);
  builder.add_operator_codes(codes_vector);
  builder.add_subgraphs(subgraphs_vector);
  builder.add_description(description);
  builder.add_buffers(buffers_vector);
  builder.add_metadata(metadata_vector);
  builder.add_signature_defs(signatures_vector);
  fbb.Finish(builder.Finish(), tflite::ModelIdentifier());

  SerializedModel out;
  out.bytes = absl::string_view(reinterpret_cast<const char*>(fbb.GetBufferPointer()),
                                fbb.GetSize());
  std::vector<std::pair<const LiteBuffer*, char*>> jobs;
  char* end = const_cast<char*>(out.bytes.data() + out.bytes.size());
  for (const auto& [buffer, from_end] : placements) jobs.emplace_back(buffer, end - from_end);
  if (absl::Status s = FillBuffers(std::move(jobs), options); !s.ok()) return s;
  if (absl::Status s = VerifyTfliteModel(out.bytes); !s.ok()) {
    return absl::InternalError(absl::StrCat("exported model failed verification: ", s.message()));
  }
  out.storage = allocator.TakeLive();
  return out;
}

absl::Status VerifyTfliteModel(absl::string_view bytes) {
  flatbuffers::Verifier::Options options;
  options.max_tables = 1u << 24;
  flatbuffers::Verifier verifier(reinterpret_cast<const uint8_t*>(bytes.data()),
                                 bytes.size(), options);
  if (!tflite::VerifyModelBuffer(verifier)) {
    return absl::InvalidArgumentError(
        "not a valid TFLite flatbuffer (flatbuffers Verifier failed)");
  }
  return absl::OkStatus();
}

}  // namespace tflconv
