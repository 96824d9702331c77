// Copyright 2026 The conc Authors. Licensed under the Apache License, Version 2.0.
//
// The callback ("reactor") service of WorkQueueServer (ServerApi::kCallback).
//
// A streaming call is a reactor: gRPC calls OnReadDone / OnWriteDone when an
// operation completes, OnCancel when the call is cancelled, and OnDone last.
// The core calls a reactor's listener after each step of its task. Rules kept
// by every reactor here:
//   * at most one write in flight (writing_), and Finish exactly once
//     (finished_), decided under the reactor's mutex;
//   * StartWrite, StartRead and Finish are called with no lock held: gRPC may
//     run the next reaction (OnWriteDone...) inline, on the calling thread;
//   * a reactor is owned by a shared_ptr: gRPC's reference (self_) is dropped
//     in OnDone, and a listener call in flight holds its own (weak_ptr::lock),
//     so a reactor outlives every call into it. After Finish, Next does nothing.

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "grpcpp/grpcpp.h"
#include "modules/common/internal/mutex.h"
#include "modules/sockets/grpc_status.h"
#include "modules/sockets/internal/work_queue_services.h"
#include "modules/sockets/work_queue.grpc.pb.h"

namespace conc::internal {
namespace {

using sockets::WorkQueue;

// One Progress per step, then the final status; each write started by the
// previous one's OnWriteDone or by the core's listener, whichever sees work.
class WatchReactor final : public grpc::ServerWriteReactor<sockets::WatchEvent>,
                           public std::enable_shared_from_this<WatchReactor> {
 public:
  static WatchReactor* Start(WorkQueueCore* core, const sockets::WatchRequest& request) {
    auto reactor = std::shared_ptr<WatchReactor>(new WatchReactor(core, request));
    reactor->self_ = reactor;
    std::weak_ptr<WatchReactor> weak = reactor;
    reactor->listener_ = core->Listen(request.task_id(), [weak] {
      if (auto r = weak.lock()) r->Next();
    });
    reactor->Next();
    return reactor.get();
  }

  void OnWriteDone(bool ok) override {
    {
      MutexLock lock(mu_);
      writing_ = false;
      if (!ok) abandoned_ = true;  // the client is gone
    }
    if (!ok) Abandon();
    Next();
  }

  void OnCancel() override {
    {
      MutexLock lock(mu_);
      abandoned_ = true;
    }
    Abandon();
    Next();
  }

  void OnDone() override {
    core_->Unlisten(listener_);
    self_.reset();  // the last reference may be a listener call's, still running
  }

 private:
  WatchReactor(WorkQueueCore* core, const sockets::WatchRequest& request)
      : core_(core), id_(request.task_id()), cancel_on_abandon_(request.cancel_on_abandon()) {}

  void Abandon() {
    if (cancel_on_abandon_) core_->Cancel(id_, kWatcherWentAway).IgnoreError();
  }

  void Next() {
    enum { kNothing, kWrite, kWriteLast, kFinish } action = kNothing;
    grpc::Status status;
    {
      MutexLock lock(mu_);
      if (writing_ || finished_) return;
      // Re-read the task only once the steps already known are all sent.
      absl::Status found = absl::OkStatus();
      if (sent_ == known_.steps_done() && !IsEnded(known_.state())) {
        absl::StatusOr<sockets::TaskStatus> task = core_->Get(id_);
        if (task.ok()) known_ = *std::move(task);
        found = task.status();
      }
      if (abandoned_ || !found.ok()) {
        action = kFinish;
        status = abandoned_ ? grpc::Status(grpc::StatusCode::CANCELLED, "the watcher went away")
                            : ToGrpcStatus(found);
      } else if (sent_ < known_.steps_done()) {
        event_ = ProgressEvent(id_, ++sent_, known_.total_steps());
        action = kWrite;
        writing_ = true;
      } else if (IsEnded(known_.state())) {
        event_ = FinalEvent(known_);
        action = kWriteLast;
      }
      if (action == kFinish || action == kWriteLast) finished_ = true;
    }
    switch (action) {
      case kWrite: StartWrite(&event_); break;
      case kWriteLast: StartWriteAndFinish(&event_, grpc::WriteOptions(), grpc::Status::OK); break;
      case kFinish: Finish(status); break;
      case kNothing: break;
    }
  }

  WorkQueueCore* const core_;
  const int64_t id_;
  const bool cancel_on_abandon_;
  std::shared_ptr<WatchReactor> self_;  // gRPC's reference, until OnDone
  uint64_t listener_ = 0;

  Mutex mu_;
  // The write in flight: gRPC reads it until OnWriteDone, without mu_; Next
  // changes it only under mu_ and while !writing_.
  sockets::WatchEvent event_;
  sockets::TaskStatus known_ ABSL_GUARDED_BY(mu_);  // the task as last read
  int64_t sent_ ABSL_GUARDED_BY(mu_) = 0;
  bool writing_ ABSL_GUARDED_BY(mu_) = false;
  bool finished_ ABSL_GUARDED_BY(mu_) = false;
  bool abandoned_ ABSL_GUARDED_BY(mu_) = false;
};

// Submits each task as it arrives; the summary when the client half-closes.
class BatchReactor final : public grpc::ServerReadReactor<sockets::SubmitRequest> {
 public:
  BatchReactor(WorkQueueCore* core, sockets::BatchSummary* summary)
      : core_(core), summary_(summary) {
    StartRead(&request_);
  }

