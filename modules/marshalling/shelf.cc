// Copyright 2026 The conc Authors. Licensed under the Apache License, Version 2.0.

#include "modules/marshalling/shelf.h"

#include <lmdb.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <utility>

#include "absl/strings/str_cat.h"
#include "modules/common/status.h"

namespace conc::internal {
namespace {

// The named database that holds a shelf's pairs: a file without it is not a shelf.
constexpr char kDatabaseName[] = "conc.shelf.v1";
// Map sizes are kept in whole MiB.
constexpr size_t kMapGranule = size_t{1} << 20;

size_t RoundUpToGranule(size_t n) {
  return std::max(kMapGranule, (n + kMapGranule - 1) / kMapGranule * kMapGranule);
}

MDB_val View(std::string_view s) {
  return MDB_val{s.size(), const_cast<char*>(s.data())};
}

std::string_view View(const MDB_val& v) {
  return std::string_view(static_cast<const char*>(v.mv_data), v.mv_size);
}

// Aborts a transaction that was neither committed nor aborted.
class TxnGuard {
 public:
  explicit TxnGuard(MDB_txn* txn) : txn_(txn) {}
  TxnGuard(const TxnGuard&) = delete;
  TxnGuard& operator=(const TxnGuard&) = delete;
  ~TxnGuard() {
    if (txn_ != nullptr) mdb_txn_abort(txn_);
  }
  MDB_txn* get() const { return txn_; }
  // mdb_txn_commit frees the transaction whatever it returns.
  int Commit() { return mdb_txn_commit(std::exchange(txn_, nullptr)); }
  void Abort() {
    if (txn_ != nullptr) mdb_txn_abort(std::exchange(txn_, nullptr));
  }

