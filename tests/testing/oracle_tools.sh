# Sourced by the end-to-end test scripts: finds the TensorFlow-semantics
# reference and the TFLite runtime oracle under SHARED_DIR, or skips the
# test loudly (exit 77) when ../shared is absent.
#
#   . oracle_tools.sh; find_oracle_tools SHARED_DIR "what is not checked"
#   -> sets $reference and $oracle
find_oracle_tools() {
  reference=$1/graphdef-reference/reference
  oracle=$1/tflite-oracle/oracle
  if [[ ! -x $reference || ! -x $oracle ]]; then
    echo "SKIP: needs $reference and $oracle (../shared is absent); $2 was NOT checked" >&2
    exit 77
  fi
}
