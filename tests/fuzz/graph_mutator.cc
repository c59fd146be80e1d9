// A structure-aware libFuzzer mutator for binary GraphDefs. Byte-level
// mutations of a GraphDef mostly break its wire format; this one parses
// the input with the project's GraphDef subset and edits it through
// protobuf reflection: a scalar anywhere set to a boundary value (0, -1,
// INT_MIN, 2^32, NaN, an enum value outside the DataType enum, ...), most
// often one the node already has (a stride, a constant's value), an op
// swapped for another one with a rule, an attribute added by name, an
// input rewired, a node duplicated or dropped. Names come from the
// dictionary run.sh gives libFuzzer (TFLCONV_FUZZ_DICT), so both mutators
// speak the same words. One mutation in four stays byte-level.
#include <cmath>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <iterator>
#include <limits>
#include <random>
#include <string>
#include <vector>

#include "google/protobuf/descriptor.h"
#include "google/protobuf/message.h"
#include "google/protobuf/reflection.h"
#include "tensorflow/framework/graph_def.pb.h"

extern "C" size_t LLVMFuzzerMutate(uint8_t* data, size_t size, size_t max_size);

namespace tflconv::fuzz {
namespace {

using google::protobuf::FieldDescriptor;
using google::protobuf::Message;
using google::protobuf::Reflection;
using Random = std::minstd_rand;

constexpr int kMaxDepth = 8;

// The quoted words of the libFuzzer dictionary (`name="word"` lines).
std::vector<std::string> LoadWords() {
  std::vector<std::string> words;
  const char* path = std::getenv("TFLCONV_FUZZ_DICT");
  if (path == nullptr) return words;
  std::ifstream file(path);
  for (std::string line; std::getline(file, line);) {
    const size_t open = line.find('"');
    const size_t close = line.rfind('"');
    if (open != std::string::npos && close > open + 1) {
      words.push_back(line.substr(open + 1, close - open - 1));
    }
  }
  return words;
}

const std::vector<std::string>& Words() {
  static const std::vector<std::string>* words = new std::vector<std::string>(LoadWords());
  return *words;
}

template <typename T>
const T& Pick(const std::vector<T>& values, Random& random) {
  return values[random() % values.size()];
}

int64_t BoundaryInt(Random& random) {
  static const std::vector<int64_t> values = {
      0, 0, 0, -1, -1, 1, 2, 3, 4, 7, 8, 255, 256, 65535, 1 << 20,
      std::numeric_limits<int32_t>::min(), std::numeric_limits<int32_t>::max(),
      int64_t{1} << 31, int64_t{1} << 32, (int64_t{1} << 32) + 1,
      std::numeric_limits<int64_t>::min(), std::numeric_limits<int64_t>::max()};
  if (random() % 4 == 0) return static_cast<int64_t>(random() % 64) - 16;
  return Pick(values, random);
}

double BoundaryFloat(Random& random) {
  static const std::vector<double> values = {
      0.0, -0.0, 1.0, -1.0, 0.5, 1e-45, 1e30, -1e30, 65504.0, 1e300,
      std::numeric_limits<double>::infinity(), -std::numeric_limits<double>::infinity(),
      std::numeric_limits<double>::quiet_NaN()};
  return Pick(values, random);
}

std::string AnyString(const Message& root, Random& random) {
  const auto& graph = static_cast<const tensorflow::GraphDef&>(root);
  switch (random() % 3) {
    case 0:
      if (!Words().empty()) return Pick(Words(), random);
      [[fallthrough]];
    case 1:
      if (graph.node_size() > 0) {
        std::string name = graph.node(random() % graph.node_size()).name();
        if (random() % 3 == 0) name += ":" + std::to_string(random() % 3);
        return name;
      }
      [[fallthrough]];
    default:
      return std::string(random() % 8, static_cast<char>('a' + random() % 26));
  }
}

void SetScalar(Message& message, const FieldDescriptor* field, int index, const Message& root,
               Random& random) {
  const Reflection* r = message.GetReflection();
  const bool repeated = field->is_repeated();
  const int64_t i = BoundaryInt(random);
  switch (field->cpp_type()) {
#define TFLCONV_SET(CPPTYPE, Setter, value)                         \
  case FieldDescriptor::CPPTYPE:                                    \
    if (repeated) {                                                 \
      r->SetRepeated##Setter(&message, field, index, value);        \
    } else {                                                        \
      r->Set##Setter(&message, field, value);                       \
    }                                                               \
    break;
    TFLCONV_SET(CPPTYPE_INT32, Int32, static_cast<int32_t>(i))
    TFLCONV_SET(CPPTYPE_INT64, Int64, i)
    TFLCONV_SET(CPPTYPE_UINT32, UInt32, static_cast<uint32_t>(i))
    TFLCONV_SET(CPPTYPE_UINT64, UInt64, static_cast<uint64_t>(i))
    TFLCONV_SET(CPPTYPE_DOUBLE, Double, BoundaryFloat(random))
    TFLCONV_SET(CPPTYPE_FLOAT, Float, static_cast<float>(BoundaryFloat(random)))
    TFLCONV_SET(CPPTYPE_BOOL, Bool, random() % 2 == 0)
    TFLCONV_SET(CPPTYPE_STRING, String, AnyString(root, random))
    TFLCONV_SET(CPPTYPE_ENUM, EnumValue,
                random() % 4 == 0 ? static_cast<int>(i)
                                  : field->enum_type()->value(random() % field->enum_type()->value_count())->number())
#undef TFLCONV_SET
    case FieldDescriptor::CPPTYPE_MESSAGE:
      break;
  }
}

// Adds an element to a repeated field (a scalar or an empty message).
void AddElement(Message& message, const FieldDescriptor* field, const Message& root,
                Random& random) {
  const Reflection* r = message.GetReflection();
  if (field->cpp_type() == FieldDescriptor::CPPTYPE_MESSAGE) {
    r->AddMessage(&message, field);
    return;
  }
  switch (field->cpp_type()) {
    case FieldDescriptor::CPPTYPE_INT32: r->AddInt32(&message, field, 0); break;
    case FieldDescriptor::CPPTYPE_INT64: r->AddInt64(&message, field, 0); break;
    case FieldDescriptor::CPPTYPE_UINT32: r->AddUInt32(&message, field, 0); break;
    case FieldDescriptor::CPPTYPE_UINT64: r->AddUInt64(&message, field, 0); break;
    case FieldDescriptor::CPPTYPE_DOUBLE: r->AddDouble(&message, field, 0); break;
    case FieldDescriptor::CPPTYPE_FLOAT: r->AddFloat(&message, field, 0); break;
    case FieldDescriptor::CPPTYPE_BOOL: r->AddBool(&message, field, false); break;
    case FieldDescriptor::CPPTYPE_STRING: r->AddString(&message, field, ""); break;
    case FieldDescriptor::CPPTYPE_ENUM: r->AddEnumValue(&message, field, 1); break;
    default: return;
  }
  SetScalar(message, field, r->FieldSize(message, field) - 1, root, random);
}

// Walks down from `message` through a random field and changes what it
// finds there: sets, adds or removes an element.
void MutateField(Message& message, const Message& root, Random& random, int depth) {
  const auto* descriptor = message.GetDescriptor();
  if (descriptor->field_count() == 0) return;
  const Reflection* r = message.GetReflection();
  const FieldDescriptor* field = descriptor->field(random() % descriptor->field_count());
  const bool is_message = field->cpp_type() == FieldDescriptor::CPPTYPE_MESSAGE;
  if (!field->is_repeated()) {
    if (!is_message) {
      SetScalar(message, field, 0, root, random);
    } else if (depth < kMaxDepth) {
      MutateField(*r->MutableMessage(&message, field), root, random, depth + 1);
    }
    return;
  }
  const int size = r->FieldSize(message, field);
  const unsigned action = random() % 8;
  if (size == 0 || action == 0) {
    AddElement(message, field, root, random);
  } else if (action == 1) {
    r->SwapElements(&message, field, random() % size, size - 1);
    r->RemoveLast(&message, field);
  } else if (!is_message) {
    SetScalar(message, field, random() % size, root, random);
  } else if (depth < kMaxDepth) {
    MutateField(*r->MutableRepeatedMessage(&message, field, random() % size), root, random,
                depth + 1);
  }
}

// Walks down through fields that are set (an attribute's list, a tensor's
// values, a shape's dims) and changes a value found there, so that a
// mutation edits what a rule reads rather than adding what it ignores.
void MutatePresentField(Message& message, const Message& root, Random& random, int depth) {
  const Reflection* r = message.GetReflection();
  std::vector<const FieldDescriptor*> fields;
  r->ListFields(message, &fields);
  if (fields.empty() || depth >= kMaxDepth) {
    MutateField(message, root, random, depth);
    return;
  }
  const FieldDescriptor* field = Pick(fields, random);
  const bool is_message = field->cpp_type() == FieldDescriptor::CPPTYPE_MESSAGE;
  if (!field->is_repeated()) {
    if (is_message) {
      MutatePresentField(*r->MutableMessage(&message, field), root, random, depth + 1);
    } else {
      SetScalar(message, field, 0, root, random);
    }
    return;
  }
  const int index = random() % r->FieldSize(message, field);
  if (is_message) {
    MutatePresentField(*r->MutableRepeatedMessage(&message, field, index), root, random,
                       depth + 1);
  } else if (random() % 8 == 0) {
    AddElement(message, field, root, random);
  } else if (random() % 8 == 0) {
    r->SwapElements(&message, field, index, r->FieldSize(message, field) - 1);
    r->RemoveLast(&message, field);
  } else {
    SetScalar(message, field, index, root, random);
  }
}

void MutateGraph(tensorflow::GraphDef& graph, Random& random) {
  if (graph.node_size() == 0) {
    MutateField(graph, graph, random, 0);
    return;
  }
  tensorflow::NodeDef& node = *graph.mutable_node(random() % graph.node_size());
  const unsigned choice = random() % 20;
  if (choice < 6 && node.attr_size() > 0) {  // a value of an attribute the node has
    auto it = node.mutable_attr()->begin();
    std::advance(it, random() % node.attr_size());
    MutatePresentField(it->second, graph, random, 1);
  } else if (choice < 10) {  // a value the node has anywhere (a constant's, a shape's)
    MutatePresentField(node, graph, random, 1);
  } else if (choice < 12) {  // anything inside the node, set or not
    MutateField(node, graph, random, 1);
  } else if (choice < 14) {  // another op, same inputs and attributes
    node.set_op(AnyString(graph, random));
  } else if (choice < 16) {  // an attribute by name, with a value found by the field walk
    MutateField((*node.mutable_attr())[AnyString(graph, random)], graph, random, 1);
  } else if (choice < 18) {  // an input rewired to another node
    if (node.input_size() > 0) {
      node.set_input(random() % node.input_size(), AnyString(graph, random));
    } else {
      node.add_input(AnyString(graph, random));
    }
  } else if (choice == 18) {  // a copy under a new name, fed by the original
    tensorflow::NodeDef copy = node;
    copy.set_name(node.name() + "_" + std::to_string(random() % 100));
    if (copy.input_size() > 0) copy.set_input(0, node.name());
    *graph.add_node() = std::move(copy);
  } else {  // a node dropped
    graph.mutable_node()->SwapElements(random() % graph.node_size(), graph.node_size() - 1);
    graph.mutable_node()->RemoveLast();
  }
}

}  // namespace
}  // namespace tflconv::fuzz

extern "C" size_t LLVMFuzzerCustomMutator(uint8_t* data, size_t size, size_t max_size,
                                          unsigned int seed) {
  tflconv::fuzz::Random random(seed);
  tensorflow::GraphDef graph;
  if (random() % 4 == 0 || !graph.ParseFromArray(data, static_cast<int>(size))) {
    return LLVMFuzzerMutate(data, size, max_size);
  }
  // One edit per call: libFuzzer stacks calls itself, and a single edit
  // keeps the rest of a graph that reaches deep valid.
  tflconv::fuzz::MutateGraph(graph, random);
  const std::string bytes = graph.SerializeAsString();
  if (bytes.size() > max_size) return LLVMFuzzerMutate(data, size, max_size);
  std::memcpy(data, bytes.data(), bytes.size());
  return bytes.size();
}
