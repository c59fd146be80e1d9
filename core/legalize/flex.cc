#include "core/legalize/flex.h"

#include "absl/container/flat_hash_map.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "flatbuffers/flexbuffers.h"
#include "google/protobuf/io/coded_stream.h"
#include "google/protobuf/io/zero_copy_stream_impl_lite.h"
#include "core/status_macros.h"

namespace tflconv {
namespace {

using tensorflow::DataType;

// Output dtypes of common ops whose NodeDef has no type attribute for them;
// DT_INVALID means "read the attribute named in the table's second column".
struct KnownOutputs {
  std::vector<DataType> types;
  const char* type_attr = nullptr;  // for outputs typed by an attribute
};

const absl::flat_hash_map<std::string, KnownOutputs>& KnownOutputTable() {
  using namespace tensorflow;
  static const auto* table = new absl::flat_hash_map<std::string, KnownOutputs>{
      {"TensorArrayV3", {{DT_RESOURCE, DT_FLOAT}}},
      {"TensorArrayScatterV3", {{DT_FLOAT}}},
      {"TensorArrayWriteV3", {{DT_FLOAT}}},
      {"TensorArrayReadV3", {{DT_INVALID}, "dtype"}},
      {"TensorArrayGatherV3", {{DT_INVALID}, "dtype"}},
      {"TensorArraySizeV3", {{DT_INT32}}},
      {"Merge", {{DT_INVALID, DT_INT32}, "T"}},
      {"Switch", {{DT_INVALID, DT_INVALID}, "T"}},
      {"LoopCond", {{DT_BOOL}}},
      {"NonMaxSuppressionV2", {{DT_INT32}}},
      {"NonMaxSuppressionV3", {{DT_INT32}}},
  };
  return *table;
}

}  // namespace

absl::Status InferWithoutRule(InferContext& ctx) {
  const Node& node = ctx.node();
  const tensorflow::AttrValue* shapes = FindAttr(node, "_output_shapes");
  const tensorflow::AttrValue* types = FindAttr(node, "_output_types");
  int outputs = std::max<int>(1, static_cast<int>(node.outputs.size()));
  if (shapes) outputs = std::max(outputs, shapes->list().shape_size());
  const auto& known = KnownOutputTable();
  auto it = known.find(node.op);
  if (it != known.end()) outputs = std::max<int>(outputs, it->second.types.size());
  for (int i = 0; i < outputs; ++i) {
    DataType dtype = tensorflow::DT_INVALID;
    if (it != known.end() && i < static_cast<int>(it->second.types.size())) {
      dtype = it->second.types[i];
      if (dtype == tensorflow::DT_INVALID && it->second.type_attr) {
        TFLCONV_ASSIGN_OR_RETURN(auto attr, GetTypeAttr(node, it->second.type_attr));
        dtype = attr;
      }
    }
    if (dtype == tensorflow::DT_INVALID && types && i < types->list().type_size()) {
      dtype = types->list().type(i);
    }
    if (dtype == tensorflow::DT_INVALID) dtype = DtypeFromAttrs(node);
    if (dtype == tensorflow::DT_INVALID && ctx.num_inputs() > 0) dtype = ctx.input_dtype(0);
    Shape shape = shapes && i < shapes->list().shape_size()
                      ? ShapeFromProto(shapes->list().shape(i))
                      : Shape::Unknown();
    ctx.SetOutput(i, dtype, std::move(shape));
  }
  return absl::OkStatus();
}

namespace {

absl::StatusOr<std::vector<int>> AllInputs(LegalizeContext& ctx) {
  std::vector<int> inputs;
  for (int i = 0; i < ctx.num_inputs(); ++i) {
    TFLCONV_ASSIGN_OR_RETURN(auto t, ctx.Input(i));
    inputs.push_back(t);
  }
  return inputs;
}

std::vector<int> AllOutputs(LegalizeContext& ctx) {
  std::vector<int> outputs;
  for (size_t i = 0; i < ctx.node().outputs.size(); ++i) {
    outputs.push_back(ctx.Output(static_cast<int>(i)));
  }
  return outputs;
}

absl::Status CheckOutputTypes(const LegalizeContext& ctx) {
  for (size_t i = 0; i < ctx.node().outputs.size(); ++i) {
    if (ctx.node().outputs[i].dtype == tensorflow::DT_INVALID) {
      return NodeInvalid(ctx.node(), absl::StrCat("the dtype of output ", i,
                                                  " is unknown (no type attribute)"));
    }
  }
  return absl::OkStatus();
}

}  // namespace

absl::Status EmitFlexOp(LegalizeContext& ctx) {
  TFLCONV_RETURN_IF_ERROR(CheckOutputTypes(ctx));
  TFLCONV_ASSIGN_OR_RETURN(auto inputs, AllInputs(ctx));
  // As TensorFlow's exporter builds it: no name (the Flex runtime does
  // not use it), one empty input per operand, and only the op's own
  // attributes (internal "_" annotations dropped).
  tensorflow::NodeDef node_def;
  node_def.set_op(ctx.node().op);
  node_def.set_device(ctx.node().def->device());
  for (int i = 0; i < ctx.num_inputs(); ++i) node_def.add_input("");
  for (const auto& [key, value] : ctx.node().def->attr()) {
    if (!absl::StartsWith(key, "_")) (*node_def.mutable_attr())[key] = value;
  }
  // Deterministic, so attribute maps serialize in one order and repeated
  // conversions give identical bytes.
  std::string serialized;
  {
    google::protobuf::io::StringOutputStream stream(&serialized);
    google::protobuf::io::CodedOutputStream coded(&stream);
    coded.SetSerializationDeterministic(true);
    node_def.SerializeToCodedStream(&coded);
  }
  flexbuffers::Builder fbb;
  fbb.Vector([&] {
    fbb.String(ctx.node().op);
    fbb.String(serialized);
  });
  fbb.Finish();
  LiteOperator& op = ctx.Emit(tflite::BuiltinOperator_CUSTOM, std::move(inputs), AllOutputs(ctx));
  op.custom_code = absl::StrCat("Flex", ctx.node().op);
  op.custom_options = fbb.GetBuffer();
  return absl::OkStatus();
}

absl::Status EmitCustomOp(LegalizeContext& ctx) {
  TFLCONV_RETURN_IF_ERROR(CheckOutputTypes(ctx));
  TFLCONV_ASSIGN_OR_RETURN(auto inputs, AllInputs(ctx));
  flexbuffers::Builder fbb;
  fbb.Map([&] {
    std::vector<std::string> keys;
    for (const auto& [key, value] : ctx.node().def->attr()) keys.push_back(key);
    std::sort(keys.begin(), keys.end());  // deterministic output
    for (const std::string& key : keys) {
      if (absl::StartsWith(key, "_")) continue;
      const tensorflow::AttrValue& value = ctx.node().def->attr().at(key);
      // The attribute kinds TensorFlow's exporter writes; others are skipped
      // as it skips them.
      switch (value.value_case()) {
        case tensorflow::AttrValue::kI: fbb.Int(key.c_str(), value.i()); break;
        case tensorflow::AttrValue::kF: fbb.Float(key.c_str(), value.f()); break;
        case tensorflow::AttrValue::kB: fbb.Bool(key.c_str(), value.b()); break;
        case tensorflow::AttrValue::kS: fbb.String(key.c_str(), value.s()); break;
        case tensorflow::AttrValue::kType:
          if (auto type = ToLiteType(value.type()); type.ok()) fbb.Int(key.c_str(), *type);
          break;
        case tensorflow::AttrValue::kList:
          if (value.list().s_size() > 0) {
            fbb.Vector(key.c_str(), [&] {
              for (const std::string& item : value.list().s()) fbb.String(item);
            });
          } else if (value.list().i_size() > 0) {
            fbb.TypedVector(key.c_str(), [&] {
              for (int64_t item : value.list().i()) fbb.Int(item);
            });
          } else if (value.list().f_size() > 0) {
            fbb.TypedVector(key.c_str(), [&] {
              for (float item : value.list().f()) fbb.Float(item);
            });
          }
          break;
        default: break;
      }
    }
  });
  fbb.Finish();
  LiteOperator& op = ctx.Emit(tflite::BuiltinOperator_CUSTOM, std::move(inputs), AllOutputs(ctx));
  op.custom_code = ctx.node().op;
  op.custom_options = fbb.GetBuffer();
  return absl::OkStatus();
}

std::string RuntimeWarning(const Node& node) {
  const std::string& op = node.op;
  if (absl::StartsWith(op, "TensorArray")) {
    return "TensorArray ops pass resource handles between kernels; the Flex delegate "
           "fails on them at invoke()";
  }
  if (op == "Switch" || op == "Merge" || op == "Enter" || op == "Exit" ||
      op == "NextIteration" || op == "LoopCond") {
    return "v1 control flow (Switch/Merge/Enter/Exit/NextIteration/LoopCond) cannot run "
           "as individual Flex ops; the graph fails at invoke()";
  }
  for (const OutputInfo& out : node.outputs) {
    if (out.dtype == tensorflow::DT_RESOURCE || out.dtype == tensorflow::DT_VARIANT) {
      return absl::StrCat("produces a ", DataTypeName(out.dtype),
                          " tensor, which TFLite cannot pass between ops");
    }
  }
  return "";
}

}  // namespace tflconv
