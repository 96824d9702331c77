// Copyright 2026 The conc Authors. Licensed under the Apache License, Version 2.0.
//
// xml.h: what the course does with lxml (lxml.etree.fromstring, lxml.html's
// forgiving parser, XPath), on Debian's libxml2, the C library under lxml.
//
//   from lxml import etree, html
//   feed = etree.fromstring(rss_bytes)
//   feed.xpath("//item/title/text()")                 # ['First post', ...]
//   page = html.fromstring(messy_bytes)
//   page.xpath("//a[@class='next']/@href")            # ['/page/2']
//
//   absl::StatusOr<conc::XmlDocument> feed = conc::XmlDocument::ParseXml(rss);
//   for (const conc::XmlNode& t : *feed->xpath("//item/title")) t.text();
//   absl::StatusOr<conc::XmlDocument> page = conc::XmlDocument::ParseHtml(messy);
//   page->xpath("//a[@class='next']/@href");          // attribute nodes: text() is the value
//   page->problems();                                 // what the HTML parser repaired
//
// XML is parsed strictly: a malformed document is InvalidArgument with libxml2's
// message and "line L column C" (lxml's XMLSyntaxError). Safe on untrusted input:
// no network (XML_PARSE_NONET), external entities are neither loaded nor
// substituted (no XML_PARSE_NOENT, no DTD loading), and libxml2's default limits
// stay on (nesting 256 deep, entity amplification checked; no XML_PARSE_HUGE).
// HTML is parsed as lxml.html does, recovering from whatever it meets (unclosed
// tags, stray '<', bad nesting); what it repaired is listed by problems().
//
// XPath is XPath 1.0. xpath() returns a node-set (elements, attributes, text
// nodes); an expression whose value is not a node-set (count(), string()) is
// InvalidArgument there: use xpath_string(), which gives any result as XPath's
// string() would ("3" for count() of three). A malformed expression is
// InvalidArgument with libxml2's message. Prefixes in expressions come from the
// `namespaces` given (lxml's namespaces= argument).
//
// Lifetime: an XmlNode points into its XmlDocument and is valid while that lives
// (moving the document keeps its nodes valid). Documents are independent: two
// threads may parse and query two documents at once; one document is not to be
// queried by two threads at once (libxml2's XPath contexts are per call here, but
// lazy namespace data in the tree is not thread-safe).
//
// Where it differs from lxml: name() is the name as written ("atom:link"), not
// lxml's "{uri}link"; text() is the node's whole string value (all its text,
// descendants too), not lxml's .text (the text before the first child).

#ifndef MODULES_MARSHALLING_XML_H_
#define MODULES_MARSHALLING_XML_H_

#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"

struct _xmlDoc;
struct _xmlNode;

namespace conc {

using XmlNamespaces = std::vector<std::pair<std::string, std::string>>;  // prefix, URI

class XmlNode {
 public:
  // The element's name as written; "#text" for a text node; an attribute's name.
  std::string name() const;
  // The string value: all the text inside (an attribute's value).
  std::string text() const;
  // el.get(name): an attribute's value, nullopt if absent.
  std::optional<std::string> get(std::string_view attribute) const;
  // The line it starts on (lxml's sourceline), 0 if unknown.
  int line() const;
  bool is_element() const;

  // XPath relative to this node.
  [[nodiscard]] absl::StatusOr<std::vector<XmlNode>> xpath(
      std::string_view expr, const XmlNamespaces& namespaces = {}) const;
  [[nodiscard]] absl::StatusOr<std::string> xpath_string(
      std::string_view expr, const XmlNamespaces& namespaces = {}) const;

 private:
  friend class XmlDocument;
  XmlNode(_xmlDoc* doc, _xmlNode* node) : doc_(doc), node_(node) {}
  _xmlDoc* doc_;
  _xmlNode* node_;
};

class XmlDocument {
 public:
  // etree.fromstring(text): strict XML.
  static absl::StatusOr<XmlDocument> ParseXml(std::string_view text);
  // lxml.html.fromstring(text): forgiving HTML. Fails only on empty input.
  static absl::StatusOr<XmlDocument> ParseHtml(std::string_view text);
  static absl::StatusOr<XmlDocument> LoadXmlFile(const std::string& path);
  static absl::StatusOr<XmlDocument> LoadHtmlFile(const std::string& path);

  XmlDocument(XmlDocument&&) noexcept = default;
  XmlDocument& operator=(XmlDocument&&) noexcept = default;

  XmlNode root() const;
  [[nodiscard]] absl::StatusOr<std::vector<XmlNode>> xpath(
      std::string_view expr, const XmlNamespaces& namespaces = {}) const {
    return root().xpath(expr, namespaces);
  }
  [[nodiscard]] absl::StatusOr<std::string> xpath_string(
      std::string_view expr, const XmlNamespaces& namespaces = {}) const {
    return root().xpath_string(expr, namespaces);
  }
  // What the HTML parser repaired, one "line L: message" each (empty for XML).
  const std::vector<std::string>& problems() const { return problems_; }
  // etree.tostring(doc): the document serialised (XML or HTML, as parsed).
  [[nodiscard]] absl::StatusOr<std::string> ToString() const;

 private:
  struct Free {
    void operator()(_xmlDoc* doc) const;
  };
  XmlDocument(_xmlDoc* doc, bool html) : doc_(doc), html_(html) {}
  std::unique_ptr<_xmlDoc, Free> doc_;
  bool html_ = false;
  std::vector<std::string> problems_;
};

}  // namespace conc

#endif  // MODULES_MARSHALLING_XML_H_
