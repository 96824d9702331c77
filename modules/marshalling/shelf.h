// Copyright 2026 The conc Authors. Licensed under the Apache License, Version 2.0.
//
// shelf.h: conc::Shelf<K, V>, Python's `shelve`: a persistent dictionary in a
// file, on LMDB (Debian's liblmdb).
//
//   Python                                   C++
//   import shelve                            #include "modules/marshalling/shelf.h"
//   db = shelve.open("scores")               auto db = conc::Shelf<std::string, Score>::Open("scores.lmdb");
//   db["alice"] = Score(3, "ok")             absl::Status s = db->set("alice", Score{3, "ok"});
//   db["alice"]                              absl::StatusOr<Score> v = db->at("alice");  // NotFound: KeyError
//   db.get("bob")                            absl::StatusOr<std::optional<Score>> v = db->get("bob");
//   "alice" in db                            absl::StatusOr<bool> in = db->contains("alice");
//   del db["alice"]                          absl::Status s = db->erase("alice");        // NotFound: KeyError
//   list(db.keys()), len(db)                 db->keys(), db->size()
//   for k, v in db.items(): ...              absl::Status s = db->for_each([](const K& k, const V& v) {...});
//   (no transactions)                        auto txn = db->transaction(); txn.set(a, x); txn.erase(b);
//                                            absl::Status s = txn.commit();  // all or nothing
//   db.close()                               absl::Status s = db->close();   // or the destructor
//
// Keys and values are encoded with THE codec (modules/common/codec.h), so any
// type that goes through a Pipe goes on a Shelf too, user structs included
// (CONC_CODEC_FIELDS). Python's shelve pickles values and needs str keys;
// here a key is any encodable type whose encoding is at most 511 bytes
// (LMDB's limit; a longer one is InvalidArgument). keys(), for_each() and
// items() go in the order of the keys' encodings (bytewise), which is not K's
// operator< (little-endian integers, length-prefixed strings): shelve's order
// is arbitrary too.
//
// THE FILE. `path` is the data file; LMDB keeps its lock table beside it in
// `path + "-lock"` (both are needed while the shelf is open; delete both to
// remove a shelf). The data live in LMDB's named database "conc.shelf.v1",
// so the file of another LMDB program is refused instead of misread.
//
// PROCESSES. One writer at a time and any number of readers, in any number of
// processes, at once: a reader sees the last committed state when its call
// began and never waits for the writer; writers queue on LMDB's robust
// process-shared mutex. A Shelf must not be carried across fork(): open it
// again in the child (LMDB's rule).
//
// DURABILITY. A call that returned OK (set, erase, commit) is committed: it
// survives the writing process being killed (kill -9) at any instant, and the
// next open finds every committed write and none of an interrupted one (LMDB's
// copy-on-write B-tree; a dead writer's lock and reader slots are recovered).
// With `ShelfOptions::sync` (the default) each commit is also fsync'ed, so it
// survives a crash of the machine; without it, only a crash of the process.
//
// SIZE. LMDB maps the file into memory at a fixed size. The map starts at
// `initial_map_size` and doubles whenever a commit needs more, up to
// `max_map_size`; past that a write is ResourceExhausted ("shelf ... is
// full"), and nothing of it is written. Another process's growth is picked up
// at the next call.
//
// ERRORS (absl::Status, Python's exception in brackets):
//   a key not in the shelf (at, erase)          NotFound (KeyError)
//   no such file in kRead/kWrite mode           NotFound (dbm.error)
//   not an LMDB file, or not a conc shelf       InvalidArgument "not a conc shelf ..."
//   an LMDB of another version                  FailedPrecondition
//   a file shorter than its own meta page says  DataLoss "truncated"
//   (cut, copied half-way), LMDB's own
//   corruption checks, a value or key that
//   does not decode as V or K
//   a write in kRead mode                       FailedPrecondition
//   the map cannot grow, a transaction too big  ResourceExhausted
//   a call after close()                        FailedPrecondition
// Every message names the path. LMDB checks the meta pages of a file (magic,
// version, sizes) and some page headers, but trusts the B-tree pages inside
// it: a Shelf is for files your programs wrote, not for untrusted files (use
// object streams or the codec for bytes from elsewhere).
//
// Thread-safety: a Shelf object is used by one thread at a time (like
// Python's shelve); open one Shelf per thread for concurrent use.

#ifndef MODULES_MARSHALLING_SHELF_H_
#define MODULES_MARSHALLING_SHELF_H_

#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "modules/common/codec.h"

