// Copyright 2026 The conc Authors. Licensed under the Apache License, Version 2.0.
//
// libxml2 reports errors through a callback; during each parse or XPath call a
// structured handler (per thread in libxml2's threaded build, as Debian's is)
// collects them, so nothing is printed and the first error, with its line and
// column, becomes the status.

#include "modules/marshalling/xml.h"

#include <libxml/HTMLparser.h>
#include <libxml/HTMLtree.h>
#include <libxml/parser.h>
#include <libxml/tree.h>
#include <libxml/xmlerror.h>
#include <libxml/xpath.h>
#include <libxml/xpathInternals.h>

#include <climits>
#include <mutex>

#include "absl/strings/str_cat.h"
#include "modules/marshalling/internal/text_io.h"

namespace conc {

namespace {

absl::string_view Av(std::string_view v) { return absl::string_view(v.data(), v.size()); }

void InitOnce() {
  static std::once_flag once;
  std::call_once(once, [] { xmlInitParser(); });
}

std::string Trimmed(const char* message) {
  std::string m = message ? message : "error";
  while (!m.empty() && (m.back() == '\n' || m.back() == ' ')) m.pop_back();
  return m;
}

// Collects libxml2's errors while alive (and keeps them off stderr).
class ErrorCollector {
 public:
  ErrorCollector() {
    InitOnce();
    xmlSetStructuredErrorFunc(this, &ErrorCollector::On);
  }
  ~ErrorCollector() { xmlSetStructuredErrorFunc(nullptr, nullptr); }
  ErrorCollector(const ErrorCollector&) = delete;
  ErrorCollector& operator=(const ErrorCollector&) = delete;

  bool any_error() const { return !first_error_.empty(); }
  const std::string& first_error() const { return first_error_; }
  std::vector<std::string>& all() { return all_; }