  void OnReadDone(bool ok) override {
    if (!ok) {  // half-close, or cancelled (then the status goes nowhere)
      Finish(grpc::Status::OK);
      return;
    }
    Account(core_->Submit(request_.spec()), summary_);
    StartRead(&request_);
  }

  void OnDone() override { delete this; }

 private:
  WorkQueueCore* const core_;
  sockets::BatchSummary* const summary_;
  sockets::SubmitRequest request_;
};

// Reads and submits; writes each task's event when it ends; finishes once the
// client has half-closed and every task has been reported. A cancel cancels the
// session's unfinished tasks.
class SessionReactor final
    : public grpc::ServerBidiReactor<sockets::SessionRequest, sockets::SessionEvent>,
      public std::enable_shared_from_this<SessionReactor> {
 public:
  static SessionReactor* Start(WorkQueueCore* core) {
    auto reactor = std::shared_ptr<SessionReactor>(new SessionReactor(core));
    reactor->self_ = reactor;
    reactor->StartRead(&reactor->request_);
    return reactor.get();
  }

  void OnReadDone(bool ok) override {
    if (!ok) {
      {
        MutexLock lock(mu_);
        reading_done_ = true;
      }
      Next();
      return;
    }
    absl::StatusOr<int64_t> id = core_->Submit(request_.spec());
    if (!id.ok()) {
      MutexLock lock(mu_);
      out_.push_back(Rejected(request_.tag(), id.status()));
    } else {
      std::weak_ptr<SessionReactor> weak = weak_from_this();
      const int64_t task = *id;
      const uint64_t listener = core_->Listen(task, [weak, task] {
        if (auto r = weak.lock()) r->TaskChanged(task);
      });
      MutexLock lock(mu_);
      pending_.emplace(task, request_.tag());
      listeners_.push_back(listener);
    }
    if (id.ok()) TaskChanged(*id);  // it may have ended before Listen
    StartRead(&request_);
    Next();
  }

  void OnWriteDone(bool ok) override {
    {
      MutexLock lock(mu_);
      writing_ = false;
    }
    if (!ok) OnCancel();
    Next();
  }

  void OnCancel() override {
    std::vector<int64_t> unfinished;
    {
      MutexLock lock(mu_);
      cancelled_ = true;
      for (const auto& [task, tag] : pending_) unfinished.push_back(task);
    }
    for (int64_t task : unfinished) core_->Cancel(task, kSessionWentAway).IgnoreError();
    Next();
  }

  void OnDone() override {
    std::vector<uint64_t> listeners;
    {
      MutexLock lock(mu_);
      listeners.swap(listeners_);
    }
    for (uint64_t listener : listeners) core_->Unlisten(listener);
    self_.reset();
  }

 private:
  explicit SessionReactor(WorkQueueCore* core) : core_(core) {}

  void TaskChanged(int64_t task) {
    {
      MutexLock lock(mu_);
      auto it = pending_.find(task);
      if (it == pending_.end()) return;
      absl::StatusOr<sockets::TaskStatus> status = core_->Get(task);
      if (status.ok() && !IsEnded(status->state())) return;
      out_.push_back(status.ok() ? Finished(it->second, *status)
                                 : Rejected(it->second, status.status()));
      pending_.erase(it);
    }
    Next();
  }

  void Next() {
    enum { kNothing, kWrite, kFinish } action = kNothing;
    grpc::Status status = grpc::Status::OK;
    {
      MutexLock lock(mu_);
      if (writing_ || finished_) return;
      if (cancelled_) {
        action = kFinish;
        status = grpc::Status(grpc::StatusCode::CANCELLED, "the session was cancelled");
      } else if (!out_.empty()) {
        event_ = std::move(out_.front());
        out_.erase(out_.begin());
        action = kWrite;
        writing_ = true;
      } else if (reading_done_ && pending_.empty()) {
        action = kFinish;
      }
      if (action == kFinish) finished_ = true;
    }
    if (action == kWrite) StartWrite(&event_);
    if (action == kFinish) Finish(status);
  }

  WorkQueueCore* const core_;
  std::shared_ptr<SessionReactor> self_;  // gRPC's reference, until OnDone
  sockets::SessionRequest request_;       // the read in flight (one at a time)

  Mutex mu_;
  std::map<int64_t, std::string> pending_ ABSL_GUARDED_BY(mu_);  // task id -> tag, until reported
  std::vector<sockets::SessionEvent> out_ ABSL_GUARDED_BY(mu_);  // events waiting to be written
  std::vector<uint64_t> listeners_ ABSL_GUARDED_BY(mu_);
  sockets::SessionEvent event_;  // the write in flight: as WatchReactor's
  bool writing_ ABSL_GUARDED_BY(mu_) = false;
  bool reading_done_ ABSL_GUARDED_BY(mu_) = false;
  bool cancelled_ ABSL_GUARDED_BY(mu_) = false;
  bool finished_ ABSL_GUARDED_BY(mu_) = false;
};

class CallbackWorkQueueService final : public WorkQueue::CallbackService {
 public:
  explicit CallbackWorkQueueService(WorkQueueCore* core) : core_(core) {}

