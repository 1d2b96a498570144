// deep_clustering.h — tutorial 2's --deep-clustering recipe: one autoencoder, then every
// grouping algorithm of the toolkit on the same codes, scored on the 10 000 test images.
//
//   1. tutorial 1's autoencoder at Z = 10 (784-512-256-10), trained `epochs` epochs on the
//      60 000 training images with tutorial 1's loop (Adam, MSE). DEC and N2D use a wider
//      784-500-500-2000-10, three times the work per image: on 2 shared cores it would
//      not fit the recipe's 10 minutes;
//   2. codes z = encoder(x) of the test images, then on the same codes
//        K-Means (kmeans.h), a full-covariance Gaussian mixture (gmm.h),
//        UMAP to 10 dims then K-Means or the Gaussian mixture — N2D (umap.h),
//        DEC: the encoder and the K-Means centroids trained further on KL(P‖Q) (dec.h);
//   3. a table of ACC / NMI beside the figures the papers publish, with their recipes.
// K-Means on the raw pixels is the first row, the floor everything must beat. DEC runs
// last because it changes the encoder the others read.
#pragma once
#include "autograd/random.h"
#include "datasets/dataset.h"

namespace aet {

// dec_steps caps DEC's SGD steps (it stops earlier once fewer than 0.1 % of the points
// change cluster between two targets).
void run_deep_clustering(const Dataset& train, const Dataset& test, int epochs, int restarts, int dec_steps,
                         Rng& rng);

}  // namespace aet