 private:
  MDB_txn* txn_;
};

}  // namespace

struct ShelfStore::Env {
  MDB_env* env = nullptr;
  MDB_dbi dbi = 0;
  ~Env() {
    if (env != nullptr) mdb_env_close(env);
  }
};

ShelfStore::ShelfStore(std::string path, const ShelfOptions& options)
    : path_(std::move(path)), options_(options) {}

ShelfStore::~ShelfStore() = default;

absl::Status ShelfStore::Error(absl::StatusCode code, std::string_view message) const {
  const std::string text = absl::StrCat("shelf ", path_, ": ", absl::string_view(message.data(), message.size()));
  return absl::Status(code, text);
}

absl::Status ShelfStore::LmdbError(int rc, std::string_view what) const {
  const std::string detail =
      absl::StrCat(absl::string_view(what.data(), what.size()), ": ", mdb_strerror(rc));
  switch (rc) {
    case MDB_INVALID:
      return Error(absl::StatusCode::kInvalidArgument, "not a conc shelf (" + detail + ")");
    case MDB_VERSION_MISMATCH:
    case MDB_INCOMPATIBLE:
      return Error(absl::StatusCode::kFailedPrecondition, detail);
    case MDB_CORRUPTED:
    case MDB_PAGE_NOTFOUND:
    case MDB_PANIC:
      return Error(absl::StatusCode::kDataLoss, "corrupt (" + detail + ")");
    case MDB_MAP_FULL:
    case MDB_TXN_FULL:
    case MDB_READERS_FULL:
    case MDB_DBS_FULL:
      return Error(absl::StatusCode::kResourceExhausted, detail);
    case MDB_BAD_VALSIZE:
      return Error(absl::StatusCode::kInvalidArgument, detail);
    case MDB_NOTFOUND:
      return Error(absl::StatusCode::kNotFound, detail);
    default:
      if (rc > 0) {
        const absl::Status s = ErrnoToStatus(rc, what);
        return Error(s.code(), std::string(s.message()));
      }
      return Error(absl::StatusCode::kInternal, detail);
  }
}

absl::StatusOr<std::unique_ptr<ShelfStore>> ShelfStore::Open(std::string_view path,
                                                            const ShelfOptions& options) {
  std::unique_ptr<ShelfStore> store(new ShelfStore(std::string(path), options));
  if (absl::Status s = store->OpenEnv(); !s.ok()) return s;
  return store;
}

absl::Status ShelfStore::OpenEnv() {
  const std::string lock = path_ + "-lock";
  struct stat st {};
  const bool exists = ::stat(path_.c_str(), &st) == 0;
  if (!exists && (options_.mode == ShelfMode::kRead || options_.mode == ShelfMode::kWrite)) {
    return Error(absl::StatusCode::kNotFound, "no such shelf (open it with kCreate to create it)");
  }
  if (exists && options_.mode == ShelfMode::kNew) {
    if (::unlink(path_.c_str()) != 0) return Error(ErrnoToStatus(errno, "unlink").code(), "unlink failed");
    ::unlink(lock.c_str());
  }
  if (options_.max_map_size < kMapGranule) {
    return Error(absl::StatusCode::kInvalidArgument, "max_map_size is under 1 MiB");
  }

  auto env = std::make_unique<Env>();
  if (int rc = mdb_env_create(&env->env); rc != 0) return LmdbError(rc, "mdb_env_create");
  map_size_ = std::min(RoundUpToGranule(options_.initial_map_size),
                       options_.max_map_size / kMapGranule * kMapGranule);
  if (int rc = mdb_env_set_mapsize(env->env, map_size_); rc != 0) {
    return LmdbError(rc, "mdb_env_set_mapsize");
  }
  if (int rc = mdb_env_set_maxdbs(env->env, 1); rc != 0) return LmdbError(rc, "mdb_env_set_maxdbs");
  if (int rc = mdb_env_set_maxreaders(env->env, options_.max_readers); rc != 0) {
    return LmdbError(rc, "mdb_env_set_maxreaders");
  }
  const bool read_only = options_.mode == ShelfMode::kRead;
  unsigned flags = MDB_NOSUBDIR | MDB_NOTLS;
  if (!options_.sync) flags |= MDB_NOSYNC;
  if (options_.write_map && !read_only) flags |= MDB_WRITEMAP;
  if (read_only) flags |= MDB_RDONLY;
  if (int rc = mdb_env_open(env->env, path_.c_str(), flags, 0644); rc != 0) {
    return LmdbError(rc, "mdb_env_open");
  }

  // A file shorter than its meta page says (cut, or copied half-way) would
  // fault (SIGBUS) when LMDB touches the missing pages: refuse it first.
  MDB_envinfo info{};
  MDB_stat stat{};
  mdb_env_info(env->env, &info);
  mdb_env_stat(env->env, &stat);
  if (::stat(path_.c_str(), &st) != 0) return Error(ErrnoToStatus(errno, "stat").code(), "stat failed");
  const uint64_t needed = (uint64_t{info.me_last_pgno} + 1) * stat.ms_psize;
  if (static_cast<uint64_t>(st.st_size) < needed) {
    return Error(absl::StatusCode::kDataLoss,
                 absl::StrCat("truncated: the file has ", st.st_size, " bytes, its meta page uses ",
                              needed));
  }
  map_size_ = info.me_mapsize;
  max_key_size_ = static_cast<size_t>(mdb_env_get_maxkeysize(env->env));
  int dead = 0;
  mdb_reader_check(env->env, &dead);  // Frees the reader slots of killed processes.

  // Find the shelf's database; create it only in a file that holds nothing else.
  {
    void* raw = nullptr;
    if (absl::Status s = Begin(*env, false, &raw); !s.ok()) return s;
    TxnGuard txn(static_cast<MDB_txn*>(raw));
    int rc = mdb_dbi_open(txn.get(), kDatabaseName, 0, &env->dbi);
    if (rc == 0) {
      if (rc = txn.Commit(); rc != 0) return LmdbError(rc, "mdb_txn_commit");
    } else if (rc != MDB_NOTFOUND) {
      return LmdbError(rc, "mdb_dbi_open");
    } else {
      MDB_dbi main_dbi = 0;
      if (int s = mdb_dbi_open(txn.get(), nullptr, 0, &main_dbi); s != 0) return LmdbError(s, "mdb_dbi_open");
      MDB_stat main{};
      if (int s = mdb_stat(txn.get(), main_dbi, &main); s != 0) return LmdbError(s, "mdb_stat");
      if (main.ms_entries != 0) {
        return Error(absl::StatusCode::kInvalidArgument,
                     "not a conc shelf: an LMDB file of another program (no database \"" +
                         std::string(kDatabaseName) + "\")");
      }
      if (read_only) {
        return Error(absl::StatusCode::kInvalidArgument,
                     "not a conc shelf: an empty LMDB file (open it with kWrite to make it one)");
      }
      txn.Abort();
      if (absl::Status s = Begin(*env, true, &raw); !s.ok()) return s;
      TxnGuard write(static_cast<MDB_txn*>(raw));
      if (rc = mdb_dbi_open(write.get(), kDatabaseName, MDB_CREATE, &env->dbi); rc != 0) {
        return LmdbError(rc, "mdb_dbi_open");
      }
      if (rc = write.Commit(); rc != 0) return LmdbError(rc, "mdb_txn_commit");
    }
  }
  env_ = std::move(env);
  return absl::OkStatus();
}

absl::Status ShelfStore::Usable(bool writing) const {
  if (env_ == nullptr) return Error(absl::StatusCode::kFailedPrecondition, "the shelf is closed");
  if (writing && options_.mode == ShelfMode::kRead) {
    return Error(absl::StatusCode::kFailedPrecondition, "the shelf is open read-only (kRead)");
  }
  return absl::OkStatus();
}

absl::Status ShelfStore::Begin(Env& env, bool writing, void** txn) {
  for (int attempt = 0;; ++attempt) {
    MDB_txn* raw = nullptr;
    const int rc = mdb_txn_begin(env.env, nullptr, writing ? 0 : MDB_RDONLY, &raw);
    if (rc == 0) {
      *txn = raw;
      return absl::OkStatus();
    }
    // A writer that keeps growing the map may outrun us a few times; each
    // round adopts a larger size, so this ends.
    if (rc != MDB_MAP_RESIZED || attempt >= 1000) return LmdbError(rc, "mdb_txn_begin");
    // Another process grew the map: adopt its size (no transaction is open here).
    if (int s = mdb_env_set_mapsize(env.env, 0); s != 0) return LmdbError(s, "mdb_env_set_mapsize");
    MDB_envinfo info{};
    mdb_env_info(env.env, &info);
    map_size_ = info.me_mapsize;
  }
}

absl::StatusOr<std::optional<std::string>> ShelfStore::Get(std::string_view key) {
  if (absl::Status s = Usable(false); !s.ok()) return s;
  if (key.empty() || key.size() > max_key_size_) return std::optional<std::string>();
  void* raw = nullptr;
  if (absl::Status s = Begin(*env_, false, &raw); !s.ok()) return s;
  TxnGuard txn(static_cast<MDB_txn*>(raw));
  MDB_val k = View(key), v{};
  const int rc = mdb_get(txn.get(), env_->dbi, &k, &v);
  if (rc == MDB_NOTFOUND) return std::optional<std::string>();
  if (rc != 0) return LmdbError(rc, "mdb_get");
  return std::optional<std::string>(View(v));
}

absl::Status ShelfStore::Apply(const std::vector<Write>& writes, bool require_existing) {
  if (absl::Status s = Usable(true); !s.ok()) return s;
  for (const Write& w : writes) {
    if (w.key.empty()) return Error(absl::StatusCode::kInvalidArgument, "a key encodes to no bytes");
    if (w.key.size() > max_key_size_) {
      return Error(absl::StatusCode::kInvalidArgument,
                   absl::StrCat("a key encodes to ", w.key.size(), " bytes, more than LMDB's ",
                                max_key_size_));
    }
  }
  while (true) {
    void* raw = nullptr;
    if (absl::Status s = Begin(*env_, true, &raw); !s.ok()) return s;
    TxnGuard txn(static_cast<MDB_txn*>(raw));
    int rc = 0;
    for (const Write& w : writes) {
      MDB_val k = View(w.key);
      if (w.value.has_value()) {
        MDB_val v = View(*w.value);
        rc = mdb_put(txn.get(), env_->dbi, &k, &v, 0);
      } else {
        rc = mdb_del(txn.get(), env_->dbi, &k, nullptr);
        if (rc == MDB_NOTFOUND) {
          if (require_existing) return Error(absl::StatusCode::kNotFound, "key not in shelf");
          rc = 0;
        }
      }
      if (rc != 0) break;
    }
    if (rc == 0) rc = txn.Commit();
    if (rc == 0) return absl::OkStatus();
    if (rc != MDB_MAP_FULL) return LmdbError(rc, "write");
    // Full: the transaction is gone (aborted by the guard or by the failed
    // commit); grow the map while nothing is open, and write it all again.
    txn.Abort();
    const size_t limit = options_.max_map_size / kMapGranule * kMapGranule;
    if (map_size_ >= limit) {
      return Error(absl::StatusCode::kResourceExhausted,
                   absl::StrCat("the shelf is full: its map is ", map_size_,
                                " bytes, the max_map_size; nothing of this write was stored"));
    }
    const size_t grown = std::min(limit, RoundUpToGranule(map_size_ * 2));
    if (int s = mdb_env_set_mapsize(env_->env, grown); s != 0) return LmdbError(s, "mdb_env_set_mapsize");
    MDB_envinfo info{};
    mdb_env_info(env_->env, &info);
    map_size_ = info.me_mapsize;
  }
}

absl::StatusOr<size_t> ShelfStore::Size() {
  if (absl::Status s = Usable(false); !s.ok()) return s;
  void* raw = nullptr;
  if (absl::Status s = Begin(*env_, false, &raw); !s.ok()) return s;
  TxnGuard txn(static_cast<MDB_txn*>(raw));
  MDB_stat stat{};
  if (int rc = mdb_stat(txn.get(), env_->dbi, &stat); rc != 0) return LmdbError(rc, "mdb_stat");
  return static_cast<size_t>(stat.ms_entries);
}

absl::Status ShelfStore::ForEach(
    const std::function<absl::Status(std::string_view key, std::string_view value)>& fn) {
  if (absl::Status s = Usable(false); !s.ok()) return s;
  void* raw = nullptr;
  if (absl::Status s = Begin(*env_, false, &raw); !s.ok()) return s;
  TxnGuard txn(static_cast<MDB_txn*>(raw));
  MDB_cursor* cursor = nullptr;
  if (int rc = mdb_cursor_open(txn.get(), env_->dbi, &cursor); rc != 0) {
    return LmdbError(rc, "mdb_cursor_open");
  }
  absl::Status status;
  MDB_val k{}, v{};
  int rc = mdb_cursor_get(cursor, &k, &v, MDB_FIRST);
  while (rc == 0 && status.ok()) {
    status = fn(View(k), View(v));
    if (status.ok()) rc = mdb_cursor_get(cursor, &k, &v, MDB_NEXT);
  }
  mdb_cursor_close(cursor);
  if (!status.ok()) return status;
  if (rc != MDB_NOTFOUND) return LmdbError(rc, "mdb_cursor_get");
  return absl::OkStatus();
}

absl::Status ShelfStore::Close() {
  env_.reset();
  return absl::OkStatus();
}

}  // namespace conc::internal
