// module.cpp — the helpers every Module shares.
#include "nn/module.h"

namespace aet {

void Module::zero_grad() const {
  for (auto& p : parameters()) p.tensor.zero_grad();
}

size_t Module::num_parameters() const {
  size_t n = 0;
  for (const auto& p : parameters()) n += p.tensor.size();
  return n;
}

void Module::set_trainable(bool on) const {
  for (auto& p : parameters()) p.tensor.set_requires_grad(on);
}

ParamList prefixed(const std::string& prefix, const ParamList& params) {
  ParamList out;
  out.reserve(params.size());
  for (const auto& p : params) out.push_back({prefix + "." + p.name, p.tensor});
  return out;
}

ParamList join(std::initializer_list<ParamList> lists) {
  ParamList out;
  for (const auto& l : lists) out.insert(out.end(), l.begin(), l.end());
  return out;
}

}  // namespace aet
