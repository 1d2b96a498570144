// get_data.cpp — `make data`: find a data set, or download it into the cache folder.
//
//   build/get-data [--dataset fashion-mnist|mnist] [--dir DIR]
//
// Without --dir it looks where the tutorials look (datasets/data_source.h) and
// downloads only if the set is nowhere to be found; with --dir it makes sure the
// four files are in DIR, downloading what is missing. AET_DATA_URL replaces the
// download address (a mirror, or a test server). Exit status 0 when the data are
// in place, 1 with the reason otherwise.
#include <CLI/CLI.hpp>
#include <cstdio>
#include <string>

#include "datasets/data_source.h"
#include "datasets/download.h"

int main(int argc, char** argv) {
  std::string dataset = "fashion-mnist", dir;
  CLI::App app{"Find or download an MNIST-format data set (make data)"};
  app.add_option("--dataset", dataset, "fashion-mnist or mnist")
      ->check(CLI::IsMember(aet::remote_dataset_names()))
      ->capture_default_str();
  app.add_option("--dir", dir, "download into this folder instead of looking for the data");
  CLI11_PARSE(app, argc, argv);
  auto say = [](const std::string& line) {
    std::printf("%s\n", line.c_str());
    std::fflush(stdout);
  };
  try {
    if (!dir.empty()) {
      aet::fetch_dataset(aet::remote_dataset(dataset), dir, say);
      std::printf("%s is in %s\n", aet::remote_dataset(dataset).title.c_str(), dir.c_str());
      return 0;
    }
    const aet::DataLocation where = aet::locate_data({.dataset = dataset}, say);
    std::printf("%s is in %s (%s); the tutorials find it there without --data\n",
                aet::remote_dataset(dataset).title.c_str(), where.dir.c_str(), where.origin.c_str());
    return 0;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "error: %s\n", e.what());
    return 1;
  }
}
