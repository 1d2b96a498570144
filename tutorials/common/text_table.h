// text_table.h — aligned plain-text tables for a tutorial's console summary.
//
//   TextTable t({"model", "latent", "test loss"});
//   t.add_row({"AE", "2", fmt::format("{:.4f}", 0.0213)});
//   fmt::print("{}", t.str());
//
//   model  latent  test loss
//   -----  ------  ---------
//   AE          2     0.0213
//
// Cells that look like numbers are right-aligned so their digits line up; text is
// left-aligned. Header-only: it is a few lines and needs nothing but fmt.
#pragma once
#include <algorithm>
#include <cstdlib>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

#include <fmt/format.h>

namespace aet {

class TextTable {
 public:
  explicit TextTable(std::vector<std::string> headers) : headers_(std::move(headers)) {}

  // Throws std::invalid_argument unless the row has one cell per header.
  void add_row(std::vector<std::string> cells) {
    if (cells.size() != headers_.size())
      throw std::invalid_argument(
          fmt::format("TextTable: a row has {} cells but the table has {} columns", cells.size(), headers_.size()));
    rows_.push_back(std::move(cells));
  }

  std::string str() const {
    std::vector<size_t> width(headers_.size());
    for (size_t c = 0; c < headers_.size(); ++c) {
      width[c] = headers_[c].size();
      for (const auto& row : rows_) width[c] = std::max(width[c], row[c].size());
    }
    std::string out;
    auto emit = [&](const std::vector<std::string>& cells, bool header) {
      std::string line;
      for (size_t c = 0; c < cells.size(); ++c) {
        if (c > 0) line += "  ";
        line += !header && is_number(cells[c]) ? fmt::format("{:>{}}", cells[c], width[c])
                                               : fmt::format("{:<{}}", cells[c], width[c]);
      }
      while (!line.empty() && line.back() == ' ') line.pop_back();
      out += line + "\n";
    };
    emit(headers_, true);
    std::vector<std::string> rule;
    for (size_t w : width) rule.push_back(std::string(w, '-'));
    emit(rule, true);
    for (const auto& row : rows_) emit(row, false);
    return out;
  }

 private:
  static bool is_number(const std::string& s) {
    if (s.empty()) return false;
    char* end = nullptr;
    std::strtod(s.c_str(), &end);
    return end == s.c_str() + s.size() || (end + 1 == s.c_str() + s.size() && *end == '%');
  }

  std::vector<std::string> headers_;
  std::vector<std::vector<std::string>> rows_;
};

}  // namespace aet