  grpc::ServerUnaryReactor* Submit(grpc::CallbackServerContext* context,
                                   const sockets::SubmitRequest* request,
                                   sockets::SubmitReply* reply) override {
    grpc::ServerUnaryReactor* reactor = context->DefaultReactor();
    absl::StatusOr<int64_t> id = core_->Submit(request->spec());
    if (id.ok()) reply->set_task_id(*id);
    reactor->Finish(id.ok() ? grpc::Status::OK : ToGrpcStatus(id.status()));
    return reactor;
  }

  grpc::ServerUnaryReactor* Status(grpc::CallbackServerContext* context,
                                   const sockets::TaskRef* request,
                                   sockets::TaskStatus* reply) override {
    return Reply(context, core_->Get(request->task_id()), reply);
  }

  grpc::ServerUnaryReactor* Cancel(grpc::CallbackServerContext* context,
                                   const sockets::TaskRef* request,
                                   sockets::TaskStatus* reply) override {
    return Reply(context, core_->Cancel(request->task_id(), kCancelledByClient), reply);
  }

  grpc::ServerWriteReactor<sockets::WatchEvent>* Watch(
      grpc::CallbackServerContext*, const sockets::WatchRequest* request) override {
    return WatchReactor::Start(core_, *request);
  }

  grpc::ServerReadReactor<sockets::SubmitRequest>* SubmitBatch(
      grpc::CallbackServerContext*, sockets::BatchSummary* summary) override {
    return new BatchReactor(core_, summary);
  }

  grpc::ServerBidiReactor<sockets::SessionRequest, sockets::SessionEvent>* Session(
      grpc::CallbackServerContext*) override {
    return SessionReactor::Start(core_);
  }

 private:
  static grpc::ServerUnaryReactor* Reply(grpc::CallbackServerContext* context,
                                         absl::StatusOr<sockets::TaskStatus> status,
                                         sockets::TaskStatus* reply) {
    grpc::ServerUnaryReactor* reactor = context->DefaultReactor();
    if (status.ok()) *reply = *std::move(status);
    reactor->Finish(status.ok() ? grpc::Status::OK : ToGrpcStatus(status.status()));
    return reactor;
  }

  WorkQueueCore* core_;
};

}  // namespace

std::unique_ptr<grpc::Service> MakeCallbackWorkQueueService(WorkQueueCore* core) {
  return std::make_unique<CallbackWorkQueueService>(core);
}

}  // namespace conc::internal
