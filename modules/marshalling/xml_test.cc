// Copyright 2026 The conc Authors. Licensed under the Apache License, Version 2.0.

#include "modules/marshalling/xml.h"

#include <random>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace conc {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::Not;

constexpr char kFeed[] = R"(<?xml version="1.0" encoding="UTF-8"?>
<rss version="2.0" xmlns:atom="http://www.w3.org/2005/Atom">
  <channel>
    <title>Lab notes</title>
    <atom:link href="https://example.org/feed" rel="self"/>
    <item><title>First &amp; best</title><link>https://example.org/1</link></item>
    <item><title><![CDATA[Second <b>bold</b>]]></title><link>https://example.org/2</link></item>
  </channel>
</rss>)";

std::vector<std::string> Texts(const absl::StatusOr<std::vector<XmlNode>>& nodes) {
  std::vector<std::string> out;
  if (!nodes.ok()) return {std::string(nodes.status().message())};
  for (const XmlNode& n : *nodes) out.push_back(n.text());
  return out;
}

TEST(XmlTest, ParsesAndQueriesAFeed) {
  absl::StatusOr<XmlDocument> doc = XmlDocument::ParseXml(kFeed);
  ASSERT_TRUE(doc.ok()) << doc.status();
  EXPECT_EQ(doc->root().name(), "rss");
  EXPECT_EQ(*doc->root().get("version"), "2.0");
  EXPECT_THAT(Texts(doc->xpath("//item/title")), ElementsAre("First & best", "Second <b>bold</b>"));
  EXPECT_THAT(Texts(doc->xpath("//item/link/text()")),
              ElementsAre("https://example.org/1", "https://example.org/2"));
  EXPECT_EQ(*doc->xpath_string("count(//item)"), "2");
  EXPECT_EQ(
      *doc->xpath_string("string(//atom:link/@href)", {{"atom", "http://www.w3.org/2005/Atom"}}),
      "https://example.org/feed");
  absl::StatusOr<std::vector<XmlNode>> items = doc->xpath("//item");
  ASSERT_EQ(items->size(), 2u);
  EXPECT_EQ(*(*items)[1].xpath_string("link"), "https://example.org/2");  // relative to the item
  EXPECT_EQ((*items)[0].line(), 6);
  EXPECT_THAT(*doc->ToString(), HasSubstr("<title>First &amp; best</title>"));
}

TEST(XmlTest, BadXPathAndNonNodeSetsAreRefused) {
  absl::StatusOr<XmlDocument> doc = XmlDocument::ParseXml(kFeed);
  absl::StatusOr<std::vector<XmlNode>> bad = doc->xpath("//item[");
  EXPECT_EQ(bad.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(std::string(bad.status().message()), HasSubstr("xpath: "));
  EXPECT_EQ(doc->xpath("count(//item)").status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(doc->xpath("//atom:link").status().code(),
            absl::StatusCode::kInvalidArgument);  // no such prefix
}

TEST(XmlTest, MalformedXmlSaysWhere) {
  absl::StatusOr<XmlDocument> doc = XmlDocument::ParseXml("<a>\n  <b>text</c>\n</a>");
  ASSERT_EQ(doc.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(std::string(doc.status().message()), HasSubstr("line 2 column"));
  for (const char* bad : {"", "<a>", "<a><b></a>", "text", "<a x=1/>", "<a>&undefined;</a>",
                          "<a></a><b/>", "<?xml version='1.0'?><a>\xff</a>"}) {
    absl::StatusOr<XmlDocument> r = XmlDocument::ParseXml(bad);
    EXPECT_EQ(r.status().code(), absl::StatusCode::kInvalidArgument) << bad;
  }
}

TEST(XmlTest, HostileXmlIsBounded) {
  // The "billion laughs": libxml2's entity checks stop it, unsubstituted or not.
  std::string bomb = "<?xml version=\"1.0\"?><!DOCTYPE lolz [<!ENTITY lol \"lol\">";
  for (int k = 1; k <= 9; ++k) {
    absl::StrAppend(&bomb, "<!ENTITY lol", k, " \"");
    for (int j = 0; j < 10; ++j)
      absl::StrAppend(&bomb, "&lol", k == 1 ? "" : absl::StrCat(k - 1), ";");
    absl::StrAppend(&bomb, "\">");
  }
  absl::StrAppend(&bomb, "]><lolz>&lol9;</lolz>");
  absl::StatusOr<XmlDocument> doc = XmlDocument::ParseXml(bomb);
  if (doc.ok()) {
    EXPECT_LT(doc->root().text().size(), size_t{1} << 20);
  }
  // An external entity is not fetched: its reference stays unexpanded.
  absl::StatusOr<XmlDocument> xxe =
      XmlDocument::ParseXml("<!DOCTYPE a [<!ENTITY e SYSTEM \"file:///etc/passwd\">]><a>&e;</a>");
  if (xxe.ok()) {
    EXPECT_THAT(xxe->root().text(), Not(HasSubstr("root:")));
  }
  // Deep nesting: libxml2's limit (256) without XML_PARSE_HUGE.
  std::string deep;
  for (int k = 0; k < 100000; ++k) deep += "<a>";
  EXPECT_EQ(XmlDocument::ParseXml(deep).status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_TRUE(XmlDocument::ParseHtml(deep).ok());  // HTML recovers, bounded too
}

TEST(XmlTest, HtmlRecoversFromAMessyPage) {
  absl::StatusOr<XmlDocument> page = XmlDocument::ParseHtml(
      "<html><body><div class=post><p>One <b>two<p>Three</div></span>"
      "<a href='/2' class=next>next &raquo;</a><table><tr><td>cell</table>");
  ASSERT_TRUE(page.ok()) << page.status();
  EXPECT_THAT(Texts(page->xpath("//a[@class='next']/@href")), ElementsAre("/2"));
  EXPECT_EQ(page->xpath("//p")->size(), 2u);
  EXPECT_EQ(*page->xpath_string("normalize-space(//td)"), "cell");
  EXPECT_THAT(page->problems(), Not(IsEmpty()));
  EXPECT_EQ(XmlDocument::ParseHtml("").status().code(), absl::StatusCode::kInvalidArgument);
}

TEST(XmlTest, MutatedInputNeverCrashes) {
  std::string base = kFeed;
  std::mt19937 rng(13);
  const char alphabet[] = "<>/&;\"'=![]?ax \n";
  for (int k = 0; k < 3000; ++k) {
    std::string text = base;
    for (int m = 0; m < 1 + k % 3; ++m)
      text[rng() % text.size()] = alphabet[rng() % (sizeof(alphabet) - 1)];
    absl::StatusOr<XmlDocument> x = XmlDocument::ParseXml(text);
    if (x.ok()) (void)x->xpath("//item/title");
    absl::StatusOr<XmlDocument> h = XmlDocument::ParseHtml(text);
    if (h.ok()) (void)h->xpath("//title");
  }
}

TEST(XmlTest, DocumentsOnTwoThreads) {
  std::vector<std::thread> threads;
  std::vector<size_t> counts(2);
  for (size_t t = 0; t < 2; ++t) {
    threads.emplace_back([&, t] {
      for (int k = 0; k < 200; ++k) {
        absl::StatusOr<XmlDocument> doc = XmlDocument::ParseXml(kFeed);
        if (doc.ok()) counts[t] += doc->xpath("//item")->size();
        (void)XmlDocument::ParseXml("<broken>");
      }
    });
  }
  for (std::thread& t : threads) t.join();
  EXPECT_EQ(counts[0], 400u);
  EXPECT_EQ(counts[1], 400u);
}

}  // namespace
}  // namespace conc
