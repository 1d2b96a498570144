// plot.cpp — writes the CSV and the gnuplot script, then runs gnuplot on the script.
//
// gnuplot is started with posix_spawnp and an argument vector, never through a shell,
// so no path needs shell quoting. Inside the script every string is a single-quoted
// gnuplot string (only ' needs escaping, as '') and the terminal is `noenhanced`, so a
// class named "T-shirt/top" or a path with "_" prints as written instead of as a
// subscript. gnuplot's output is captured so a failure can be reported with its message.
#include "tutorials/common/plot.h"

#include <fcntl.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>

#include <fmt/format.h>

extern char** environ;

namespace aet {

GnuplotNotFound::GnuplotNotFound()
    : std::runtime_error("gnuplot not found: install gnuplot-nox (make tutorial-N installs it)") {}

namespace {

// matplotlib's tab10: ten hues chosen to stay apart from each other on screen and in print.
constexpr std::array<const char*, 10> kPalette = {"#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd",
                                                  "#8c564b", "#e377c2", "#7f7f7f", "#bcbd22", "#17becf"};
// gnuplot point types: 7 filled circle, 5 filled square, 9 filled triangle.
constexpr std::array<int, 3> kMarkers = {7, 5, 9};

// A single-quoted gnuplot string literal; inside one, only the quote itself is special.
std::string gp_quote(const std::string& s) {
  std::string out = "'";
  for (char c : s) {
    if (c == '\'') out += "''";
    else if (c == '\n') out += ' ';
    else out += c;
  }
  return out + "'";
}

// A CSV field (RFC 4180): quoted only when it holds a comma, a quote or a line break.
std::string csv_field(const std::string& s) {
  if (s.find_first_of(",\"\n\r") == std::string::npos) return s;
  std::string out = "\"";
  for (char c : s) out += c == '"' ? std::string("\"\"") : std::string(1, c);
  return out + "\"";
}

// Empty for NaN/Inf so that gnuplot (and pandas, and spreadsheets) see a missing value.
std::string csv_number(double v) { return std::isfinite(v) ? fmt::format("{:.9g}", v) : std::string(); }

std::string sibling(const std::string& png_path, const char* ext) {
  return std::filesystem::path(png_path).replace_extension(ext).string();
}

void check_png_path(const char* fn, const std::string& png_path) {
  if (std::filesystem::path(png_path).extension() != ".png")
    throw std::invalid_argument(fmt::format("{}: the output path must end in .png, got '{}'", fn, png_path));
}

void write_text_file(const std::string& path, const std::string& text) {
  std::FILE* f = std::fopen(path.c_str(), "wb");
  if (!f) throw std::runtime_error(fmt::format("cannot write {}: {}", path, std::strerror(errno)));
  const bool written = std::fwrite(text.data(), 1, text.size(), f) == text.size();
  const int write_err = errno;
  const bool closed = std::fclose(f) == 0;
  if (!written || !closed)
    throw std::runtime_error(fmt::format("cannot write {}: {}", path, std::strerror(!written ? write_err : errno)));
}

// The terminal and the labels every chart shares.
std::string script_header(const std::string& gp_path, const std::string& png_path, int width, int height,
                          const std::string& title, const std::string& xlabel, const std::string& ylabel) {
  return fmt::format(
      "# {} — written by the AutoEncoder Toolkit; redraw with: gnuplot {}\n"
      "set terminal pngcairo size {},{} font 'sans,12' noenhanced\n"
      "set output {}\n"
      "set datafile separator comma\n"
      "set title {} font 'sans,14'\n"
      "set xlabel {}\n"
      "set ylabel {}\n"
      "set grid lt 1 lw 1 lc rgb '#d8d8d8'\n"
      "set border lw 1.2\n",
      std::filesystem::path(gp_path).filename().string(), gp_path, width, height, gp_quote(png_path),
      gp_quote(title), gp_quote(xlabel), gp_quote(ylabel));
}

// A pipe whose ends are closed in every spawned program (FD_CLOEXEC), so gnuplot never
// holds our read end open. pipe + fcntl rather than pipe2(O_CLOEXEC), which macOS lacks;
// a program spawned by another thread in between could inherit the ends, which costs
// nothing here but a late EOF.
bool cloexec_pipe(int fds[2]) {
  if (pipe(fds) != 0) return false;
  for (int i = 0; i < 2; ++i)
    if (fcntl(fds[i], F_SETFD, FD_CLOEXEC) != 0) {
      const int err = errno;
      close(fds[0]);
      close(fds[1]);
      errno = err;
      return false;
    }
  return true;
}

// Runs `gnuplot script` and waits for it; throws if it cannot start or does not exit 0.
void run_gnuplot(const std::string& script) {
  int fds[2];
  if (!cloexec_pipe(fds))
    throw std::runtime_error(fmt::format("cannot run gnuplot on {}: pipe: {}", script, std::strerror(errno)));
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0);
  posix_spawn_file_actions_adddup2(&actions, fds[1], 1);
  posix_spawn_file_actions_adddup2(&actions, fds[1], 2);
  std::string arg0 = "gnuplot", arg1 = script;
  char* argv[] = {arg0.data(), arg1.data(), nullptr};
  pid_t pid = 0;
  const int rc = posix_spawnp(&pid, "gnuplot", &actions, nullptr, argv, environ);
  posix_spawn_file_actions_destroy(&actions);
  close(fds[1]);
  if (rc != 0) {
    close(fds[0]);
    if (rc == ENOENT) throw GnuplotNotFound();
    throw std::runtime_error(fmt::format("cannot run gnuplot on {}: {}", script, std::strerror(rc)));
  }

