// image_folder.h — the student's own pictures as a Dataset, laid out as torchvision's
// ImageFolder: one subfolder per class, PNG or JPEG files inside.
//
//   DIR/cat/001.png  DIR/cat/002.jpg  DIR/dog/a.png ...   labels: cat = 0, dog = 1
//
// Labels come from the subfolder names in sorted (byte) order, images within a class
// in sorted file-name order, so the same folder always gives the same dataset.
// Pictures are read with stb_image, turned grey (stb's luma, 0.299 R + 0.587 G +
// 0.114 B in fixed point; alpha is dropped), and scaled to [0,1] like the IDX data.
// With a size S every picture is resampled to S×S (the aspect ratio is not kept,
// as torchvision's Resize((S,S))); without one they must all be the same size.
#pragma once
#include <string>
#include <vector>

#include "datasets/dataset.h"

namespace aet {

// True if `dir` has at least one subfolder and none of the IDX files: the test the
// tutorials use to tell an image folder from an MNIST-format one given to --data.
bool looks_like_image_folder(const std::string& dir);

// Every image under dir/<class>/. `size` 0 keeps the images' own size (they must
// agree), else 1..1024 resamples to size×size. Files with other extensions and
// hidden files (".DS_Store") are skipped. Throws std::runtime_error naming the
// folder or file: no class folders, a class without images, an image stb cannot
// read (with its reason), images of different sizes without `size`.
Dataset load_image_folder(const std::string& dir, int size = 0);

struct ImageFolderSplits {
  Dataset train, test;
};

// Train and test splits for the tutorials. If dir holds exactly the subfolders
// "train" and "test", each is an image folder (they must name the same classes).
// Otherwise one folder is split: within each class (in sorted order) every 7th
// image goes to test, about 1/7 like Fashion-MNIST's 10 000 of 70 000, and a class
// of 2 to 6 images gives its last one; a class of one image stays in train.
ImageFolderSplits load_image_folder_splits(const std::string& dir, int size = 0);

// Resamples an h×w grey image (row-major) to out_h×out_w by area averaging: each
// output pixel is the mean of the input area it covers, with partial pixels
// weighted by the covered fraction. Exact for whole-number shrink factors, and it
// does not alias when shrinking a lot (a photo to 28×28) as bilinear would.
std::vector<float> resize_area(const std::vector<float>& src, int h, int w, int out_h, int out_w);

}  // namespace aet
