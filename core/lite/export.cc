#include "core/lite/export.h"

#include <cstring>
#include <list>
#include <map>
#include <tuple>

#include "absl/container/flat_hash_map.h"
#include "absl/hash/hash.h"
#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "core/convert.h"
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
class BufferTable {
 public:
  explicit BufferTable(const LiteModel& model) {
    index_.assign(model.buffers.size(), 0);
    contents_.push_back({});
    // Only buffers of equal size can be equal: hash just those.
    absl::flat_hash_map<size_t, int> size_count;
    for (const LiteBuffer& buffer : model.buffers) ++size_count[buffer.bytes.size()];
    absl::flat_hash_map<std::pair<size_t, size_t>, std::vector<int>> by_key;
    for (size_t b = 0; b < model.buffers.size(); ++b) {
      const absl::string_view bytes = model.buffers[b].bytes;
      int found = 0;
      if (size_count[bytes.size()] > 1) {
        std::vector<int>& same = by_key[{bytes.size(), absl::HashOf(bytes)}];
        for (int candidate : same) {
          if (contents_[candidate] == bytes) {
            found = candidate;
            break;
          }
        }
        if (found == 0) same.push_back(static_cast<int>(contents_.size()));
      }
      if (found == 0) {
        found = static_cast<int>(contents_.size());
        contents_.push_back(bytes);
      }
      index_[b] = found;
    }
  }
  int index_of_tensor(const LiteTensor& tensor) const {
    return tensor.buffer < 0 ? 0 : index_[tensor.buffer];
  }
  const std::vector<absl::string_view>& contents() const { return contents_; }

 private:
  std::vector<int> index_;
  std::vector<absl::string_view> contents_;
};

// Builds the flatbuffer inside a std::string so the finished model becomes
// the artifact without a second copy of the weights.
class StringAllocator : public flatbuffers::Allocator {
 public:
  uint8_t* allocate(size_t size) override {
    blocks_.emplace_back(size, '\0');
    return reinterpret_cast<uint8_t*>(blocks_.back().data());
  }
  void deallocate(uint8_t* p, size_t) override {
    for (auto it = blocks_.begin(); it != blocks_.end(); ++it) {
      if (reinterpret_cast<uint8_t*>(it->data()) == p) {
        blocks_.erase(it);
        return;
      }
    }
  }
  // The finished buffer occupies the end of the live block; move it to
  // the front and hand the block over.
  std::string Take(const flatbuffers::FlatBufferBuilder& fbb) {
    std::string& block = blocks_.back();
    const uint8_t* start = fbb.GetBufferPointer();
    const size_t size = fbb.GetSize();
    std::memmove(block.data(), start, size);
    block.resize(size);
    std::string out = std::move(block);
    return out;
  }

 private:
  std::list<std::string> blocks_;
};

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

flatbuffers::Offset<tflite::SignatureDef> ExportSignature(
    flatbuffers::FlatBufferBuilder& fbb, const LiteModel& model) {
  auto maps = [&](const std::vector<int>& tensors, const std::vector<std::string>& names) {
    std::vector<flatbuffers::Offset<tflite::TensorMap>> out;
    for (size_t i = 0; i < tensors.size(); ++i) {
      out.push_back(tflite::CreateTensorMap(fbb, fbb.CreateString(names[i]), tensors[i]));
    }
    return fbb.CreateVector(out);
  };
  auto inputs = maps(model.inputs, model.input_names);
  auto outputs = maps(model.outputs, model.output_names);
  return tflite::CreateSignatureDef(fbb, inputs, outputs,
                                    fbb.CreateString("serving_default"), 0);
}

}  // namespace

absl::StatusOr<std::string> ExportModel(const LiteModel& model) {
  const BufferTable buffers(model);
  size_t payload = 0;
  for (absl::string_view bytes : buffers.contents()) payload += bytes.size() + kBufferAlignment;
  StringAllocator allocator;
  flatbuffers::FlatBufferBuilder fbb(payload + 64 * 1024 + model.tensors.size() * 256, &allocator);

  // Operator codes, one per (builtin, custom code, version).
  std::map<std::tuple<int, std::string, int>, int> code_index;
  std::vector<flatbuffers::Offset<tflite::OperatorCode>> codes;
  std::vector<int> op_code(model.operators.size());
  for (size_t i = 0; i < model.operators.size(); ++i) {
    const LiteOperator& op = model.operators[i];
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
    op_code[i] = it->second;
  }

  std::vector<flatbuffers::Offset<tflite::Tensor>> tensors;
  tensors.reserve(model.tensors.size());
  for (const LiteTensor& tensor : model.tensors) {
    tensors.push_back(ExportTensor(fbb, tensor, buffers.index_of_tensor(tensor)));
  }

  std::vector<flatbuffers::Offset<tflite::Operator>> operators;
  for (size_t i = 0; i < model.operators.size(); ++i) {
    const LiteOperator& op = model.operators[i];
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

  auto subgraph = tflite::CreateSubGraph(
      fbb, fbb.CreateVector(tensors), fbb.CreateVector(model.inputs),
      fbb.CreateVector(model.outputs), fbb.CreateVector(operators),
      fbb.CreateString("main"));

  std::vector<flatbuffers::Offset<tflite::Buffer>> buffer_offsets;
  for (absl::string_view bytes : buffers.contents()) {
    if (bytes.empty()) {
      buffer_offsets.push_back(tflite::CreateBuffer(fbb));
      continue;
    }
    fbb.ForceVectorAlignment(bytes.size(), 1, kBufferAlignment);
    auto data = fbb.CreateVector(reinterpret_cast<const uint8_t*>(bytes.data()), bytes.size());
    buffer_offsets.push_back(tflite::CreateBuffer(fbb, data));
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
  auto subgraphs_vector = fbb.CreateVector(&subgraph, 1);
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

  std::string bytes = allocator.Take(fbb);
  if (absl::Status s = VerifyTfliteModel(bytes); !s.ok()) {
    return absl::InternalError(absl::StrCat("exported model failed verification: ", s.message()));
  }
  return bytes;
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
