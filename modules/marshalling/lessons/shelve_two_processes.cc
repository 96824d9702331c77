// Copyright 2026 The conc Authors. Licensed under the Apache License, Version 2.0.
//
// shelve_two_processes: one persistent dictionary, two processes.
//
//   import shelve                                  #include "modules/marshalling/shelf.h"
//   with shelve.open("stock") as db:               auto db = conc::Shelf<std::string, Item>::Open(path);
//       db["apples"] = Item(12, 0.5)               db->set("apples", Item{12, 0.5});
//   p = Process(target=restock, args=("stock",))   conc::Process p(conc::process_function<restock>, path);
//   p.start(); p.join()                            p.start(); p.join();
//   db["pears"]                                    db->at("pears")
//
// The parent keeps the shelf open and reads while a spawned child opens the
// same file and commits a batch of writes in one transaction; the parent sees
// the batch whole, as soon as it is committed, without reopening. Python's
// shelve (on dbm) allows one writer and no concurrent readers at all; LMDB
// gives one writer and any number of readers, in any processes, at once.
// The keys come in the order of their encodings: a string's length first, so
// "pears" and "plums" before "apples" (shelve's order is arbitrary too).

#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include "modules/common/codec.h"
#include "modules/common/lesson.h"
#include "modules/marshalling/shelf.h"
#include "modules/threads/process.h"

namespace {

// A record with its fields declared once: the codec stores it.
struct Item {
  int count = 0;
  double price = 0;
  CONC_CODEC_FIELDS(count, price);
};

using Stock = conc::Shelf<std::string, Item>;

void Show(Stock& db, const std::string& who) {
  conc::CheckOk(db.for_each([&](const std::string& name, const Item& item) {
    std::printf("  %s sees %-8s count=%-3d price=%.2f\n", who.c_str(), name.c_str(), item.count,
                item.price);
  }),
                "db.items()");
}

}  // namespace

// The child: opens the parent's shelf, reads it, and restocks in one transaction.
void restock(std::string path) {
  Stock db = conc::ValueOrDie(Stock::Open(path), "child: shelve.open");
  const Item apples = conc::ValueOrDie(db.at("apples"), "child: db['apples']");
  std::printf("child: db['apples'].count = %d, restocking\n", apples.count);
  Stock::Transaction txn = db.transaction();
  txn.set("apples", Item{apples.count + 30, apples.price});
  txn.set("pears", Item{20, 0.75});
  txn.set("plums", Item{45, 0.2});
  conc::CheckOk(txn.commit(), "child: txn.commit()");
  std::printf("child: committed %s\n", "apples, pears and plums together");
}
CONC_PROCESS_FUNCTION(restock);

int main(int argc, char** argv) {
  conc::ProcessMain(argc, argv);  // The child runs restock() here.
  conc::InitLesson(argc, argv, "A Shelf (shelve on LMDB) shared by two processes.");
  const char* dir = std::getenv("TEST_TMPDIR");
  const std::string path = std::string(dir ? dir : "/tmp") + "/stock.lmdb";

  conc::Heading("parent: db = shelve.open('stock', 'n'); db['apples'] = ...");
  Stock db = conc::ValueOrDie(Stock::Open(path, {.mode = conc::ShelfMode::kNew}), "shelve.open");
  conc::CheckOk(db.set("apples", Item{12, 0.5}), "db['apples'] = ...");
  Show(db, "parent");

  conc::Heading("child: Process(target=restock, args=(path,)), the shelf still open here");
  conc::Process p(conc::process_function<restock>, path);
  conc::CheckOk(p.start(), "p.start()");
  conc::CheckOk(p.join(), "p.join()");
  std::printf("child exit code %d\n", p.exitcode().value_or(-1));

  conc::Heading("parent: the same open shelf, read again");
  Show(db, "parent");
  std::printf("parent: len(db) = %zu, 'pears' in db: %s\n", conc::ValueOrDie(db.size(), "len(db)"),
              conc::ValueOrDie(db.contains("pears"), "'pears' in db") ? "True" : "False");
  conc::CheckOk(db.close(), "db.close()");
  return 0;
}