  std::string output;
  char buf[4096];
  for (;;) {
    const ssize_t got = read(fds[0], buf, sizeof buf);
    if (got > 0) output.append(buf, size_t(got));
    else if (got == 0 || errno != EINTR) break;
  }
  close(fds[0]);
  int status = 0;
  while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  while (!output.empty() && (output.back() == '\n' || output.back() == ' ')) output.pop_back();
  // Where posix_spawnp starts the child before it looks for the program (qemu-user, some
  // older libcs), a missing gnuplot is a child that exits 127, the shell's "not found".
  if (WIFEXITED(status) && WEXITSTATUS(status) == 127) throw GnuplotNotFound();
  if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
    const std::string how = WIFEXITED(status) ? fmt::format("exit status {}", WEXITSTATUS(status))
                                              : fmt::format("signal {}", WTERMSIG(status));
    throw std::runtime_error(fmt::format("gnuplot failed on {} ({}): {}", script, how,
                                         output.empty() ? std::string("no message") : output));
  }
  // Warnings (say, a series with no finite points) are worth seeing but not fatal.
  if (!output.empty()) std::fprintf(stderr, "gnuplot (%s): %s\n", script.c_str(), output.c_str());
}

}  // namespace

std::string find_on_path(const std::string& program) {
  const char* path = std::getenv("PATH");
  // POSIX: an unset PATH means an implementation-defined default; this is glibc's.
  const std::string dirs = path != nullptr ? path : "/bin:/usr/bin";
  size_t start = 0;
  for (;;) {
    const size_t end = std::min(dirs.find(':', start), dirs.size());
    // An empty entry means the current directory.
    const std::string dir = end > start ? dirs.substr(start, end - start) : std::string(".");
    const std::string candidate = dir + "/" + program;
    std::error_code ec;
    if (std::filesystem::is_regular_file(candidate, ec) && access(candidate.c_str(), X_OK) == 0) return candidate;
    if (end == dirs.size()) return "";
    start = end + 1;
  }
}

void plot_lines(const std::string& png_path, const std::string& title, const std::string& xlabel,
                const std::string& ylabel, const std::vector<std::string>& series_names,
                const std::vector<std::vector<double>>& series, bool log_y) {
  check_png_path("plot_lines", png_path);
  if (series.empty()) throw std::invalid_argument(fmt::format("plot_lines {}: no series to plot", png_path));
  if (series_names.size() != series.size())
    throw std::invalid_argument(fmt::format("plot_lines {}: {} series names for {} series", png_path,
                                            series_names.size(), series.size()));
  size_t n = 0;
  for (const auto& s : series) n = std::max(n, s.size());
  if (n == 0) throw std::invalid_argument(fmt::format("plot_lines {}: every series is empty", png_path));

  // CSV: x, then one column per series.
  const std::string csv_path = sibling(png_path, ".csv"), gp_path = sibling(png_path, ".gp");
  std::string csv = csv_field(xlabel.empty() ? "x" : xlabel);
  for (const std::string& name : series_names) csv += "," + csv_field(name);
  csv += "\n";
  for (size_t i = 0; i < n; ++i) {
    csv += std::to_string(i + 1);
    for (const auto& s : series) csv += "," + (i < s.size() ? csv_number(s[i]) : std::string());
    csv += "\n";
  }

  std::string gp = script_header(gp_path, png_path, 800, 500, title, xlabel, ylabel);
  gp += "set key top right box opaque\n";
  if (log_y) gp += "set logscale y\n";
  // Integer ticks on x when there are few points: epochs are whole numbers.
  if (n <= 20) gp += "set xtics 1\n";
  const bool few = n <= 50;  // markers help only while points are far apart
  gp += "plot \\\n";
  for (size_t k = 0; k < series.size(); ++k) {
    gp += fmt::format("  {} skip 1 using 1:{} with {} lw 2 lc rgb '{}'{} title {}{}\n",
                      k == 0 ? gp_quote(csv_path) : std::string("''"), k + 2, few ? "linespoints" : "lines",
                      kPalette[k % kPalette.size()], few ? " pt 7 ps 0.8" : "", gp_quote(series_names[k]),
                      k + 1 < series.size() ? ", \\" : "");
  }
  write_text_file(csv_path, csv);
  write_text_file(gp_path, gp);
  run_gnuplot(gp_path);
}

