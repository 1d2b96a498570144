// deep_clustering.h — tutorial 2's --deep-clustering recipe: one autoencoder, then every
// grouping algorithm of the toolkit on the same codes, scored on the 10 000 test images.
//
//   1. the autoencoder of DEC (Xie et al. 2016): 784-500-500-2000-10, trained `epochs`
//      epochs on the 60 000 training images with tutorial 1's loop (Adam, MSE);
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

void run_deep_clustering(const Dataset& train, const Dataset& test, int epochs, int restarts, Rng& rng);

}  // namespace aet
