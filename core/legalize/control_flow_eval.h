// The evaluator behind LowerControlFlow (control_flow.h): frames found in
// the imported graph (control_flow_frames.cc), values that may be dead or
// arrays, and the scopes one loop iteration evaluates in. Array ops live in
// array_ops.cc.
#ifndef TFLCONV_CORE_LEGALIZE_CONTROL_FLOW_EVAL_H_
#define TFLCONV_CORE_LEGALIZE_CONTROL_FLOW_EVAL_H_

#include <algorithm>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/container/flat_hash_set.h"
#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "core/graph/graph.h"
#include "core/legalize/control_flow.h"
#include "core/legalize/legalizer.h"

namespace tflconv {

// Loops nested deeper are refused: evaluation recurses once per level.
inline constexpr int kMaxFrameNesting = 64;
// Element slots the array states of one conversion may copy in all (each
// write copies its array's list).
inline constexpr uint64_t kMaxArrayWork = uint64_t{1} << 26;

// TensorArray and TensorList ops, any version (array_ops.cc).
bool IsArrayOp(absl::string_view op);

// `e` without the Identity nodes in front of it: tf.cond routes data
// through Switches on pred_id = Identity(pred); a loop's counter reaches
// its body through an Identity.
Endpoint BehindIdentities(const Graph& graph, Endpoint e);

// `base`, or `base_K` for the first K that no node of `graph` is named.
std::string FreshName(const Graph& graph, const std::string& base);

// The attribute-only NodeDef of a node the evaluator adds, typed by "T".
tensorflow::NodeDef MadeNodeDef(std::string name, absl::string_view op, DataType dtype);

// INVALID_ARGUMENT "malformed control flow: ..." naming `node`.
inline absl::Status FrameError(const Node& node, absl::string_view message) {
  return NodeInvalid(node, absl::StrCat("malformed control flow: ", message));
}

// A value flowing through the evaluated graph.
struct FlowValue {
  enum Kind { kDead, kTensor, kArrayHandle, kArrayState };
  Kind kind = kDead;
  Endpoint tensor;  // kTensor: in the lowered graph
  int array = -1;   // kArrayHandle: index into ControlFlowEvaluator::arrays_
  int state = -1;   // kArrayState: index into ControlFlowEvaluator::states_

  static FlowValue Dead() { return {}; }
  static FlowValue Of(Endpoint e) { return {kTensor, e}; }
};

// A frame: the root graph (index 0) or one while loop.
struct Frame {
  std::string name;  // Enter's frame_name; empty for the root
  int parent = -1;
  std::vector<int> children;
  std::vector<int> enters;    // Enter nodes into this frame
  std::vector<int> exits;     // Exit nodes leaving this frame
  int loop_cond = -1;         // the LoopCond node deciding each iteration
  std::vector<int> merges;    // its variables: Merges fed back by NextIteration
  std::vector<int> schedule;  // node index, or ~frame for a nested loop
};

// A graph the evaluator writes into: the lowered graph, or the region of
// a loop that stays a WHILE.
struct Target {
  Graph* graph = nullptr;
  std::unique_ptr<NodeInferrer> inferrer;
  // Constants of enclosing targets read in this one, copied in once.
  absl::flat_hash_map<std::pair<const Graph*, Endpoint>, Endpoint> imported;
};

// The values of one frame instance: the root, one loop iteration, or the
// body of a loop that stays a WHILE, which stands for every iteration.
struct Scope {
  const Scope* parent = nullptr;
  const Scope* previous = nullptr;  // the loop's previous iteration
  int frame = 0;
  int64_t iteration = 0;
  bool every_iteration = false;  // a WHILE's body: its LoopCond is unknown
  Target* target = nullptr;      // where its values live and its nodes go
  std::string suffix;  // appended to the names of the nodes it makes
  absl::flat_hash_map<int, std::vector<FlowValue>> values;
};

class ControlFlowEvaluator {
 public:
  ControlFlowEvaluator(const Graph& graph, const ResolvedLimits& limits, uint64_t unroll_limit,
                       InferStats* stats);
  absl::StatusOr<LoweredGraph> Run();

