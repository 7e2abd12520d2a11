// The whole-pipeline fuzz input's split (fuzz/pipeline_input.h): the seed generator joins what
// the fuzz target splits, so the two must agree on every part, empty ones included.
#include <gtest/gtest.h>

#include <string>

#include "../fuzz/pipeline_input.h"

namespace v15::fuzz {
namespace {

using namespace std::string_literals;

TEST(FuzzInput, JoinThenSplitGivesThePartsBack) {
  std::array<std::string, kPartCount> parts = {"worker",   "",         "jwt\0ok"s, "agent",
                                               "FROM x\n", "[vars]\n", "{}",       "\x02\x03"};
  const std::string input = join_input(parts);
  Parts split = split_input(input);
  for (std::size_t i = 0; i < kPartCount; ++i) EXPECT_EQ(split[i], parts[i]) << i;
}

TEST(FuzzInput, TrailingEmptyPartsAreLeftOut) {
  const std::array<std::string, kPartCount> parts = {"a", "", "b"};
  EXPECT_EQ(join_input(parts), "a\0\0\0\0b"s);
  const std::string input = "a\0\0\0\0b"s;
  Parts split = split_input(input);
  EXPECT_EQ(split[kDurableObjectPart], "");
  EXPECT_EQ(split[kJwtPart], "b");
  EXPECT_EQ(split[kConfigPart], "");
}

TEST(FuzzInput, ShortInputsAndExtraSeparators) {
  EXPECT_EQ(split_input("")[kWorkerPart], "");
  EXPECT_EQ(split_input("only")[kWorkerPart], "only");
  std::string many;
  for (std::size_t i = 0; i < kPartCount + 2; ++i) many += "p"s + "\0\0"s;
  Parts split = split_input(many);
  EXPECT_EQ(split[kConfigPart], "p");
  EXPECT_EQ(split[kOptionsPart], "p\0\0p\0\0p\0\0"s);  // the rest belongs to the options
}

TEST(FuzzInput, OptionBytesDefaultToZero) {
  EXPECT_EQ(option_byte("", 0), 0);
  EXPECT_EQ(option_byte("\x02", 0), 2);
  EXPECT_EQ(option_byte("\x02", 1), 0);
  EXPECT_EQ(option_byte("\x02\xff", 1), 0xff);
}

}  // namespace
}  // namespace v15::fuzz
