// module.h — the one idea shared by layers, models, optimizers and checkpoints:
// anything with parameters can list them, each with a name.
//
// Names are dotted paths ("encoder.0.weight") built by prefixing, so a checkpoint
// can say exactly which tensor does not fit.
#pragma once
#include <string>
#include <vector>

#include "autograd/tensor.h"

namespace aet {

struct NamedTensor {
  std::string name;
  Tensor tensor;
};
using ParamList = std::vector<NamedTensor>;

class Module {
 public:
  virtual ~Module() = default;
  virtual ParamList parameters() const = 0;

  // Gradients accumulate across backward passes until this is called.
  void zero_grad() const;
  size_t num_parameters() const;  // total number of scalars
  // requires_grad on every parameter: freezing = set_trainable(false).
  void set_trainable(bool on) const;
};

// Prepends "prefix." to every name; used by containers to build dotted paths.
ParamList prefixed(const std::string& prefix, const ParamList& params);
// Concatenates lists.
ParamList join(std::initializer_list<ParamList> lists);

}  // namespace aet