namespace conc {

// shelve.open's flag.
enum class ShelfMode {
  kRead,    // 'r': an existing shelf, read only.
  kWrite,   // 'w': an existing shelf, read and write.
  kCreate,  // 'c' (the default): read and write, created if missing.
  kNew,     // 'n': a new, empty shelf (an existing one is emptied).
};

struct ShelfOptions {
  ShelfMode mode = ShelfMode::kCreate;
  // fsync at each commit (see DURABILITY). Off: MDB_NOSYNC.
  bool sync = true;
  // Commit by writing into the memory map itself (MDB_WRITEMAP) instead of
  // write(2): a commit costs about a quarter (see the benchmarks), committed
  // writes still survive kill -9, but the file is as large as the map
  // (sparse), and a stray write through a bad pointer in this process could
  // damage the store. Ignored in kRead mode.
  bool write_map = false;
  // The first size of the memory map, and the largest it may grow to.
  size_t initial_map_size = size_t{8} << 20;
  size_t max_map_size = size_t{64} << 30;
  // Reader slots in the lock table: processes (or threads) reading at once.
  unsigned max_readers = 126;
  // The codec's memory budget for each decoded value.
  DecodeOptions decode = {};
};

namespace internal {

// The untyped store under Shelf<K, V>: bytes to bytes, in one LMDB file.
class ShelfStore {
 public:
  // One write of a batch: `value` nullopt is an erase.
  struct Write {
    std::string key;
    std::optional<std::string> value;
  };

  static absl::StatusOr<std::unique_ptr<ShelfStore>> Open(std::string_view path,
                                                          const ShelfOptions& options);
  ~ShelfStore();

  absl::StatusOr<std::optional<std::string>> Get(std::string_view key);
  // Applies the writes in one transaction; `erased`, if given, receives for
  // each write whether its key existed. A batch with `require_existing` set
  // fails with NotFound, writing nothing, if an erased key is missing.
  absl::Status Apply(const std::vector<Write>& writes, bool require_existing);
  absl::StatusOr<size_t> Size();
  // Calls `fn` on every pair in key order, in one read transaction, until it
  // returns a non-OK status (which is returned).
  absl::Status ForEach(
      const std::function<absl::Status(std::string_view key, std::string_view value)>& fn);
  absl::Status Close();

  const std::string& path() const { return path_; }
  const DecodeOptions& decode_options() const { return options_.decode; }
  // The current size of the memory map.
  size_t map_size() const { return map_size_; }
  // A status with the path in front of the message.
  absl::Status Error(absl::StatusCode code, std::string_view message) const;

 private:
  struct Env;
  ShelfStore(std::string path, const ShelfOptions& options);
  absl::Status OpenEnv();
  absl::Status Usable(bool writing) const;
  absl::Status LmdbError(int rc, std::string_view what) const;
  // Begins a transaction on `env`, adopting a map another process grew (also
  // while opening: a writer may grow the map between our open and our first
  // transaction).
  absl::Status Begin(Env& env, bool writing, void** txn);

  std::string path_;
  ShelfOptions options_;
  std::unique_ptr<Env> env_;
  size_t map_size_ = 0;
  size_t max_key_size_ = 0;
};

}  // namespace internal

template <Encodable K, Encodable V>
class Shelf {
 public:
  // shelve.open(path, flag): see ShelfMode and the errors above.
  static absl::StatusOr<Shelf> Open(std::string_view path, const ShelfOptions& options = {}) {
    absl::StatusOr<std::unique_ptr<internal::ShelfStore>> store =
        internal::ShelfStore::Open(path, options);
    if (!store.ok()) return store.status();
    return Shelf(*std::move(store));
  }

  // A moved-from Shelf may only be destroyed or assigned to.
  Shelf(Shelf&&) noexcept = default;
  Shelf& operator=(Shelf&&) noexcept = default;
  ~Shelf() = default;  // Closes.

  // db[key] = value: one committed transaction.
  [[nodiscard]] absl::Status set(const K& key, const V& value) {
    return store_->Apply({{Encode(key), Encode(value)}}, false);
  }

  // db[key]: NotFound (KeyError) if missing.
  [[nodiscard]] absl::StatusOr<V> at(const K& key) {
    absl::StatusOr<std::optional<V>> value = get(key);
    if (!value.ok()) return value.status();
    if (!value->has_value()) return store_->Error(absl::StatusCode::kNotFound, "key not in shelf");
    return **std::move(value);
  }

  // db.get(key): nullopt if missing.
  [[nodiscard]] absl::StatusOr<std::optional<V>> get(const K& key) {
    absl::StatusOr<std::optional<std::string>> bytes = store_->Get(Encode(key));
    if (!bytes.ok()) return bytes.status();
    if (!bytes->has_value()) return std::optional<V>();
    absl::StatusOr<V> value = DecodeBytes<V>(**bytes, "value");
    if (!value.ok()) return value.status();
    return std::optional<V>(*std::move(value));
  }