 private:
  // An array's identity: TensorArrayV3 node or TensorList creation.
  struct Array {
    std::string kind;  // "TensorArray" or "TensorList"
    std::string node;
    DataType dtype = tensorflow::DT_INVALID;
    bool dynamic_size = false;
    int64_t max_num_elements = -1;  // an EmptyTensorList's bound, -1 for none
    int initial_state = -1;
    int64_t largest_size = 0;
    Shape element_shape;  // declared, else from the first element written
    bool as_one_tensor = false;  // read or written as one tensor (array_dense.cc)
    bool appended = false;       // grown in a WHILE (array_appended.cc)
    std::string carried_by;      // the WHILE it was carried through, if any
  };
  // What an array holds at one point of the program: its elements, each
  // known or not, or (once it has crossed a WHILE) one tensor
  // [size, element...] whose rows are the elements.
  struct ArrayState {
    int array = -1;
    const Graph* graph = nullptr;  // the target its endpoints live in
    std::vector<std::optional<Endpoint>> elements;  // size entries when dense
    std::optional<Endpoint> dense;
    // An array whose size changes in a WHILE (dynamic_size, or empty on
    // entry) is carried as its elements appended on axis 0: the rows of
    // one tensor [size, element...] when `appended_rows`, else the
    // concatenation of elements whose first dim may differ (what
    // TensorArrayConcat reads).
    std::optional<Endpoint> appended;
    bool appended_rows = false;
    // Inside the WHILE that grows it, `appended` starts with one row of
    // zeros: the runtime's WHILE takes a variable that goes from 0 rows to
    // 1 for a scalar becoming [1] and keeps its first shape.
    bool filler_row = false;
    // In a WHILE body: the loop variable holding the array's size when the
    // iteration starts (a TensorArray write must append there), and the
    // elements appended since.
    std::optional<Endpoint> size_on_entry;
    int appended_in_iteration = 0;
  };

