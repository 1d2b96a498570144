// deep_clustering.h — tutorial 2's --deep-clustering recipe: one autoencoder, then every
// grouping algorithm of the toolkit on the same codes, scored against the labels.
//
//   1. an autoencoder at Z = 10, trained `epochs` epochs with tutorial 1's loop (Adam,
//      MSE), on the 60 000 training images, or with `all_images` on all 70 000
//      (train + test, no labels: the unsupervised protocol of DEC and N2D);
//   2. codes z = encoder(x) of the images to cluster (the 10 000 test images, or all
//      70 000), then on the same codes
//        K-Means (kmeans.h), a full-covariance Gaussian mixture (gmm.h),
//        UMAP to 10 dims then K-Means or the Gaussian mixture — N2D (umap.h),
//        DEC: the encoder and the K-Means centroids trained further on KL(P‖Q) (dec.h),
//        and with gmm_vote the vote of many single-start mixtures on the layout (consensus.h),
//        with umap_layouts > 1 also on several UMAP layouts at once;
//   3. a table of ACC / NMI beside the figures the papers publish, with their recipes.
// K-Means on the raw pixels is the first row, the floor everything must beat. DEC runs
// last because it changes the encoder the others read. Labels are used only to score.
#pragma once
#include <string>
#include <vector>

#include "autograd/random.h"
#include "datasets/dataset.h"

namespace aet {

struct DeepClusteringOptions {
  int epochs = 20;
  std::vector<int> hidden{512, 256};  // encoder widths (the decoder mirrors them); DEC, N2D: 500, 500, 2000
  int batch = 128;                    // the autoencoder's minibatch
  bool all_images = false;            // train and cluster on train + test; also score the test part alone
  int restarts = 20;                  // K-Means restarts on the codes
  int pixel_restarts = 20;            // ... and on the raw pixels (each costs ~80× more)
  int gmm_restarts = 4;               // Gaussian-mixture restarts; the highest likelihood wins
  int umap_neighbours = 20;
  int gmm_vote = 0;                   // > 0: also fit this many single-start GMMs to the UMAP layout
                                      // and add the row of their vote (models/consensus.h)
  int umap_layouts = 1;               // > 1 with gmm_vote: also vote over the GMMs of this many UMAP
                                      // layouts (each from its own random start), in one more row
  int gmm_draws = 0;                  // > 0: also fit this many single-start GMMs to the UMAP
                                      // layout and report the spread of their ACC
  int dec_steps = 3000;               // cap on DEC's SGD steps (it stops earlier once fewer than
                                      // 0.1 % of the points change cluster between two targets)
  std::string checkpoint;             // non-empty: load the autoencoder from here if the file
                                      // exists, else train it and save it there
};

void run_deep_clustering(const Dataset& train, const Dataset& test, const DeepClusteringOptions& options, Rng& rng);

}  // namespace aet
