#include "core/graph/graph.h"

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"

namespace tflconv {

bool Shape::fully_defined() const {
  if (!known_rank) return false;
  for (int64_t d : dims) {
    if (d < 0) return false;
  }
  return true;
}

bool Shape::CompatibleWith(const Shape& other) const {
  if (!known_rank || !other.known_rank) return true;
  if (rank() != other.rank()) return false;
  for (int i = 0; i < rank(); ++i) {
    if (dims[i] >= 0 && other.dims[i] >= 0 && dims[i] != other.dims[i]) return false;
  }
  return true;
}

std::string Shape::ToString() const {
  if (!known_rank) return "<unknown rank>";
  return absl::StrCat(
      "[", absl::StrJoin(dims, ",", [](std::string* out, int64_t d) {
        absl::StrAppend(out, d < 0 ? "?" : absl::StrCat(d));
      }), "]");
}

std::string Graph::TensorName(Endpoint e) const {
  if (e.index == 0) return nodes[e.node].name;
  return absl::StrCat(nodes[e.node].name, ":", e.index);
}

absl::StatusOr<std::pair<std::string, int>> ParseTensorName(
    absl::string_view name) {
  const size_t colon = name.rfind(':');
  if (colon == absl::string_view::npos) return std::make_pair(std::string(name), 0);
  int index = 0;
  if (!absl::SimpleAtoi(name.substr(colon + 1), &index) || index < 0) {
    return absl::InvalidArgumentError(
        absl::StrCat("'", name, "' is not a tensor name ('node' or 'node:k')"));
  }
  return std::make_pair(std::string(name.substr(0, colon)), index);
}

absl::string_view ParsedGraphDef::TensorContent(const tensorflow::TensorProto& proto) const {
  if (auto it = tensor_contents.find(&proto); it != tensor_contents.end()) return it->second;
  return proto.tensor_content();
}

Shape ShapeFromProto(const tensorflow::TensorShapeProto& proto) {
  if (proto.unknown_rank()) return Shape::Unknown();
  Dims dims;
  for (const auto& d : proto.dim()) dims.push_back(d.size());
  return Shape::Of(std::move(dims));
}

DataType DtypeFromAttrs(const Node& node) {
  for (const char* attr : {"dtype", "T", "out_type", "DstT", "output_type", "Tout"}) {
    if (const auto* a = FindAttr(node, attr); a && a->value_case() == tensorflow::AttrValue::kType) {
      return a->type();
    }
  }
  return tensorflow::DT_INVALID;
}

absl::Status NodeError(absl::StatusCode code, const Node& node,
                       absl::string_view message) {
  return absl::Status(code, absl::StrCat("node '", node.name, "' (", node.op,
                                         "): ", message));
}

const tensorflow::AttrValue* FindAttr(const Node& node,
                                      absl::string_view name) {
  if (node.def == nullptr) return nullptr;
  auto it = node.def->attr().find(std::string(name));
  return it == node.def->attr().end() ? nullptr : &it->second;
}

namespace {

template <typename T>
absl::StatusOr<T> GetAttr(const Node& node, absl::string_view name,
                          const std::optional<T>& fallback,
                          tensorflow::AttrValue::ValueCase expected,
                          const char* kind, T (*read)(const tensorflow::AttrValue&)) {
  const tensorflow::AttrValue* attr = FindAttr(node, name);
  if (attr == nullptr || attr->value_case() == tensorflow::AttrValue::VALUE_NOT_SET) {
    if (fallback.has_value()) return *fallback;
    return NodeInvalid(node, absl::StrCat("missing attribute '", name, "'"));
  }
  if (attr->value_case() != expected) {
    return NodeInvalid(node, absl::StrCat("attribute '", name, "' must be ", kind));
  }
  return read(*attr);
}

}  // namespace

absl::StatusOr<int64_t> GetIntAttr(const Node& node, absl::string_view name,
                                   std::optional<int64_t> fallback) {
  return GetAttr<int64_t>(node, name, fallback, tensorflow::AttrValue::kI,
                          "an int", [](const tensorflow::AttrValue& a) { return a.i(); });
}

absl::StatusOr<float> GetFloatAttr(const Node& node, absl::string_view name,
                                   std::optional<float> fallback) {
  return GetAttr<float>(node, name, fallback, tensorflow::AttrValue::kF,
                        "a float", [](const tensorflow::AttrValue& a) { return a.f(); });
}

absl::StatusOr<bool> GetBoolAttr(const Node& node, absl::string_view name,
                                 std::optional<bool> fallback) {
  return GetAttr<bool>(node, name, fallback, tensorflow::AttrValue::kB,
                       "a bool", [](const tensorflow::AttrValue& a) { return a.b(); });
}

absl::StatusOr<std::string> GetStringAttr(const Node& node,
                                          absl::string_view name,
                                          std::optional<std::string> fallback) {
  return GetAttr<std::string>(node, name, fallback, tensorflow::AttrValue::kS,
                              "a string",
                              [](const tensorflow::AttrValue& a) { return a.s(); });
}

absl::StatusOr<DataType> GetTypeAttr(const Node& node, absl::string_view name,
                                     std::optional<DataType> fallback) {
  return GetAttr<DataType>(node, name, fallback, tensorflow::AttrValue::kType,
                           "a type",
                           [](const tensorflow::AttrValue& a) { return a.type(); });
}

absl::StatusOr<std::vector<int64_t>> GetIntListAttr(
    const Node& node, absl::string_view name,
    std::optional<std::vector<int64_t>> fallback) {
  return GetAttr<std::vector<int64_t>>(
      node, name, fallback, tensorflow::AttrValue::kList, "a list of ints",
      [](const tensorflow::AttrValue& a) {
        return std::vector<int64_t>(a.list().i().begin(), a.list().i().end());
      });
}

}  // namespace tflconv