  absl::Status FindFrames();
  absl::Status AssignFrame(int node, bool validate);
  int Depth(int frame) const;
  // The nodes `node` reads: control-edge sources, then data inputs.
  static std::vector<int> Sources(const Node& node);
  bool IsAncestor(int ancestor, int frame) const;
  absl::Status ScheduleFrames();
  absl::Status RunFrame(Scope& scope);
  absl::Status RunLoop(Scope& parent, int frame);
  absl::Status UnrollLoop(Scope& parent, int frame);
  // control_flow_while.cc: the loop becomes a While node of the parent's
  // target whose cond and body are one region (`why`: for the report).
  absl::Status RunLoopAsWhile(Scope& parent, int frame, absl::string_view why);
  // An array that enters a WHILE before its element shape is known gets it
  // from the first write in the body: a first pass (`probe`) evaluates the
  // body with such arrays fresh and records what they were written with,
  // then is taken back. What it learned holds for this loop only: a
  // TensorList is a value, and the same list may enter another loop that
  // writes elements of another shape.
  struct ShapeProbe {
    bool first_pass = true;
    bool needed = false;
    std::vector<std::pair<int, Shape>> learned;  // array, element shape
  };
  absl::Status BuildWhile(Scope& parent, int frame, absl::string_view why, ShapeProbe& probe);
  // What a failed attempt to unroll a loop must take back.
  struct Checkpoint {
    size_t nodes = 0, made_defs = 0, regions = 0, states = 0;
    std::vector<Array> arrays;
    uint64_t unrolled_ops = 0, array_work = 0, nodes_made = 0;
    absl::flat_hash_map<int, std::pair<bool, bool>> conds;
    absl::flat_hash_map<int, int64_t> loop_iterations;
    absl::flat_hash_map<int, std::string> while_loops;
    absl::flat_hash_set<int> if_conds;
    absl::flat_hash_map<std::pair<const Graph*, Endpoint>, Endpoint> imported;
    InferStats stats;
    FoldBudget fold_budget{0};
  };
  Checkpoint Save(const Scope& scope) const;
  void Restore(const Scope& scope, Checkpoint checkpoint);
  // Tensor `value` of target `from`, as a value of `scope`'s target: a
  // constant is copied in; anything else must enter the loop by Enter.
  absl::StatusOr<FlowValue> Import(Scope& scope, const Target& from, const FlowValue& value,
                                   Endpoint read);
  // A new region graph (a WHILE's cond and body, or an IF branch) that
  // `target` writes into.
  std::shared_ptr<Graph> NewRegion(Target& target);
  // A placeholder of `target`'s region named `name`, typed like `like` but
  // not its value, appended to the region's inputs.
  absl::StatusOr<Endpoint> AddRegionInput(Target& target, const std::string& name,
                                          OutputInfo like);
  // Sets every node's num_consumers once `graph` is complete.
  static void CountConsumers(Graph& graph);
  // The value `e` has in `scope`, dead when it was never computed.
  FlowValue SettledValue(const Scope& scope, Endpoint e) const;
  // A node made by lowering, added to `target` without inference: its
  // `outputs` are known (placeholders, copied constants, While) or left to
  // the caller to infer (Make).
  absl::StatusOr<int> Place(Target& target, tensorflow::NodeDef def,
                            std::vector<Endpoint> inputs, std::vector<OutputInfo> outputs);
  absl::Status RunNode(Scope& scope, int node);
  // The value's constant when it is a bool scalar known at conversion time.
  const Tensor* ConstantBool(const Scope& scope, const FlowValue& value) const;
  // UNIMPLEMENTED: the loop of LoopCond `loop_cond` cannot be unrolled.
  absl::Status UnknownLoopCondition(int loop_cond) const;
  absl::Status RunSwitch(Scope& scope, int node, const std::vector<FlowValue>& in);
  // control_flow_cond.cc: the cond whose predicate `pred` (a Switch input)
  // is known only at run time becomes an If node with a region per branch.
  absl::Status RunCondAsIf(Scope& scope, int first_switch, const FlowValue& pred);
  absl::Status RunMerge(Scope& scope, int node);
  absl::Status Finish(const Scope& root);
  // Each array's entry in the report: how it was lowered, and its shape.
  void ReportArrays();

  // The scope of `node`'s frame: `scope` or one enclosing it.
  const Scope* ScopeOf(const Scope& scope, int node) const;
  // The values of graph node `node` in `scope` or the enclosing scope of
  // its frame; null when not computed.
  const std::vector<FlowValue>* ValuesOf(const Scope& scope, int node) const;
  const FlowValue* Lookup(const Scope& scope, Endpoint e) const;
  // Lookup for a node of `scope` that reads `e`: INTERNAL when it is not
  // computed; a tensor of another target is imported (Import).
  absl::StatusOr<FlowValue> Read(Scope& scope, int reader, Endpoint e);
  // Adds a copy of graph node `node` fed by `inputs` and infers it.
  absl::StatusOr<int> Clone(const Scope& scope, int node, std::vector<Endpoint> inputs);
  // Adds a node that is not in the graph (Pack, Unpack, Identity, Const).
  absl::StatusOr<int> Make(const Scope& scope, tensorflow::NodeDef def,
                           std::vector<Endpoint> inputs, int64_t outputs_used);
  // Constants named FreshName(`name`): an int vector (or a scalar) of
  // `dtype`, and any tensor.
  absl::StatusOr<int> MakeIntConst(const Scope& scope, const std::string& name, DataType dtype,
                                   const std::vector<int64_t>& values, bool scalar);
  absl::StatusOr<int> MakeConst(const Scope& scope, const std::string& name, Tensor value);
  absl::Status CountUnrolled(const Scope& scope, int lowered_node, bool feeds_data);
  // True when every output of graph node `node` is dead in `scope`.
  bool IsDead(const Scope& scope, int node) const;

