#include "gateway/core/channel.h"

#include <set>
#include <string>

#include <gtest/gtest.h>

namespace ogw {
namespace {

TEST(ChannelTest, NamesRoundTripAndBulletinsReachNoPerson) {
  std::set<std::string_view> names;
  for (Channel channel : kAllChannels) {
    names.insert(ChannelName(channel));
    EXPECT_EQ(ParseAnyChannel(ChannelName(channel)), channel);
    EXPECT_EQ(ParseChannel(ChannelName(channel)),
              ReachesPerson(channel) ? std::optional<Channel>(channel) : std::nullopt);
  }
  EXPECT_EQ(names.size(), kChannelCount);
  EXPECT_EQ(ParseChannel("bulletin"), std::nullopt);
  EXPECT_EQ(ParseAnyChannel("bulletin"), Channel::kBulletin);
  EXPECT_EQ(ParseAnyChannel("fax"), std::nullopt);
  EXPECT_EQ(ParseAnyChannel("SMS"), std::nullopt) << "names are exact";
  EXPECT_EQ(std::size(kPersonChannels), kChannelCount - 1);
}

TEST(ChannelTest, StoredBytesKeepTheirMeaning) {
  // Queue records hold these values; they never change.
  EXPECT_EQ(static_cast<int>(Channel::kEmail), 0);
  EXPECT_EQ(static_cast<int>(Channel::kSms), 1);
  EXPECT_EQ(static_cast<int>(Channel::kWhatsApp), 2);
  EXPECT_EQ(static_cast<int>(Channel::kTelegram), 3);
  EXPECT_EQ(static_cast<int>(Channel::kMessenger), 4);
  EXPECT_EQ(PersonChannelFromByte(1), Channel::kSms);
  EXPECT_EQ(PersonChannelFromByte(5), std::nullopt) << "bulletin";
  EXPECT_EQ(PersonChannelFromByte(200), std::nullopt);
}

TEST(ChannelTest, EachChannelHasItsTextFormat) {
  EXPECT_EQ(TextFormatOf(Channel::kEmail), TextFormat::kPlainText);
  EXPECT_EQ(TextFormatOf(Channel::kSms), TextFormat::kPlainText);
  EXPECT_EQ(TextFormatOf(Channel::kMessenger), TextFormat::kPlainText);
  EXPECT_EQ(TextFormatOf(Channel::kTelegram), TextFormat::kTelegramHtml);
  EXPECT_EQ(TextFormatOf(Channel::kWhatsApp), TextFormat::kWhatsAppMarkup);
  EXPECT_EQ(TextFormatOf(Channel::kBulletin), TextFormat::kHtml);
  EXPECT_EQ(TextFormatName(TextFormat::kTelegramHtml), "telegram_html");
}

}  // namespace
}  // namespace ogw