  // key in db
  [[nodiscard]] absl::StatusOr<bool> contains(const K& key) {
    absl::StatusOr<std::optional<std::string>> bytes = store_->Get(Encode(key));
    if (!bytes.ok()) return bytes.status();
    return bytes->has_value();
  }

  // del db[key]: NotFound (KeyError) if missing.
  [[nodiscard]] absl::Status erase(const K& key) {
    return store_->Apply({{Encode(key), std::nullopt}}, true);
  }

  // len(db)
  [[nodiscard]] absl::StatusOr<size_t> size() { return store_->Size(); }

  // for key, value in db.items(): in the order of the keys' encodings, over
  // one consistent snapshot. `fn` returns nothing, or a status: a non-OK one
  // stops the walk and is returned.
  template <typename F>
  [[nodiscard]] absl::Status for_each(F&& fn) {
    return store_->ForEach([&](std::string_view k, std::string_view v) -> absl::Status {
      absl::StatusOr<K> key = DecodeBytes<K>(k, "key");
      if (!key.ok()) return key.status();
      absl::StatusOr<V> value = DecodeBytes<V>(v, "value");
      if (!value.ok()) return value.status();
      if constexpr (std::is_void_v<std::invoke_result_t<F&, const K&, const V&>>) {
        fn(*key, *value);
        return absl::OkStatus();
      } else {
        return fn(*key, *value);
      }
    });
  }

  // list(db.keys())
  [[nodiscard]] absl::StatusOr<std::vector<K>> keys() {
    std::vector<K> out;
    absl::Status s = store_->ForEach([&](std::string_view k, std::string_view) -> absl::Status {
      absl::StatusOr<K> key = DecodeBytes<K>(k, "key");
      if (!key.ok()) return key.status();
      out.push_back(*std::move(key));
      return absl::OkStatus();
    });
    if (!s.ok()) return s;
    return out;
  }

  // list(db.items())
  [[nodiscard]] absl::StatusOr<std::vector<std::pair<K, V>>> items() {
    std::vector<std::pair<K, V>> out;
    absl::Status s = for_each([&](const K& k, const V& v) { out.emplace_back(k, v); });
    if (!s.ok()) return s;
    return out;
  }

  // A batch of writes committed together, or not at all. The writes are kept
  // in memory and applied in one LMDB transaction by commit(); before that no
  // reader (nor this Shelf) sees them, and a Transaction destroyed without
  // commit() writes nothing. The shelf must outlive it.
  class Transaction {
   public:
    void set(const K& key, const V& value) { writes_.push_back({Encode(key), Encode(value)}); }
    // Erasing a key that is not there is not an error in a batch.
    void erase(const K& key) { writes_.push_back({Encode(key), std::nullopt}); }
    size_t pending() const { return writes_.size(); }
    // Commits every write, in order. Errors as for Shelf::set; on error
    // nothing is written. The transaction is empty afterwards either way.
    [[nodiscard]] absl::Status commit() {
      std::vector<internal::ShelfStore::Write> writes = std::move(writes_);
      writes_.clear();
      return store_->Apply(writes, false);
    }
    // Drops the pending writes.
    void rollback() { writes_.clear(); }

   private:
    friend class Shelf;
    explicit Transaction(internal::ShelfStore* store) : store_(store) {}
    internal::ShelfStore* store_;
    std::vector<internal::ShelfStore::Write> writes_;
  };

  Transaction transaction() { return Transaction(store_.get()); }

  // db.close(): later calls are FailedPrecondition. Idempotent.
  [[nodiscard]] absl::Status close() { return store_->Close(); }

  const std::string& path() const { return store_->path(); }
  // The current size of the memory map (grows, see SIZE).
  size_t map_size() const { return store_->map_size(); }

 private:
  explicit Shelf(std::unique_ptr<internal::ShelfStore> store) : store_(std::move(store)) {}

  template <typename T>
  absl::StatusOr<T> DecodeBytes(std::string_view bytes, std::string_view what) const {
    absl::StatusOr<T> value = Decode<T>(bytes, store_->decode_options());
    if (!value.ok()) {
      // DataLoss, or ResourceExhausted for a value over the memory budget.
      return store_->Error(value.status().code(),
                           std::string("a stored ") + std::string(what) +
                               " does not decode: " + std::string(value.status().message()));
    }
    return value;
  }

  std::unique_ptr<internal::ShelfStore> store_;
};

}  // namespace conc

#endif  // MODULES_MARSHALLING_SHELF_H_