  // array_ops.cc
  absl::Status RunArrayOp(Scope& scope, int node, const std::vector<FlowValue>& in);
  // The constant behind `value` in `scope`'s target, or null.
  const Tensor* ConstantOf(const Scope& scope, const FlowValue& value) const;
  absl::StatusOr<int64_t> ConstantIndex(const Scope& scope, int node, const FlowValue& value,
                                        absl::string_view what);
  absl::StatusOr<std::vector<int64_t>> ConstantIndices(const Scope& scope, int node,
                                                       const FlowValue& value);
  absl::StatusOr<const ArrayState*> StateOf(int node, const FlowValue& handle,
                                            const FlowValue& flow);
  absl::StatusOr<int> NewState(int node, ArrayState state);
  absl::Status SetElement(int node, ArrayState& state, int64_t index, Endpoint element);
  absl::StatusOr<Endpoint> Element(const Scope& scope, int node, const ArrayState& state,
                                   int64_t index);
  // UNIMPLEMENTED unless `state`'s tensors are in `scope`'s target (an
  // array enters a WHILE body only through the loop's Enter).
  absl::Status CheckTarget(const Scope& scope, int node, const ArrayState& state) const;
  absl::StatusOr<FlowValue> PackElements(const Scope& scope, int node,
                                         const ArrayState& state,
                                         const std::vector<int64_t>& indices);
  // Pack of `rows` on axis 0, named `name`: UnpackRows' inverse.
  absl::StatusOr<Endpoint> StackRows(const Scope& scope, std::string name, DataType dtype,
                                     std::vector<Endpoint> rows);
  absl::StatusOr<std::vector<Endpoint>> UnpackRows(const Scope& scope, int node,
                                                   Endpoint value, int64_t rows);
  absl::Status CreateArray(Scope& scope, int node, const FlowValue& size, absl::string_view kind,
                           bool dynamic_size);

  // array_dense.cc: arrays carried through a WHILE as one tensor, read and
  // written at indices known only at run time.
  // The shape of the rows of a dense state, or of its first fully defined
  // element.
  std::optional<Shape> WrittenElementShape(const ArrayState& state) const;
  // The declared element shape when fully defined, else the written one,
  // else `first_write` (when given): the shape about to be written, or the
  // one the loop's first pass learned.
  absl::StatusOr<Shape> KnownElementShape(int node, const ArrayState& state,
                                          const Shape* first_write = nullptr) const;
  // The whole array as one [size, element...] tensor of `scope`'s target;
  // elements never written are zeros.
  absl::StatusOr<Endpoint> DenseOf(const Scope& scope, int node, const ArrayState& state,
                                   const Shape* first_write = nullptr);
  // A state of the same array that is the tensor `dense`.
  absl::StatusOr<int> NewDenseState(const Scope& scope, int node, const ArrayState& like,
                                    Endpoint dense);
  // The rows `indices` (a scalar: one element) of the dense array.
  absl::StatusOr<Endpoint> GatherRows(const Scope& scope, int node, const ArrayState& state,
                                      Endpoint indices);
  // The rows `indices` of the tensor `from` (GatherV2 on axis 0), and
  // `input` reshaped to `dims`: nodes named after `node`.
  absl::StatusOr<Endpoint> RowsOf(const Scope& scope, int node, Endpoint from, Endpoint indices);
  absl::StatusOr<Endpoint> ReshapeTo(const Scope& scope, int node, Endpoint input,
                                     const Dims& dims, absl::string_view suffix);
  // The dense array with row `index` replaced by `value`.
  absl::StatusOr<int> WriteRow(const Scope& scope, int node, const ArrayState& state,
                               Endpoint index, Endpoint value);
  // ConcatV2 of `values` on axis 0, named after `node`.
  absl::StatusOr<Endpoint> ConcatRows(const Scope& scope, int node, DataType dtype,
                                      std::vector<Endpoint> values);

