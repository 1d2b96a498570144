// plot.h — charts for the tutorials, drawn by gnuplot from a CSV the program also keeps.
//
//   plot_lines("out/loss.png", "VAE loss", "epoch", "loss per image", {"train", "test"},
//              {train_losses, test_losses});
//   plot_scatter_by_class("out/latent.png", "latent means of the test set", mu, labels, names);
//
// Beside out/loss.png the functions leave out/loss.csv (the numbers) and out/loss.gp (the
// gnuplot script that drew the picture), so a student can restyle the chart with
// `gnuplot out/loss.gp` or load the CSV into anything else. Paths inside the script are
// the ones passed in, so run it from the directory the tutorial ran in.
// gnuplot itself is the Debian package gnuplot-nox; `make tutorial-N` installs it.
#pragma once
#include <span>
#include <stdexcept>
#include <string>
#include <vector>

#include "autograd/tensor.h"
#include "nn/training_state.h"

namespace aet {

// Thrown when no `gnuplot` program is on the PATH. A tutorial may catch it to carry on
// without its charts; everything else a plot function throws is a real error.
class GnuplotNotFound : public std::runtime_error {
 public:
  GnuplotNotFound();
};

// The full path of the first executable file named `program` in the directories of
// $PATH, or "" if there is none (what a shell's `command -v` finds).
std::string find_on_path(const std::string& program);

// One line per series, series[k][i] drawn at x = i + 1 (an epoch, say). Series may have
// different lengths; NaN and ±Inf values are left out (written as empty CSV cells).
// log_y draws the y axis on a log scale, useful when a loss falls over decades.
// Writes png_path (which must end in .png) plus the .csv and .gp beside it.
// Throws std::invalid_argument on mismatched names and series, std::runtime_error
// "cannot write <path>: <reason>" if a file cannot be written, GnuplotNotFound, or
// std::runtime_error with gnuplot's own message if gnuplot fails.
void plot_lines(const std::string& png_path, const std::string& title, const std::string& xlabel,
                const std::string& ylabel, const std::vector<std::string>& series_names,
                const std::vector<std::vector<double>>& series, bool log_y = false);

// The loss curves of a run: history.train_loss and history.test_loss, one point per
// epoch, as the series "train" and "test" (plot_lines, same files and errors).
void plot_history(const std::string& png_path, const std::string& title, const std::string& ylabel,
                  const TrainingHistory& history);

// A 2-D scatter of points (N,2), each coloured by classes[i], with a legend outside the
// plot naming each class. classes[i] must lie in [0, class_names.size()); with no names
// the classes are named by their numbers. Ten classes get ten clearly different colours
// (matplotlib's "tab10" palette); beyond ten the colours repeat with another marker.
// Same files and errors as plot_lines.
void plot_scatter_by_class(const std::string& png_path, const std::string& title, const Tensor& points,
                           std::span<const int> classes, const std::vector<std::string>& class_names,
                           const std::string& xlabel = "z1", const std::string& ylabel = "z2");

}  // namespace aet