 private:
  static void On(void* self, xmlErrorPtr e) {
    auto* c = static_cast<ErrorCollector*>(self);
    if (e == nullptr) return;
    std::string where = e->line > 0
                            ? absl::StrCat(" at line ", e->line,
                                           e->int2 > 0 ? absl::StrCat(" column ", e->int2) : "")
                            : "";
    if (c->all_.size() < 1000)
      c->all_.push_back(absl::StrCat("line ", e->line, ": ", Trimmed(e->message)));
    if (e->level >= XML_ERR_ERROR && c->first_error_.empty())
      c->first_error_ = Trimmed(e->message) + where;
  }
  std::string first_error_;
  std::vector<std::string> all_;
};

std::string FromXml(const xmlChar* s) {
  return s ? std::string(reinterpret_cast<const char*>(s)) : std::string();
}

absl::Status TooLarge(std::string_view text) {
  return absl::ResourceExhaustedError(
      absl::StrCat("xml: a document of ", text.size(), " bytes (the limit is 2 GiB)"));
}

// Runs expr with `node` as the context node; the result is the caller's to free.
absl::StatusOr<xmlXPathObjectPtr> Evaluate(xmlDocPtr doc, xmlNodePtr node, std::string_view expr,
                                           const XmlNamespaces& namespaces) {
  ErrorCollector errors;
  xmlXPathContextPtr ctx = xmlXPathNewContext(doc);
  if (ctx == nullptr) return absl::ResourceExhaustedError("xpath: no memory for a context");
  ctx->node = node;
  for (const auto& [prefix, uri] : namespaces) {
    xmlXPathRegisterNs(ctx, reinterpret_cast<const xmlChar*>(prefix.c_str()),
                       reinterpret_cast<const xmlChar*>(uri.c_str()));
  }
  std::string e(expr);
  xmlXPathObjectPtr result =
      xmlXPathEvalExpression(reinterpret_cast<const xmlChar*>(e.c_str()), ctx);
  xmlXPathFreeContext(ctx);
  if (result == nullptr) {
    return absl::InvalidArgumentError(
        absl::StrCat("xpath: ", errors.any_error() ? errors.first_error() : "invalid expression",
                     ": ", Av(expr)));
  }
  return result;
}

}  // namespace

void XmlDocument::Free::operator()(_xmlDoc* doc) const { xmlFreeDoc(doc); }

std::string XmlNode::name() const {
  if (node_->type == XML_TEXT_NODE) return "#text";
  if (node_->type == XML_COMMENT_NODE) return "#comment";
  std::string local = FromXml(node_->name);
  if (node_->ns != nullptr && node_->ns->prefix != nullptr)
    return FromXml(node_->ns->prefix) + ":" + local;
  return local;
}

std::string XmlNode::text() const {
  xmlChar* content = xmlNodeGetContent(node_);
  std::string out = FromXml(content);
  xmlFree(content);
  return out;
}

std::optional<std::string> XmlNode::get(std::string_view attribute) const {
  if (node_->type != XML_ELEMENT_NODE) return std::nullopt;
  std::string name(attribute);
  xmlChar* value = xmlGetProp(node_, reinterpret_cast<const xmlChar*>(name.c_str()));
  if (value == nullptr) return std::nullopt;
  std::string out = FromXml(value);
  xmlFree(value);
  return out;
}

int XmlNode::line() const {
  long line = xmlGetLineNo(node_);
  return line > 0 && line < INT_MAX ? static_cast<int>(line) : 0;
}

bool XmlNode::is_element() const { return node_->type == XML_ELEMENT_NODE; }

absl::StatusOr<std::vector<XmlNode>> XmlNode::xpath(std::string_view expr,
                                                    const XmlNamespaces& namespaces) const {
  absl::StatusOr<xmlXPathObjectPtr> result = Evaluate(doc_, node_, expr, namespaces);
  if (!result.ok()) return result.status();
  xmlXPathObjectPtr r = *result;
  if (r->type != XPATH_NODESET) {
    xmlXPathFreeObject(r);
    return absl::InvalidArgumentError(
        absl::StrCat("xpath: the value of ", Av(expr), " is not a node-set (use xpath_string)"));
  }
  std::vector<XmlNode> nodes;
  if (r->nodesetval != nullptr) {
    nodes.reserve(static_cast<size_t>(r->nodesetval->nodeNr));
    for (int k = 0; k < r->nodesetval->nodeNr; ++k)
      nodes.push_back(XmlNode(doc_, r->nodesetval->nodeTab[k]));
  }
  xmlXPathFreeObject(r);
  return nodes;
}

absl::StatusOr<std::string> XmlNode::xpath_string(std::string_view expr,
                                                  const XmlNamespaces& namespaces) const {
  absl::StatusOr<xmlXPathObjectPtr> result = Evaluate(doc_, node_, expr, namespaces);
  if (!result.ok()) return result.status();
  xmlChar* s = xmlXPathCastToString(*result);
  std::string out = FromXml(s);
  xmlFree(s);
  xmlXPathFreeObject(*result);
  return out;
}

absl::StatusOr<XmlDocument> XmlDocument::ParseXml(std::string_view text) {
  if (text.size() > static_cast<size_t>(INT_MAX)) return TooLarge(text);
  ErrorCollector errors;
  xmlParserCtxtPtr ctxt = xmlNewParserCtxt();
  if (ctxt == nullptr) return absl::ResourceExhaustedError("xml: no memory for a parser");
  xmlDocPtr doc = xmlCtxtReadMemory(ctxt, text.data(), static_cast<int>(text.size()), nullptr,
                                    nullptr, XML_PARSE_NONET | XML_PARSE_NOWARNING);
  xmlFreeParserCtxt(ctxt);
  if (doc == nullptr || errors.any_error() || xmlDocGetRootElement(doc) == nullptr) {
    if (doc != nullptr) xmlFreeDoc(doc);
    return absl::InvalidArgumentError(
        absl::StrCat("xml: ", errors.any_error() ? errors.first_error() : "no root element"));
  }
  return XmlDocument(doc, false);
}

absl::StatusOr<XmlDocument> XmlDocument::ParseHtml(std::string_view text) {
  if (text.size() > static_cast<size_t>(INT_MAX)) return TooLarge(text);
  ErrorCollector errors;
  htmlParserCtxtPtr ctxt = htmlNewParserCtxt();
  if (ctxt == nullptr) return absl::ResourceExhaustedError("html: no memory for a parser");
  htmlDocPtr doc =
      htmlCtxtReadMemory(ctxt, text.data(), static_cast<int>(text.size()), nullptr, nullptr,
                         HTML_PARSE_RECOVER | HTML_PARSE_NONET | HTML_PARSE_NOWARNING);
  htmlFreeParserCtxt(ctxt);
  if (doc == nullptr || xmlDocGetRootElement(doc) == nullptr) {
    if (doc != nullptr) xmlFreeDoc(doc);
    return absl::InvalidArgumentError(
        absl::StrCat("html: ", errors.any_error() ? errors.first_error() : "no content"));
  }
  XmlDocument out(doc, true);
  out.problems_ = std::move(errors.all());
  return out;
}

absl::StatusOr<XmlDocument> XmlDocument::LoadXmlFile(const std::string& path) {
  return internal::LoadFile(path, static_cast<size_t>(INT_MAX),
                            [](std::string_view text) { return ParseXml(text); });
}

absl::StatusOr<XmlDocument> XmlDocument::LoadHtmlFile(const std::string& path) {
  return internal::LoadFile(path, static_cast<size_t>(INT_MAX),
                            [](std::string_view text) { return ParseHtml(text); });
}

XmlNode XmlDocument::root() const { return XmlNode(doc_.get(), xmlDocGetRootElement(doc_.get())); }

absl::StatusOr<std::string> XmlDocument::ToString() const {
  xmlChar* mem = nullptr;
  int size = 0;
  if (html_) {
    htmlDocDumpMemory(doc_.get(), &mem, &size);
  } else {
    xmlDocDumpMemory(doc_.get(), &mem, &size);
  }
  if (mem == nullptr) return absl::ResourceExhaustedError("xml: could not serialise the document");
  std::string out(reinterpret_cast<const char*>(mem), static_cast<size_t>(size));
  xmlFree(mem);
  return out;
}

}  // namespace conc
