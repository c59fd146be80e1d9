// The worker process mode of tflconv-server (--isolation=process): the
// server starts its own binary as `tflconv-server --worker_fd=3`, which
// enters the sandbox (server/sandbox.h) and converts the jobs the server
// sends over fd 3, one at a time, until the server closes it
// (server/worker_pool.h is the other end). Hidden from --help: only the
// server starts workers.
//
// Test hooks: when the environment variable TFLCONV_WORKER_TEST_HOOKS is
// set (the server passes it on to its workers), a graph whose bytes carry
// "tflconv-test-hook:segv", ":spin", ":alloc", ":wait", ":sandbox",
// ":scribble" or ":spy" makes the worker raise SIGSEGV, loop forever,
// allocate until its memory limit stops it, wait until the job is
// cancelled (or past its deadline; first a progress of stage "wait" tells
// that the worker has the job), fail the job with what the sandbox
// answered to open, socket and fork, overwrite the memfds it keeps for
// artifacts before converting, or keep a mapping of every graph memfd it
// is given and fail the job saying whether any holds the bytes
// "tflconv-test-secret" (the last two as a worker a graph took over
// could). Without the variable graphs are converted whatever they carry.
#ifndef TFLCONV_SERVER_WORKER_MAIN_H_
#define TFLCONV_SERVER_WORKER_MAIN_H_

#include <cstddef>

namespace tflconv::server {

inline constexpr char kWorkerFdFlag[] = "--worker_fd=";
inline constexpr char kWorkerTestHooksEnv[] = "TFLCONV_WORKER_TEST_HOOKS";
// A job's artifacts are built in memfds a worker keeps from job to job
// (server/worker_main.cc), at most this many; the server streams one of
// this size or more straight from there (lent: the worker gets no other job
// meanwhile) and copies a smaller one out as it arrives.
inline constexpr size_t kLentArtifactBytes = 1 << 20;
inline constexpr size_t kMaxKeptArtifacts = 2;

// True when argv asks for the worker mode.
bool IsWorkerInvocation(int argc, char** argv);

// Runs the worker mode; the process's exit code.
int WorkerMain(int argc, char** argv);

}  // namespace tflconv::server

#endif  // TFLCONV_SERVER_WORKER_MAIN_H_