  // array_appended.cc: arrays that grow in a WHILE.
  // Whether `state` crosses a WHILE as its appended elements rather than
  // as rows of a fixed size.
  bool GrowsInLoop(const ArrayState& state) const;
  // How an array that grows crosses a WHILE: the tensor that carries it
  // in (with its filler row), the shape of its loop variable ([-1, ...]:
  // the first dim grows) and whether it holds rows.
  struct AppendedCarry {
    Endpoint entry;
    Shape shape;
    bool rows = false;
  };
  absl::StatusOr<AppendedCarry> AppendedEntry(const Scope& scope, int node,
                                              const ArrayState& state);
  absl::StatusOr<int> NewAppendedState(const Scope& scope, int node, const ArrayState& like,
                                       Endpoint appended, bool rows, bool filler_row);
  // `appended` without its filler row.
  absl::StatusOr<Endpoint> DropFillerRow(const Scope& scope, int node, Endpoint appended);
  // The array ops on an appended state: appends (a TensorArray write at
  // the loop's counter, a TensorList push) and Concat; on rows also Stack,
  // Gather, Read and Size.
  absl::Status RunAppendedArrayOp(Scope& scope, int node, const std::string& op,
                                  const std::vector<FlowValue>& in, ArrayState state);
  // After a WHILE body ran: whether the TensorArray appends of `next` sit
  // at a counter that starts at the array's size on entry (`entry_size`,
  // -1 when the array entered already grown, which is refused) and steps
  // by one (`entry` and `results` are the While's operands and the body's
  // next values, `region` the body).
  absl::Status CheckAppendCounter(int node, const ArrayState& next, int64_t entry_size,
                                  const Graph& region, const Graph& outer,
                                  const std::vector<Endpoint>& entry,
                                  const std::vector<std::optional<Endpoint>>& results) const;
  // TensorArrayConcat and TensorArraySplit on arrays of separate elements.
  absl::Status ConcatElements(Scope& scope, int node, const ArrayState& state);
  absl::Status SplitIntoElements(Scope& scope, int node, const std::vector<FlowValue>& in,
                                 const ArrayState& state);

  const Graph& graph_;
  const ResolvedLimits& limits_;
  uint64_t unroll_limit_;
  InferStats* stats_;
  LoweredGraph lowered_;
  FoldBudget fold_budget_;  // one for every target
  Target main_;  // the lowered graph
  uint64_t nodes_made_ = 0;  // in every target, against limits.max_nodes
  std::vector<int64_t> outputs_used_;
  std::vector<int> frame_of_;
  std::vector<Frame> frames_;
  absl::flat_hash_map<std::string, int> frame_by_name_;
  bool frames_changed_ = false;
  std::vector<bool> feeds_back_;  // Merge nodes with a NextIteration input
  uint64_t unrolled_ops_ = 0;
  std::vector<Array> arrays_;
  std::vector<ArrayState> states_;
  uint64_t array_work_ = 0;  // element slots copied into states_
  // Per cond predicate node: whether its true / false side was taken.
  absl::flat_hash_map<int, std::pair<bool, bool>> conds_;
  absl::flat_hash_map<int, int64_t> loop_iterations_;  // frame -> total iterations
  absl::flat_hash_map<int, std::string> while_loops_;  // frame -> why it stays a WHILE
  absl::flat_hash_set<int> if_conds_;  // predicates of conds that became If
  absl::flat_hash_set<Endpoint> conds_in_progress_;  // predicates of conds being cut out
};

}  // namespace tflconv

#endif  // TFLCONV_CORE_LEGALIZE_CONTROL_FLOW_EVAL_H_
