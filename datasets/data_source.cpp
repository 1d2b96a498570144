// data_source.cpp — see data_source.h.
#include "datasets/data_source.h"

#include <cstdlib>
#include <filesystem>
#include <stdexcept>

#include "datasets/download.h"

namespace aet {

namespace fs = std::filesystem;

DataLocation locate_data(const DataRequest& r, const std::function<void(const std::string&)>& log) {
  const RemoteDataset& remote = remote_dataset(r.dataset);  // rejects unknown names even with --data
  if (!r.dir.empty()) return {r.dir, "--data"};
  if (const char* env = std::getenv("AET_DATA"); env && *env) return {env, "AET_DATA"};
  std::error_code ec;
  const bool debian = r.dataset == "fashion-mnist" && !r.system_dir.empty();
  if (debian && fs::is_directory(r.system_dir, ec)) return {r.system_dir, "Debian package"};

  const std::string cache = (fs::path(cache_root()) / remote.name).string();
  if (dataset_is_cached(remote, cache)) return {cache, "cache"};
  if (!r.download)
    throw std::runtime_error(remote.title + " is not in " + cache + " yet; run `make data" +
                             (remote.name == "fashion-mnist" ? std::string() : " DATASET=" + remote.name) +
                             "` to download it, or pass --data DIR");
  if (log) {
    const std::string where = debian ? remote.title + " was not found in " + r.system_dir +
                                           " (Debian's dataset-fashion-mnist package)"
                                     : remote.title + " is not in the cache yet";
    log(where + " and neither --data nor AET_DATA is set: downloading its " + std::to_string(remote.files.size()) +
        " files (" + remote.total_size + ", once) from " + data_base_urls(remote).front() + " into " + cache);
  }
  fetch_dataset(remote, cache, log);
  return {cache, "downloaded"};
}

const std::vector<std::string>& mnist_class_names() {
  static const std::vector<std::string> names = {"0", "1", "2", "3", "4", "5", "6", "7", "8", "9"};
  return names;
}

Dataset load_named_dataset(const std::string& dataset, const std::string& dir, Split split) {
  if (dataset == "fashion-mnist") return load_fashion_mnist(dir, split);
  const RemoteDataset& remote = remote_dataset(dataset);
  return load_mnist_format(dir, split, remote.title, mnist_class_names(),
                           "Run `make data DATASET=" + remote.name + "` to download it into " +
                               (fs::path(cache_root()) / remote.name).string() +
                               ", or point us at a directory holding the four files with --data DIR");
}

}  // namespace aet
