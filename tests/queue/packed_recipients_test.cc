#include "queue/packed_recipients.h"

#include <gtest/gtest.h>

#include <string>

#include "gateway/core/ids.h"

namespace ogw {
namespace {

TEST(PackedRecipientsTest, RoundTripsFixedSizeRecords) {
  std::string packed;
  QueuedRecipient a{NewId("c", 1), 3, 2};
  QueuedRecipient b{NewId("c", 2), 0, 255};
  ASSERT_TRUE(AppendRecipient(a, &packed).ok());
  ASSERT_TRUE(AppendRecipient(b, &packed).ok());
  EXPECT_EQ(packed.size(), 2 * kRecordBytes);
  EXPECT_EQ(*RecipientAt(packed, 0), a);
  EXPECT_EQ(*RecipientAt(packed, 1), b);
  EXPECT_FALSE(RecipientAt(packed, 2).ok());
  EXPECT_FALSE(AppendRecipient({"c_short", 0, 0}, &packed).ok());
}

}  // namespace
}  // namespace ogw
