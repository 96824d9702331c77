// Copyright 2026 The conc Authors. Licensed under the Apache License, Version 2.0.
//
// html_xpath: a messy shop page, parsed as lxml.html parses it, queried with XPath.
//
//   from lxml import html
//   page = html.fromstring(open("messy.html", "rb").read())
//   page.xpath("//div[contains(@class, 'product')]/h2/text()")
//   page.xpath("//a[@class='next']/@href")
//
// The page has unclosed <p> and <div> tags, a stray </b> and unquoted
// attributes. libxml2's HTML parser (lxml.html's) repairs it as browsers do and
// says what it repaired; the XPath queries then see a clean tree.

#include <cstdio>
#include <optional>
#include <string>

#include "modules/common/lesson.h"
#include "modules/marshalling/xml.h"

namespace {

constexpr char kPage[] = "modules/marshalling/lessons/data/messy.html";

}  // namespace

int main(int argc, char** argv) {
  conc::InitLesson(
      argc, argv,
      "A messy HTML page repaired by libxml2's HTML parser and queried with XPath (lxml.html).");
  std::optional<std::string> path = conc::RunfilePath(kPage);
  if (!path) conc::CheckOk(absl::NotFoundError(kPage), "finding messy.html");

  conc::Heading("page = html.fromstring(open('messy.html', 'rb').read())");
  conc::XmlDocument page = conc::ValueOrDie(conc::XmlDocument::LoadHtmlFile(*path), "LoadHtmlFile");
  std::printf("title: %s\n", conc::ValueOrDie(page.xpath_string("//title"), "xpath").c_str());
  for (const std::string& problem : page.problems()) std::printf("repaired: %s\n", problem.c_str());

  conc::Heading("the products and their prices");
  for (const conc::XmlNode& product :
       conc::ValueOrDie(page.xpath("//div[contains(@class, 'product')]"), "xpath products")) {
    std::string name = conc::ValueOrDie(product.xpath_string("normalize-space(h2)"), "h2");
    std::string price =
        conc::ValueOrDie(product.xpath_string("normalize-space(span[@class='price'])"), "price");
    bool sale = product.get("class").value_or("").find("sale") != std::string::npos;
    std::printf("%-20s %s%s\n", name.c_str(), price.c_str(), sale ? "  (sale)" : "");
  }

  conc::Heading("page.xpath(\"//a[@class='next']/@href\")");
  for (const conc::XmlNode& href :
       conc::ValueOrDie(page.xpath("//a[@class='next']/@href"), "xpath next")) {
    std::printf("%s\n", href.text().c_str());
  }
  return 0;
}