void plot_scatter_by_class(const std::string& png_path, const std::string& title, const Tensor& points,
                           std::span<const int> classes, const std::vector<std::string>& class_names,
                           const std::string& xlabel, const std::string& ylabel) {
  check_png_path("plot_scatter_by_class", png_path);
  if (!points.defined() || points.ndim() != 2 || points.cols() != 2)
    throw std::invalid_argument(fmt::format("plot_scatter_by_class {}: points must have shape (N,2), got {}",
                                            png_path, points.defined() ? shape_str(points.shape()) : "none"));
  const int n = points.rows();
  if (classes.size() != size_t(n))
    throw std::invalid_argument(fmt::format("plot_scatter_by_class {}: {} points but {} class labels", png_path, n,
                                            classes.size()));
  int k_count = static_cast<int>(class_names.size());
  if (k_count == 0) k_count = *std::max_element(classes.begin(), classes.end()) + 1;
  for (int i = 0; i < n; ++i)
    if (classes[i] < 0 || classes[i] >= k_count)
      throw std::invalid_argument(fmt::format("plot_scatter_by_class {}: point {} has class {}, outside [0,{})",
                                              png_path, i, classes[i], k_count));
  auto name_of = [&](int k) { return class_names.empty() ? std::to_string(k) : class_names[k]; };

  // CSV: x, y, class number, class name — the name so the file reads well on its own.
  const std::string csv_path = sibling(png_path, ".csv"), gp_path = sibling(png_path, ".gp");
  std::string csv = fmt::format("{},{},class,name\n", csv_field(xlabel), csv_field(ylabel));
  const float* p = points.data();
  for (int i = 0; i < n; ++i)
    csv += fmt::format("{},{},{},{}\n", csv_number(p[2 * i]), csv_number(p[2 * i + 1]), classes[i],
                       csv_field(name_of(classes[i])));

  // Key outside the plot so it never hides points. Each class is drawn small and
  // untitled, and gets a separate large `keyentry` so the legend swatch is visible.
  std::string gp = script_header(gp_path, png_path, 900, 650, title, xlabel, ylabel);
  gp += "set key outside right top vertical Left reverse spacing 1.3\n";
  gp += "plot \\\n";
  for (int k = 0; k < k_count; ++k) {
    const char* colour = kPalette[size_t(k) % kPalette.size()];
    const int marker = kMarkers[(size_t(k) / kPalette.size()) % kMarkers.size()];
    gp += fmt::format("  {} skip 1 using 1:($3=={} ? $2 : NaN) with points pt {} ps 0.35 lc rgb '{}' notitle, \\\n",
                      k == 0 ? gp_quote(csv_path) : std::string("''"), k, marker, colour);
  }
  for (int k = 0; k < k_count; ++k) {
    const char* colour = kPalette[size_t(k) % kPalette.size()];
    const int marker = kMarkers[(size_t(k) / kPalette.size()) % kMarkers.size()];
    gp += fmt::format("  keyentry with points pt {} ps 1.6 lc rgb '{}' title {}{}\n", marker, colour,
                      gp_quote(name_of(k)), k + 1 < k_count ? ", \\" : "");
  }
  write_text_file(csv_path, csv);
  write_text_file(gp_path, gp);
  run_gnuplot(gp_path);
}

void plot_history(const std::string& png_path, const std::string& title, const std::string& ylabel,
                  const TrainingHistory& history) {
  const std::vector<double> train(history.train_loss.begin(), history.train_loss.end());
  const std::vector<double> test(history.test_loss.begin(), history.test_loss.end());
  plot_lines(png_path, title, "epoch", ylabel, {"train", "test"}, {train, test});
}

}  // namespace aet
