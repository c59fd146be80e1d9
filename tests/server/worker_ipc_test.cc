// The server-to-worker channel: memfds passed with messages, seals, and
// messages too large for one datagram.
#include "server/worker_ipc.h"

#include <sys/mman.h>
#include <unistd.h>

#include <cstring>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "tflconv/internal/worker.pb.h"

namespace tflconv::server {
namespace {

using ::testing::HasSubstr;

TEST(WorkerIpcTest, AMemfdTravelsWithItsMessage) {
  auto sockets = WorkerSocketPair();
  ASSERT_TRUE(sockets.ok()) << sockets.status();
  auto memory = SharedMemory::Create("test", 10000);
  ASSERT_TRUE(memory.ok()) << memory.status();
  memory->PopulateForWriting(0, memory->size());
  memset(memory->data(), 'g', memory->size());
  ASSERT_TRUE(memory->SealForReaders().ok());
  internal::ToWorker job;
  job.mutable_job()->set_job_id("j-1");
  ASSERT_TRUE(SendMessage(sockets->first.get(), job, {memory->fd()}).ok());

  internal::ToWorker received;
  std::vector<UniqueFd> fds;
  ASSERT_TRUE(ReceiveMessage(sockets->second.get(), &received, &fds).ok());
  EXPECT_EQ(received.job().job_id(), "j-1");
  ASSERT_EQ(fds.size(), 1u);
  auto mapped = SharedMemory::MapReadOnly(std::move(fds[0]));
  ASSERT_TRUE(mapped.ok()) << mapped.status();
  EXPECT_EQ(mapped->view(), memory->view());
}

TEST(WorkerIpcTest, AMessageLargerThanADatagramGoesThroughAMemfd) {
  auto sockets = WorkerSocketPair();
  ASSERT_TRUE(sockets.ok());
  internal::FromWorker done;
  done.mutable_done()->set_message(std::string(1 << 20, 'e'));
  ASSERT_TRUE(SendMessage(sockets->first.get(), done).ok());
  internal::FromWorker received;
  std::vector<UniqueFd> fds;
  ASSERT_TRUE(ReceiveMessage(sockets->second.get(), &received, &fds).ok());
  EXPECT_EQ(received.done().message(), done.done().message());
  EXPECT_TRUE(fds.empty());
}

TEST(WorkerIpcTest, AMemfdThatCouldShrinkIsRefused) {
  auto memory = SharedMemory::Create("test", 4096);
  ASSERT_TRUE(memory.ok());
  UniqueFd copy(dup(memory->fd()));
  auto mapped = SharedMemory::MapReadOnly(std::move(copy));
  EXPECT_EQ(mapped.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(mapped.status().message(), HasSubstr("not sealed against shrinking"));
}

TEST(WorkerIpcTest, AFrozenMemfdCannotBeWrittenAgain) {
  auto memory = SharedMemory::Create("test", 4096);
  ASSERT_TRUE(memory.ok());
  memory->data()[0] = 'a';
  auto fd = std::move(*memory).Freeze();
  ASSERT_TRUE(fd.ok()) << fd.status();
  EXPECT_TRUE(IsFrozen(fd->get()));
  EXPECT_EQ(mmap(nullptr, 4096, PROT_READ | PROT_WRITE, MAP_SHARED, fd->get(), 0), MAP_FAILED);
  EXPECT_NE(write(fd->get(), "b", 1), 1);
  auto mapped = SharedMemory::MapReadOnly(*std::move(fd));
  ASSERT_TRUE(mapped.ok()) << mapped.status();
  EXPECT_EQ(mapped->data()[0], 'a');
}

// A graph's memfd, kept by the server for later uploads: the worker it is
// passed to can read it and nothing more; the server goes on writing it.
TEST(WorkerIpcTest, AMemfdSealedForReadersIsWrittenOnlyThroughTheSendersMapping) {
  auto memory = SharedMemory::Create("test", 8192);
  ASSERT_TRUE(memory.ok());
  memory->data()[0] = 'a';
  ASSERT_TRUE(memory->SealForReaders().ok());
  UniqueFd passed(dup(memory->fd()));
  EXPECT_EQ(mmap(nullptr, 8192, PROT_READ | PROT_WRITE, MAP_SHARED, passed.get(), 0), MAP_FAILED);
  EXPECT_NE(pwrite(passed.get(), "b", 1, 0), 1);
  EXPECT_NE(ftruncate(passed.get(), 4096), 0);
  auto mapped = SharedMemory::MapReadOnly(std::move(passed), 4096);
  ASSERT_TRUE(mapped.ok()) << mapped.status();
  EXPECT_EQ(mapped->size(), 4096u);
  EXPECT_NE(mprotect(mapped->data(), 4096, PROT_READ | PROT_WRITE), 0);
  memory->data()[0] = 'c';
  EXPECT_EQ(mapped->data()[0], 'c');
}

TEST(WorkerIpcTest, AGrownMemfdKeepsItsContents) {
  auto memory = SharedMemory::Create("test", 4096);
  ASSERT_TRUE(memory.ok());
  memset(memory->data(), 'k', 4096);
  ASSERT_TRUE(memory->SealAgainstShrinking().ok());
  ASSERT_TRUE(memory->Grow(3 * 4096).ok());
  ASSERT_EQ(memory->size(), 3u * 4096);
  memory->data()[3 * 4096 - 1] = 'z';
  EXPECT_EQ(memory->view().substr(0, 4096), std::string(4096, 'k'));
  EXPECT_FALSE(IsFrozen(memory->fd()));
  auto mapped = SharedMemory::MapReadOnly(UniqueFd(dup(memory->fd())));
  ASSERT_TRUE(mapped.ok()) << mapped.status();
  EXPECT_EQ(mapped->view(), memory->view());
}

TEST(WorkerIpcTest, APeerThatClosedIsUnavailable) {
  auto sockets = WorkerSocketPair();
  ASSERT_TRUE(sockets.ok());
  sockets->first.Reset();
  internal::FromWorker received;
  std::vector<UniqueFd> fds;
  EXPECT_TRUE(absl::IsUnavailable(ReceiveMessage(sockets->second.get(), &received, &fds)));
  EXPECT_TRUE(absl::IsUnavailable(SendMessage(sockets->second.get(), received)));
}

}  // namespace
}  // namespace tflconv::server
