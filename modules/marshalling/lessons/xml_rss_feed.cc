// Copyright 2026 The conc Authors. Licensed under the Apache License, Version 2.0.
//
// xml_rss_feed: an RSS feed queried with XPath, as lxml does it.
//
//   from lxml import etree
//   feed = etree.parse("feed.xml")
//   for item in feed.xpath("//item"):
//       item.findtext("title"), item.xpath("string(dc:creator)", namespaces=NS)
//
// conc::XmlDocument is libxml2, the C library under lxml: the same parser and
// the same XPath 1.0. Names with a prefix (dc:creator) need the namespaces
// argument, as in lxml. The parser is strict: a feed with a mistake is refused
// with its line and column, as lxml's XMLSyntaxError.

#include <cstdio>
#include <optional>
#include <string>

#include "modules/common/lesson.h"
#include "modules/marshalling/xml.h"

namespace {

constexpr char kFeed[] = "modules/marshalling/lessons/data/feed.xml";

}  // namespace

int main(int argc, char** argv) {
  conc::InitLesson(argc, argv,
                   "An RSS feed parsed with libxml2 and queried with XPath (Module 4, lxml).");
  std::optional<std::string> path = conc::RunfilePath(kFeed);
  if (!path) conc::CheckOk(absl::NotFoundError(kFeed), "finding feed.xml");
  const conc::XmlNamespaces ns = {{"dc", "http://purl.org/dc/elements/1.1/"},
                                  {"atom", "http://www.w3.org/2005/Atom"}};

  conc::Heading("feed = etree.parse('feed.xml')");
  conc::XmlDocument feed = conc::ValueOrDie(conc::XmlDocument::LoadXmlFile(*path), "LoadXmlFile");
  std::printf("channel: %s\n",
              conc::ValueOrDie(feed.xpath_string("/rss/channel/title"), "xpath").c_str());
  std::printf(
      "self:    %s\n",
      conc::ValueOrDie(feed.xpath_string("string(//atom:link/@href)", ns), "xpath").c_str());
  std::printf("items:   %s\n",
              conc::ValueOrDie(feed.xpath_string("count(//item)"), "xpath").c_str());

  conc::Heading("for item in feed.xpath('//item')");
  for (const conc::XmlNode& item : conc::ValueOrDie(feed.xpath("//item"), "xpath //item")) {
    std::printf("line %d: %s\n", item.line(),
                conc::ValueOrDie(item.xpath_string("title"), "title").c_str());
    std::printf("        by %s, %s [%s]\n",
                conc::ValueOrDie(item.xpath_string("dc:creator", ns), "creator").c_str(),
                conc::ValueOrDie(item.xpath_string("pubDate"), "pubDate").c_str(),
                conc::ValueOrDie(item.xpath_string("category"), "category").c_str());
  }

  conc::Heading("who wrote what: //item[dc:creator='Ada']/title");
  for (const conc::XmlNode& title :
       conc::ValueOrDie(feed.xpath("//item[dc:creator='Ada']/title", ns), "xpath")) {
    std::printf("%s\n", title.text().c_str());
  }

  conc::Heading("a broken feed says where");
  absl::StatusOr<conc::XmlDocument> bad =
      conc::XmlDocument::ParseXml("<rss>\n  <channel><title>x</channel>\n</rss>");
  std::printf("%s\n", std::string(bad.status().message()).c_str());
  return 0;
}
