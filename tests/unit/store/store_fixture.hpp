#pragma once
// A fresh SQLite store in a temporary directory, removed afterwards.
#include <gtest/gtest.h>

#include <filesystem>
#include <memory>
#include <string>

#include "crypto/random.hpp"
#include "store/store.hpp"

namespace gh::testing {

inline std::string temp_dir(const std::string& tag) {
  auto dir = std::filesystem::temp_directory_path() / ("gh-" + tag + "-" + crypto::random_hex(6));
  std::filesystem::create_directories(dir);
  return dir.string();
}

class StoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = temp_dir("store");
    key_ = crypto::random_bytes(32);
    store_ = open();
  }
  void TearDown() override {
    store_.reset();
    std::filesystem::remove_all(dir_);
  }
  std::unique_ptr<store::Store> open() {
    return store::Store::open(dir_ + "/gatehouse.db", crypto::Sealer(key_));
  }
  std::string dir_, key_;
  std::unique_ptr<store::Store> store_;
};

}  // namespace gh::testing
